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
    assert [r["outcome"] for r in recs] == ["intent", "ok", "denied"]
    assert recs[1]["operation"] == "StopReal3DTask" and recs[1]["targets"] == ["t1"]
    assert recs[0]["action_id"] == recs[1]["action_id"] and recs[2]["action_id"] is None


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
    rec = _records(path)[-1]
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
    assert _records(path)[-1]["outcome"] == "unknown"


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


# --- no action without its record (issue 12 item 6) ---------------------------------------------


class FlakyAudit(AuditLog):
    """An audit log whose writes fail from the `fail_from`-th on, until `healed`."""

    def __init__(self, path: Path, fail_from: int) -> None:
        super().__init__(path)
        self.writes = 0
        self.fail_from = fail_from
        self.healed = False

    def _append(self, data: bytes) -> None:
        self.writes += 1
        if not self.healed and self.writes >= self.fail_from:
            raise OSError(28, "No space left on device", str(self.path))
        super()._append(data)

    def probe(self) -> None:
        if not self.healed:
            raise OSError(28, "No space left on device", str(self.path))
        super().probe()


async def test_intent_is_written_before_the_call_and_shares_the_action_id(tmp_path: Path) -> None:
    runner, path, _ = _runner(tmp_path)
    seen_at_call: list[list[dict[str, object]]] = []

    async def stop(t: Target) -> bool:
        seen_at_call.append(_records(path))
        return True

    await runner.run(Op.STOP, [running()], stop, operation="StopReal3DTask")
    [before] = seen_at_call
    assert [r["outcome"] for r in before] == ["intent"]
    recs = _records(path)
    assert [r["outcome"] for r in recs] == ["intent", "ok"]
    assert recs[0]["action_id"] and recs[0]["action_id"] == recs[1]["action_id"]
    assert recs[0]["operation"] == recs[1]["operation"] == "StopReal3DTask"


async def test_unwritable_intent_means_not_sent_and_audit_failing(tmp_path: Path) -> None:
    audit = FlakyAudit(tmp_path / "audit.jsonl", fail_from=1)
    runner = ActionRunner(audit, profile="p", operator="op")
    calls: list[str] = []

    async def stop(t: Target) -> bool:
        calls.append(t.id)
        return True

    [outcome] = await runner.run(Op.STOP, [running()], stop, operation="StopReal3DTask")
    assert calls == []
    assert outcome.status == "denied" and "not sent" in outcome.message
    assert "No space left on device" in outcome.message
    assert runner.audit_failing and "No space left" in (runner.audit_error or "")
    assert runner.pending_for(Kind.REAL3D_TASK, "t1") is None
    # Every further mutation is refused up front, with the reason, while the log is failing.
    decision = runner.decide(running("t2"), Op.STOP)
    assert not decision.allowed and "audit log failing" in (decision.reason or "")
    [again] = await runner.run(Op.STOP, [running("t2")], stop, operation="StopReal3DTask")
    assert again.status == "denied" and calls == []
    assert await runner.retry_audit() is False and runner.audit_failing
    audit.healed = True
    assert await runner.retry_audit() is True and not runner.audit_failing
    [done] = await runner.run(Op.STOP, [running("t2")], stop, operation="StopReal3DTask")
    assert done.ok and calls == ["t2"]
    assert [r["outcome"] for r in _records(audit.path)] == ["intent", "ok"]


async def test_unwritable_outcome_is_told_and_blocks_the_next_action(tmp_path: Path) -> None:
    audit = FlakyAudit(tmp_path / "audit.jsonl", fail_from=2)  # intent ok, outcome fails
    runner = ActionRunner(audit, profile="p", operator="op")
    calls: list[str] = []

    async def stop(t: Target) -> bool:
        calls.append(t.id)
        return True

    outcomes = await runner.run(
        Op.STOP, [running("t1"), running("t2")], stop, operation="StopReal3DTask"
    )
    assert calls == ["t1"]  # the second target is not sent once the log failed
    assert outcomes[0].ok and "not audited" in outcomes[0].message
    assert outcomes[1].status == "denied" and "audit log failing" in outcomes[1].message
    assert runner.audit_failing


async def test_full_device_as_audit_file_sends_nothing(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        return
    runner = ActionRunner(AuditLog("/dev/full"), profile="p", operator="op")

    async def stop(t: Target) -> bool:
        raise AssertionError("must not be sent without its intent record")

    [outcome] = await runner.run(Op.STOP, [running()], stop, operation="StopReal3DTask")
    assert outcome.status == "denied" and runner.audit_failing
