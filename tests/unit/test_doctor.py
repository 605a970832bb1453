"""`koomap-tui doctor` against the simulator over loopback HTTP: a clear report, exit status 1
on any failure, and no secret in the output."""

from __future__ import annotations

import io
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from koomap_tui.cli import build_parser, main
from koomap_tui.doctor import FAIL, OK, WARN, check_clock, run_doctor
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    # No gateway budget: each test's doctor is a new client with its own rate limiter, and a
    # dozen of them in one second drew 429s from the shared simulator (not what they test).
    with SimServer(seed=7, scenario="demo", speed=0.0, qps_limit=0) as server:
        yield server


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("KOOMAP_", "HUAWEICLOUD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def write_config(tmp_path: Path, endpoint: str, extra: str = "", mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[profiles.lab]\nendpoint = "{endpoint}"\nproject_id = "{DEMO_PROJECT_ID}"\n{extra}'
    )
    path.chmod(mode)
    return path


def doctor(argv: list[str], **kw: object) -> tuple[int, str]:
    out = io.StringIO()
    args = build_parser().parse_args([*argv, "doctor"])
    code = run_doctor(args, out=out, **kw)  # type: ignore[arg-type]
    return code, out.getvalue()


def status_of(report: str, name: str) -> str:
    for line in report.splitlines():
        parts = line.split()
        if len(parts) > 1 and line[8:].startswith(name):
            return parts[0]
    raise AssertionError(f"no {name!r} line in:\n{report}")


def test_healthy_profile_passes_and_never_prints_the_sk(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)
    cfg = write_config(tmp_path, sim.base_url)
    code, out = doctor(["--config", str(cfg), "--audit-file", str(tmp_path / "a.jsonl")])
    assert code == 0, out
    for name in ("config", "credentials", "connectivity", "clock", "api", "audit file"):
        assert status_of(out, name) == OK, out
    assert "workspace(s) visible" in out
    assert DEMO_SK not in out
    assert "all checks passed" in out


def test_clock_skew_beyond_15_minutes_fails_for_aksk(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)
    cfg = write_config(tmp_path, sim.base_url)
    code, out = doctor(["--config", str(cfg)], now=lambda: time.time() + 20 * 60)
    assert code == 1
    assert status_of(out, "clock") == FAIL
    assert re.search(r"local clock is 1(19\d|20\d) s ahead of the server", out), out
    assert "refused beyond 15 min" in out


def test_check_clock_boundaries() -> None:
    date = "Wed, 25 Nov 2026 21:00:00 GMT"
    base = 1795640400.0  # that instant
    assert check_clock(date, base + 5, "aksk").status == OK
    assert check_clock(date, base - 14 * 60, "aksk").status == WARN
    assert check_clock(date, base - 16 * 60, "aksk").status == FAIL
    assert "behind" in check_clock(date, base - 16 * 60, "aksk").detail
    assert check_clock(date, base + 16 * 60, "token").status == WARN  # tokens do not sign
    assert check_clock(None, base, "aksk").status == WARN
    assert check_clock("garbage", base, "aksk").status == WARN


