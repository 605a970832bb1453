"""The audit view's poll source: records as the log grows, the history's names for their ids
(asked once per id, never failing the read), an unreadable log as a poll error."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from koomap_tui.api.errors import KooMapError
from koomap_tui.services.audit import AuditLog
from koomap_tui.services.sources.audit import AuditSource


class History:
    """A history that knows some names, or fails (`broken`); counts what it was asked."""

    def __init__(self, names: dict[str, str], broken: bool = False) -> None:
        self.names, self.broken, self.asked = names, broken, []

    def transitions(self, *, item_id: str, limit: int) -> list[Any]:
        self.asked.append(item_id)
        if self.broken:
            raise RuntimeError("database is locked")
        name = self.names.get(item_id)
        return [SimpleNamespace(name=name)] if name else []


async def test_records_arrive_with_the_history_s_names_asked_once(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    history = History({"t1": "east_block_fine"})
    source = AuditSource(log.path, history)  # type: ignore[arg-type]
    log.record("p", "o", "StopTask", ["t1", "t2"], "ok")
    got = await source.fetch(None)
    assert [r.rec.operation for r in got.items.values()] == ["StopTask"]
    assert got.meta["names"] == {"t1": "east_block_fine"}
    log.record("p", "o", "StartTask", ["t1"], "ok")
    got = await source.fetch(got.items)
    assert [r.rec.operation for r in got.items.values()] == ["StopTask", "StartTask"]
    assert sorted(history.asked) == ["t1", "t2"]  # not t1 again


async def test_a_failing_history_leaves_ids_unnamed_and_the_records_read(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    source = AuditSource(log.path, History({}, broken=True))  # type: ignore[arg-type]
    log.record("p", "o", "StopTask", ["t1"], "ok")
    got = await source.fetch(None)
    assert len(got.items) == 1 and got.meta["names"] == {}


async def test_an_unreadable_log_is_a_poll_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.mkdir()
    with pytest.raises(KooMapError) as caught:
        await AuditSource(path).fetch(None)
    assert str(path) in str(caught.value)
