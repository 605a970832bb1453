"""The audit screen: records shown, text and outcome filters, export (content checked, never
overwriting without asking), and live refresh when the file grows."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from koomap_tui.services.audit import AuditLog
from koomap_tui.services.audit_tail import AuditTail
from koomap_tui.ui.forms.export import ExportDialog
from koomap_tui.ui.navigation import navigate
from koomap_tui.ui.screens.audit import AuditScreen
from koomap_tui.ui.widgets.dialogs import ConfirmDialog
from tests.ui.helpers import notices, screen_text, wait_for

T1 = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
T2 = "9a8b7c6d5e4f30211203f4e5d6c7b8a9"


def seed(audit: AuditLog) -> None:
    audit.record("prod", "alice", "StartTask", [T1], "ok", request_id="req-0001")
    audit.record(
        "prod", "alice", "StopTask", [T2], "error", request_id="req-0002",
        error_code="KMP.0409", detail="wrong state",
    )  # fmt: skip
    audit.record("prod", "bob", "DeleteTask", [T1], "denied", detail="read-only mode")
    audit.record("prod", "bob", "StopReal3DTask", [T2], "unknown", detail="connection lost")


async def open_audit(pilot: Pilot[Any]) -> AuditScreen:
    app = pilot.app
    await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
    assert navigate(app, "audit")  # type: ignore[arg-type]
    await wait_for(
        pilot, lambda: isinstance(app.screen, AuditScreen) and bool(app.screen.query("#audit"))
    )
    screen = app.screen
    assert isinstance(screen, AuditScreen)
    await wait_for(pilot, lambda: screen.table.total_row_count > 0)
    return screen


@asynccontextmanager
async def seeded_audit(
    make_app: Any, size: tuple[int, int] = (220, 40), **options: Any
) -> AsyncIterator[tuple[Pilot[Any], AuditScreen]]:
    """A console whose audit log holds the `seed` records, on the audit view."""
    app = make_app(**options)
    seed(app.ctx.audit)
    async with app.run_test(size=size) as pilot:
        yield pilot, await open_audit(pilot)


async def test_records_are_listed_newest_first(make_app: Any) -> None:
    async with seeded_audit(make_app) as (pilot, screen):
        await pilot.pause()
        text = screen_text(pilot)
        for word in ("StartTask", "✗ error", "KMP.0409", "req-0002", "⊘ denied", "? unknown"):
            assert word in text, word
        assert "alice" in text and "prod" in text and T1 in text
        first = screen.table.get_row(screen.table.keys_in_order()[0])
        assert first.rec.operation == "StopReal3DTask"  # the newest
        assert "4 of 4 record(s)" in text


async def test_text_and_outcome_filters(make_app: Any) -> None:
    async with seeded_audit(make_app) as (pilot, screen):
        await pilot.press("3")  # errors only
        await pilot.pause()
        assert [r.rec.operation for r in screen.shown_rows()] == ["StopTask"]
        await pilot.press("1", "slash", *"bob", "enter")
        await pilot.pause()
        assert {r.rec.operator for r in screen.shown_rows()} == {"bob"}
        assert "2 of 4 record(s)" in screen_text(pilot)
        await pilot.press("5")  # bob's denied only
        await pilot.pause()
        assert [r.rec.outcome for r in screen.shown_rows()] == ["denied"]
        await pilot.press("slash")
        await pilot.press("escape")  # Esc in the filter clears it
        await pilot.press("1")
        await pilot.pause()
        assert len(screen.shown_rows()) == 4


async def test_export_csv_and_jsonl_never_overwrites_without_asking(
    make_app: Any, tmp_path: Path
) -> None:
    out = tmp_path / "export.csv"
    async with seeded_audit(make_app) as (pilot, screen):
        app = screen.kapp
        screen.export_dir = tmp_path
        await pilot.press("slash", *"alice", "enter")
        await pilot.pause()
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
        box = app.screen.query_one("#path")
        assert str(box.value).startswith(str(tmp_path))  # type: ignore[attr-defined]
        assert str(box.value).endswith(".csv")  # type: ignore[attr-defined]
        box.value = str(out)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: out.exists())
        rows = list(csv.reader(out.read_text().splitlines()))
        assert rows[0][:6] == ["time", "profile", "operator", "operation", "targets", "outcome"]
        assert [r[3] for r in rows[1:]] == ["StartTask", "StopTask"]  # oldest first, filtered
        assert rows[2][7] == "KMP.0409" and rows[2][6] == "req-0002"
        before = out.read_text()
        # Same path again: asked; "no" leaves the file alone.
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
        app.screen.query_one("#path").value = str(out)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await pilot.pause()
        assert out.read_text() == before
        # JSON lines, confirmed overwrite.
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
        app.screen.query_one("#format").value = "jsonl"  # type: ignore[attr-defined]
        await pilot.pause()
        app.screen.query_one("#path").value = str(out)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: out.read_text() != before)
        lines = [json.loads(x) for x in out.read_text().splitlines()]
        assert [x["operation"] for x in lines] == ["StartTask", "StopTask"]
        assert lines[1]["error_code"] == "KMP.0409" and lines[1]["targets"] == [T2]
        assert any("exported 2 record(s)" in n for n in notices(pilot))


async def test_new_records_appear_while_shown(make_app: Any) -> None:
    # The API's cadence, not the tail's:
    async with seeded_audit(make_app, fast_interval=60, slow_interval=120) as (pilot, screen):
        app = screen.kapp
        assert screen.table.total_row_count == 4
        app.ctx.audit.record("prod", "carol", "ArchiveSomething", [T1], "ok")
        await wait_for(pilot, lambda: screen.table.total_row_count == 5, timeout=5)
        await pilot.pause()
        assert "ArchiveSomething" in screen_text(pilot)


def test_tail_reads_only_whole_new_lines_and_restarts_after_truncation(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    tail = AuditTail(path)
    assert tail.poll() is None  # no file yet
    log = AuditLog(path)
    log.record("p", "o", "One", ["t"], "ok")
    assert [r.operation for r in tail.poll() or []] == ["One"]
    assert tail.poll() is None  # unchanged: nothing read
    with path.open("a") as handle:
        handle.write('{"time": "x", "operation": "Half"')  # a record still being written
    assert tail.poll() == []
    with path.open("a") as handle:
        handle.write(', "outcome": "ok"}\n')
    assert [r.operation for r in tail.poll() or []] == ["Half"]
    path.write_text("")
    log.record("p", "o", "Fresh", ["t"], "ok")
    got = tail.poll() or []
    assert tail.reset_seen and [r.operation for r in got] == ["Fresh"]


async def test_a_rotated_log_is_shown_whole_and_r_reads_it_all_again(
    make_app: Any, tmp_path: Path
) -> None:
    async with seeded_audit(make_app) as (pilot, screen):
        path = screen.kapp.ctx.audit.path
        assert screen.table.total_row_count == 4
        rotated = AuditLog(tmp_path / "next.jsonl")
        rotated.record("prod", "carol", "AfterRotation", [T1], "ok")
        rotated.path.replace(path)  # another console rotated the log: a new file, no key pressed
        await wait_for(pilot, lambda: screen.table.total_row_count == 1, timeout=5)
        assert [r.rec.operation for r in screen.shown_rows()] == ["AfterRotation"]
        keys = set(screen.table.keys_in_order())
        await pilot.press("r")  # the whole file again: the same records, read anew, not doubled
        await wait_for(pilot, lambda: set(screen.table.keys_in_order()) - keys)
        assert [r.rec.operation for r in screen.shown_rows()] == ["AfterRotation"]


async def test_an_unreadable_log_is_reported_once_and_r_reads_it_when_it_is_back(
    make_app: Any,
) -> None:
    async with seeded_audit(make_app) as (pilot, screen):
        path = screen.kapp.ctx.audit.path
        path.unlink()
        path.mkdir()  # stat works, the read fails: unreadable
        said = "Audit log unreadable"
        await wait_for(pilot, lambda: any(n.startswith(said) for n in notices(pilot)), timeout=5)
        assert screen.poller is not None
        for _ in range(2):  # failing again, at once: not said again
            errors = screen.poller.freshness().errors
            await pilot.press("r")
            await wait_for(pilot, lambda e=errors: screen.poller.freshness().errors > e)
        assert sum(n.startswith(said) for n in notices(pilot)) == 1
        assert str(path) in next(n for n in notices(pilot) if n.startswith(said))
        path.rmdir()
        AuditLog(path).record("prod", "dave", "BackAgain", [T2], "ok")
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.table.total_row_count == 1)
        assert [r.rec.operation for r in screen.shown_rows()] == ["BackAgain"]


async def test_the_time_is_shown_whole_at_80_columns(make_app: Any) -> None:
    # "2026-12-06T18:05:55.913Z" is 24 cells; its column had 23 and always ended in "…".
    async with seeded_audit(make_app, size=(80, 24)) as (pilot, screen):
        first = screen.table.get_row(screen.table.keys_in_order()[0])
        assert len(first.rec.time) == 24
        await wait_for(pilot, lambda: first.rec.time in screen_text(pilot))


def test_every_outcome_the_quick_filters_offer_has_a_look_and_is_one_the_log_writes() -> None:
    """The filters' outcomes and their looks are written in two places: they must agree."""
    from koomap_tui.services.audit import OUTCOMES
    from koomap_tui.ui.screens.audit import OUTCOME_LOOK
    from koomap_tui.ui.specs import AUDIT_OUTCOMES

    assert set(OUTCOME_LOOK) == set(AUDIT_OUTCOMES)
    assert set(AUDIT_OUTCOMES) == OUTCOMES - {"intent"}  # an intent shows under "all" only