def test_wrong_sk_is_reported_as_rejected_credentials(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "WRONGSK" + DEMO_SK[7:]
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", wrong)
    cfg = write_config(tmp_path, sim.base_url)
    code, out = doctor(["--config", str(cfg)])
    assert code == 1
    assert status_of(out, "api") == FAIL
    assert "credentials rejected" in out
    assert wrong not in out


def test_missing_credentials_fail_with_where_we_looked(sim: SimServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sim.base_url)
    code, out = doctor(["--config", str(cfg)])
    assert code == 1
    assert status_of(out, "credentials") == FAIL
    assert "HUAWEICLOUD_SDK_AK" in out
    assert status_of(out, "api") == "SKIP"


def test_malformed_config_fails_with_its_line(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[profiles.lab]\nendpoint = "http://127.0.0.1:1"\nqps = "fast"\n')
    code, out = doctor(["--config", str(cfg)])
    assert code == 1
    assert status_of(out, "config") == FAIL
    assert "qps" in out and "line 3" in out


def test_unreachable_endpoint_fails_connectivity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)
    cfg = write_config(tmp_path, f"http://127.0.0.1:{port}", "connect_timeout = 1.0\n")
    code, out = doctor(["--config", str(cfg)])
    assert code == 1
    assert status_of(out, "connectivity") == FAIL
    assert f"127.0.0.1:{port}" in out
    assert status_of(out, "clock") == "SKIP"


def test_config_with_secret_readable_by_others_fails_permissions(
    sim: SimServer, tmp_path: Path
) -> None:
    cfg = write_config(tmp_path, sim.base_url, f'ak = "{DEMO_AK}"\nsk = "{DEMO_SK}"\n', mode=0o644)
    audit = tmp_path / "audit.jsonl"
    audit.write_text("")
    audit.chmod(0o644)
    code, out = doctor(["--config", str(cfg), "--audit-file", str(audit)])
    assert code == 1
    assert status_of(out, "config file") == FAIL
    assert "chmod 600" in out
    assert status_of(out, "audit file") == WARN
    assert DEMO_SK not in out


def test_tls_off_is_a_warning_line(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)
    cfg = write_config(tmp_path, sim.base_url)
    code, out = doctor(["--config", str(cfg), "--insecure"])
    assert code == 0
    assert status_of(out, "tls") == WARN
    assert "OFF" in out or "off" in out


def test_main_dispatches_doctor_and_returns_its_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[profiles.lab\n")  # not TOML
    assert main(["--config", str(cfg), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "config" in out


# --- issue 12 item 13: doctor validates one real answer per service ------------------------------


def _aksk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)


def test_healthy_answers_pass_the_shape_checks(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _aksk(monkeypatch)
    cfg = write_config(tmp_path, sim.base_url)
    code, out = doctor(["--config", str(cfg), "--audit-file", str(tmp_path / "a.jsonl")])
    assert code == 0, out
    for line in ("answers real3d overview", "answers real3d tasks", "answers satellite"):
        assert status_of(out, line) == OK, out
    assert "ShowTaskOverviewInWorkspace has the expected shape" in out


@pytest.mark.parametrize(
    ("prefix", "line"),
    [
        ("/v1/real3d/", "answers real3d overview"),
        ("/v1/kmp-control/tasks/overview", "answers satellite"),
    ],
)
def test_a_malformed_answer_fails_doctor(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix: str, line: str
) -> None:
    _aksk(monkeypatch)
    cfg = write_config(tmp_path, sim.base_url)
    sim.faults.set(truncated_rate=1.0, path_prefix=prefix)
    try:
        code, out = doctor(["--config", str(cfg), "--audit-file", str(tmp_path / "a.jsonl")])
    finally:
        sim.faults.clear()
    assert code == 1, out
    assert status_of(out, line) == FAIL and "malformed" in out
    assert "all checks passed" not in out


def test_a_bad_row_in_the_task_list_fails_doctor(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _aksk(monkeypatch)
    cfg = write_config(tmp_path, sim.base_url)
    from koomap_tui.sim import records

    def touch_all() -> None:
        with sim.core.lock:
            for task in sim.core.stores["demo"].tasks.values():
                task.touch()

    real = records.progress_text
    monkeypatch.setattr(records, "progress_text", lambda value: "abc")
    touch_all()
    try:
        code, out = doctor(["--config", str(cfg), "--audit-file", str(tmp_path / "a.jsonl")])
    finally:
        monkeypatch.setattr(records, "progress_text", real)
        touch_all()
    assert code == 1, out
    assert status_of(out, "answers real3d tasks") == FAIL, out
    assert "unreadable row" in out, out


def test_full_device_as_audit_file_fails_doctor(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    _aksk(monkeypatch)
    cfg = write_config(tmp_path, sim.base_url)
    code, out = doctor(["--config", str(cfg), "--audit-file", "/dev/full"])
    assert code == 1 and status_of(out, "audit file") == FAIL and "No space left" in out
