"""ActionRunner: policy gate, pending marks, never twice, true outcomes in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

from koomap_tui.api.errors import TransportError, WrongStateError
from koomap_tui.domain.policy import Kind, Op
from koomap_tui.services.actions import ActionRunner, Target
from koomap_tui.services.audit import AuditLog


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _runner(tmp_path: Path, **kw: object) -> tuple[ActionRunner, Path, Clock]:
    path = tmp_path / "audit.jsonl"
    clock = Clock()
    runner = ActionRunner(AuditLog(path), profile="p", operator="op", clock=clock, **kw)  # type: ignore[arg-type]
    return runner, path, clock


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def running(task_id: str = "t1") -> Target:
    return Target(Kind.REAL3D_TASK, task_id, "RUNNING", label="east")


async def test_allowed_action_marks_pending_until_state_moves(tmp_path: Path) -> None:
    runner, path, _ = _runner(tmp_path)
    calls: list[str] = []

    async def stop(t: Target) -> bool:
        calls.append(t.id)
        return True

    outcomes = await runner.run(Op.STOP, [running()], stop, operation="StopReal3DTask")
    assert [o.status for o in outcomes] == ["ok"] and calls == ["t1"]
    assert runner.pending_for(Kind.REAL3D_TASK, "t1") is not None
    # Pressing stop again while pending is refused without a call.
    again = await runner.run(Op.STOP, [running()], stop, operation="StopReal3DTask")
    assert again[0].status == "denied" and "in flight" in again[0].message and calls == ["t1"]
    runner.observe(Kind.REAL3D_TASK, "t1", "RUNNING")  # poll saw no change yet
    assert runner.pending_for(Kind.REAL3D_TASK, "t1") is not None
    runner.observe(Kind.REAL3D_TASK, "t1", "STOPPING")
    assert runner.pending_for(Kind.REAL3D_TASK, "t1") is None
    recs = _records(path)
    assert [r["outcome"] for r in recs] == ["ok", "denied"]
    assert recs[0]["operation"] == "StopReal3DTask" and recs[0]["targets"] == ["t1"]


async def test_denied_by_state_is_not_sent(tmp_path: Path) -> None:
    runner, path, _ = _runner(tmp_path)

    async def boom(t: Target) -> bool:
        raise AssertionError("must not be called")

    init = Target(Kind.REAL3D_TASK, "t2", "INIT")
    [outcome] = await runner.run(Op.STOP, [init], boom, operation="StopReal3DTask")
    assert outcome.status == "denied"
    assert "cannot stop" in outcome.message and "初始化" in outcome.message
    assert _records(path)[0]["outcome"] == "denied"


async def test_read_only_blocks_every_mutation_at_the_runner(tmp_path: Path) -> None:
    runner, _, _ = _runner(tmp_path, read_only=True)

    async def boom(t: Target) -> bool:
        raise AssertionError("must not be called")

    for op in (Op.START, Op.STOP, Op.DELETE, Op.UPDATE, Op.ARCHIVE):
        state = {"STOP": "RUNNING", "ARCHIVE": "SUCCESS"}.get(op.name, "INIT")
        [o] = await runner.run(op, [Target(Kind.REAL3D_TASK, "t", state)], boom, operation=op.value)
        assert o.status == "denied" and "read-only" in o.message


async def test_api_error_clears_pending_and_records_code(tmp_path: Path) -> None:
    runner, path, _ = _runner(tmp_path)

    async def refused(t: Target) -> bool:
        raise WrongStateError(
            "KMP.99990101", "state does not allow stop", 400, "rid-1", "StopReal3DTask"
        )

    [o] = await runner.run(Op.STOP, [running()], refused, operation="StopReal3DTask")
    assert o.status == "error" and o.error is not None and o.error.code == "KMP.99990101"
    assert runner.pending_for(Kind.REAL3D_TASK, "t1") is None
    rec = _records(path)[0]
    assert rec["outcome"] == "error" and rec["error_code"] == "KMP.99990101"
    assert rec["request_id"] == "rid-1"


async def test_connection_lost_after_sending_is_unknown_and_stays_pending(tmp_path: Path) -> None:
    runner, path, clock = _runner(tmp_path)

    async def dropped(t: Target) -> bool:
        raise TransportError("connection reset", maybe_sent=True, operation="StopReal3DTask")

    [o] = await runner.run(Op.STOP, [running()], dropped, operation="StopReal3DTask")
    assert o.status == "unknown"
    assert "connection lost after sending" in o.message
    assert runner.pending_for(Kind.REAL3D_TASK, "t1") is not None
    assert runner.expired() == []
    clock.now += 121
    assert runner.expired() == [(Kind.REAL3D_TASK, "t1")]
    assert _records(path)[0]["outcome"] == "unknown"


async def test_bulk_action_with_mixed_states_runs_only_allowed(tmp_path: Path) -> None:
    runner, _, _ = _runner(tmp_path)
    sent: list[str] = []

    async def stop(t: Target) -> bool:
        sent.append(t.id)
        return True

    targets = [running("a"), Target(Kind.REAL3D_TASK, "b", "SUCCESS"), running("c")]
    outcomes = await runner.run(Op.STOP, targets, stop, operation="StopReal3DTask")
    assert [o.status for o in outcomes] == ["ok", "denied", "ok"]
    assert sent == ["a", "c"]
