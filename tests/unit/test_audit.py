"""Audit log: append-only JSON lines, permissions, durability, filters, export, no secrets."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from koomap_tui.services.audit import MASK, AuditLog, AuditRecord, redact

SK = "SimDemoSecretKey0000000000000000000000001"
PASSWORD = "KooMap-demo-2024"
IAM_TOKEN = "MIIZkgYJKoZIhvcNAQcCoIIZgzCCGX8CAQExDTALBglghkgBZQMEAgEwgXXXXX" * 4
TASK_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
REQUEST_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 20, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "state" / "koomap-tui" / "audit.jsonl", clock=Clock())


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_one_line_per_record_with_utc_time(log: AuditLog) -> None:
    log.record("prod", "alice", "stop", [TASK_ID], "ok", request_id=REQUEST_ID)
    log.record("prod", "alice", "delete", [TASK_ID, "t2"], "error", error_code="KMP.0001")
    lines = _lines(log.path)
    assert len(lines) == 2
    assert lines[0] == {
        "time": "2026-11-25T20:00:01.000Z",
        "profile": "prod",
        "operator": "alice",
        "operation": "stop",
        "targets": [TASK_ID],
        "outcome": "ok",
        "request_id": REQUEST_ID,
        "error_code": None,
        "detail": None,
        "action_id": None,
    }
    assert lines[1]["targets"] == [TASK_ID, "t2"]
    assert lines[1]["error_code"] == "KMP.0001"


def test_file_0600_and_created_dirs_0700(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        log = AuditLog(tmp_path / "a" / "b" / "audit.jsonl")
        log.record("p", "o", "start", ["x"], "ok")
    finally:
        os.umask(old)
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    # The console sets modes only on files it creates (issue 12 item 7): an operator who shared
    # the log with a group on purpose keeps that choice.
    path = tmp_path / "audit.jsonl"
    path.write_text("")
    path.chmod(0o640)
    AuditLog(path).record("p", "o", "start", ["x"], "ok")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_device_as_audit_file_keeps_its_mode() -> None:
    # /dev/null (0666) used as audit file: writes succeed and its mode is left alone (before
    # the fix the writer narrowed it to 0600, or failed on fsync of a device).
    before = stat.S_IMODE(os.stat("/dev/null").st_mode)
    AuditLog("/dev/null").record("p", "o", "start", ["x"], "ok")
    AuditLog("/dev/null").probe()
    assert stat.S_IMODE(os.stat("/dev/null").st_mode) == before


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_device_fails_the_write_and_the_probe() -> None:
    log = AuditLog("/dev/full")
    with pytest.raises(OSError) as caught:
        log.record("p", "o", "start", ["x"], "ok")
    assert caught.value.errno == 28  # ENOSPC
    with pytest.raises(OSError):
        log.probe()


def test_probe_of_a_path_under_a_file_fails(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    with pytest.raises(OSError):
        AuditLog(tmp_path / "plain" / "audit.jsonl").probe()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_probe_of_a_read_only_directory_fails(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OSError):
            AuditLog(ro / "audit.jsonl").probe()
    finally:
        ro.chmod(0o700)


def test_probe_creates_a_missing_file_0600_and_writes_no_record(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.probe()
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
    assert log.read() == []


def test_append_only_keeps_earlier_records(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    AuditLog(path).record("p", "o", "start", ["a"], "ok")
    AuditLog(path).record("p", "o", "stop", ["a"], "ok")
    assert [r.operation for r in AuditLog(path).read()] == ["start", "stop"]


def test_fsync_per_record(log: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real(fd))[1])
    log.record("p", "o", "start", ["a"], "ok")
    log.record("p", "o", "stop", ["a"], "ok")
    assert len(calls) == 2


def test_invalid_outcome_rejected(log: AuditLog) -> None:
    with pytest.raises(ValueError):
        log.record("p", "o", "start", ["a"], "maybe")  # type: ignore[arg-type]
    assert not log.path.exists()


# --- secrets ------------------------------------------------------------------------------


def test_planted_secrets_never_reach_the_file(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", secrets=[SecretStr(PASSWORD), SK])
    log.record(
        "prod",
        "alice",
        "start",
        [TASK_ID],
        "error",
        request_id=REQUEST_ID,
        error_code="APIGW.0301",
        detail=(
            f"login failed password={PASSWORD} sk: {SK} X-Auth-Token: {IAM_TOKEN} "
            f"raw {IAM_TOKEN} and also {PASSWORD} and Authorization: Bearer abcdef123456789 "
            f"signature={'ab' * 32} sha={'cd' * 24}"
        ),
    )
    log.record(
        "prod",
        "alice",
        "update",
        [TASK_ID],
        "ok",
        detail={"password": "whatever-it-is", "nested": {"sk": "x" * 8, "note": IAM_TOKEN}},
    )
    text = log.path.read_text(encoding="utf-8")
    for secret in (PASSWORD, SK, IAM_TOKEN[:40], "abcdef123456789", "ab" * 32, "cd" * 24):
        assert secret not in text
    assert "whatever-it-is" not in text
    assert "x" * 8 not in text
    # the useful parts survive
    assert TASK_ID in text and REQUEST_ID in text and "APIGW.0301" in text
    assert "login failed" in text and MASK in text
    rec = log.read(operation="update")[0]
    assert isinstance(rec.detail, dict)
    assert rec.detail["password"] == MASK
    assert rec.detail["nested"] == {"sk": MASK, "note": MASK}


def test_redaction_keeps_ids_and_names() -> None:
    text = (
        f"task {TASK_ID} in Survey_East_2024_Batch_A_Block07_Mesh status=RUNNING "
        "request a1b2c3d4-e5f6-7890-abcd-ef1234567890 task=abc"
    )
    assert redact(text, long_runs=True) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"password": "p@ss w"}', '{"password": "***"}'),
        ("x-subject-token=abc&limit=10", "x-subject-token=***&limit=10"),
        ("pwd='a b' next", "pwd='***' next"),
        ("Authorization: Bearer abc.def.ghi1 rest", "Authorization: *** rest"),
        ("security_token: Zm9vYmFy", "security_token: ***"),
    ],
)
def test_key_value_redaction(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_repr_does_not_show_secrets(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", secrets=[SK])
    assert SK not in repr(log)


def test_secret_in_targets_or_operator_is_masked(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", secrets=[PASSWORD])
    log.record("prod", f"alice {PASSWORD}", "start", [f"x{PASSWORD}"], "ok")
    assert PASSWORD not in log.path.read_text(encoding="utf-8")


# --- reading ------------------------------------------------------------------------------


def _fill(log: AuditLog) -> None:
    log.record("prod", "alice", "start", ["t1"], "ok")
    log.record("prod", "bob", "stop", ["t2"], "error", error_code="KMP.00021148")
    log.record("test", "alice", "delete", ["t1", "t3"], "denied", detail="task is running")
    log.record("prod", "alice", "start", ["t4"], "unknown", detail="connection lost")


def test_read_filters(log: AuditLog) -> None:
    _fill(log)
    assert len(log.read()) == 4
    assert [r.operator for r in log.read(profile="prod")] == ["alice", "bob", "alice"]
    assert [r.targets for r in log.read(target="t1")] == [("t1",), ("t1", "t3")]
    assert [r.outcome for r in log.read(outcome=["error", "unknown"])] == ["error", "unknown"]
    assert [r.operation for r in log.read(operator="alice", operation="start")] == [
        "start",
        "start",
    ]
    assert log.read(text="RUNNING")[0].operation == "delete"
    assert log.read(text="kmp.00021148")[0].operator == "bob"
    assert [r.targets for r in log.read(limit=2)] == [("t1", "t3"), ("t4",)]
    assert log.read(limit=0) == []


def test_read_time_window(log: AuditLog) -> None:
    _fill(log)
    since = datetime(2026, 11, 25, 20, 0, 2, tzinfo=UTC)
    until = datetime(2026, 11, 25, 20, 0, 4, tzinfo=UTC)
    assert [r.operation for r in log.read(since=since, until=until)] == ["stop", "delete"]
    naive = datetime(2026, 11, 25, 20, 0, 4)
    assert [r.operation for r in log.read(since=naive)] == ["start"]


def test_torn_line_is_skipped(log: AuditLog) -> None:
    log.record("p", "o", "start", ["a"], "ok")
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write('{"time": "2026-11-25T20:00:09Z", "profile": "p", "oper')
    assert len(log.read()) == 1
    # the writer ends the torn line first, so the next record stays readable
    log.record("p", "o", "stop", ["a"], "ok")
    assert [r.operation for r in log.read()] == ["start", "stop"]


def test_missing_file_reads_empty(tmp_path: Path) -> None:
    assert AuditLog(tmp_path / "none.jsonl").read() == []


# --- export -------------------------------------------------------------------------------


def test_export_csv(log: AuditLog, tmp_path: Path) -> None:
    _fill(log)
    log.record("prod", "alice", "rename", ["w1"], "ok", detail="=HYPERLINK(1)")
    out = tmp_path / "export.csv"
    assert log.export_csv(out) == 5
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert rows[2]["targets"] == "t1;t3"
    assert rows[1]["error_code"] == "KMP.00021148"
    assert rows[4]["detail"] == "'=HYPERLINK(1)"  # no formula injection in spreadsheets
    assert list(rows[0]) == [
        "time",
        "profile",
        "operator",
        "operation",
        "targets",
        "outcome",
        "request_id",
        "error_code",
        "detail",
    ]


def test_export_jsonl_round_trips(log: AuditLog) -> None:
    _fill(log)
    buffer = io.StringIO()
    assert log.export_jsonl(buffer, log.read(outcome="denied")) == 1
    (line,) = buffer.getvalue().splitlines()
    assert AuditRecord.from_dict(json.loads(line)) == log.read(outcome="denied")[0]


async def test_arecord_off_loop(log: AuditLog) -> None:
    rec = await log.arecord("p", "o", "archive", ["a"], "ok")
    assert log.read() == [rec]
