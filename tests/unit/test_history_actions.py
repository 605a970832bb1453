"""Every audited outcome reaches the history (ActionRunner.on_record), and a failing listener
never changes the action's outcome."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from koomap_tui.api.errors import WrongStateError
from koomap_tui.domain.policy import Kind, Op
from koomap_tui.services.actions import ActionRunner, Target
from koomap_tui.services.audit import AuditLog
from koomap_tui.services.history import HistoryStore


def running(task_id: str) -> Target:
    return Target(Kind.REAL3D_TASK, task_id, "RUNNING")


async def test_audited_outcomes_are_kept_in_the_history(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3").start()
    runner = ActionRunner(AuditLog(tmp_path / "audit.jsonl"), profile="p", operator="ops")
    runner.on_record = store.record_action

    async def stop(target: Target) -> Any:
        if target.id == "t2":
            raise WrongStateError("KM.0409", "task is not running", request_id="r-2")
        return None

    try:
        await runner.run(Op.STOP, [running("t1"), running("t2")], stop, operation="StopReal3DTask")
        await runner.run(
            Op.STOP, [Target(Kind.REAL3D_TASK, "t3", "INIT")], stop, operation="StopReal3DTask"
        )
        assert await asyncio.to_thread(store.flush, 20.0)
        rows = store.actions()
    finally:
        store.close()
    # outcomes only (the "intent" records are not actions done), in order
    assert [(r["targets"], r["outcome"]) for r in rows] == [
        (["t1"], "ok"),
        (["t2"], "error"),
        (["t3"], "denied"),
    ]
    assert rows[1]["error_code"] == "KM.0409" and rows[1]["request_id"] == "r-2"
    assert {r["operation"] for r in rows} == {"StopReal3DTask"} and rows[0]["operator"] == "ops"


async def test_a_failing_listener_does_not_change_the_outcome(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runner = ActionRunner(AuditLog(tmp_path / "audit.jsonl"), profile="p", operator="ops")

    def broken(record: Any) -> None:
        raise RuntimeError("listener down")

    runner.on_record = broken

    async def stop(target: Target) -> None:
        return None

    with caplog.at_level(logging.ERROR):
        [outcome] = await runner.run(Op.STOP, [running("t1")], stop, operation="StopReal3DTask")
    assert outcome.ok and outcome.message == "ok"
    assert any("audit listener failed" in r.getMessage() for r in caplog.records)
