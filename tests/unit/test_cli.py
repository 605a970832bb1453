"""The command line: bad flags and broken config end in one clear line (never a traceback),
`--log-file` honours its level and is private, and SIGTERM / SIGHUP leave the terminal usable."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import stat
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from koomap_tui import cli


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("KOOMAP_", "HUAWEICLOUD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse exits on its own
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--interval", "abc"], "not a number: 'abc'"),
        (["--interval", "0.1"], "between 0.5 and 3600"),
        (["--log-level", "LOUD"], "invalid choice: 'LOUD'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["docter"], "invalid choice: 'docter'"),
    ],
)
def test_bad_flags_get_a_usage_message(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(argv, capsys)
    assert code == 2
    assert expected in err
    assert "usage: koomap-tui" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[profiles.lab\n", "line 1"),
        ('[profiles.lab]\nqps = "fast"\n', "line 2"),
        ('[profiles.lab]\nendpoint = "ftp://x"\n', "http:// or https://"),
        ('[profiles.lab]\npassword = "hunter2"\n', "passwords are never stored"),
        ("[profiles.lab]\npoll_fastt = 2\n", "poll_fastt"),
    ],
)
def test_malformed_config_is_one_clear_line(
    tmp_path: Path, text: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(text)
    code, _, err = run_main(["--config", str(cfg)], capsys)
    assert code == cli.EXIT_USAGE
    assert err.startswith("koomap-tui: ") and err.count("\n") == 1, err
    assert expected in err
    assert "hunter2" not in err
    assert "Traceback" not in err


def test_missing_explicit_config_and_missing_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(["--config", str(tmp_path / "nope.toml")], capsys)
    assert code == cli.EXIT_USAGE and "nope.toml" in err
    code, _, err = run_main([], capsys)  # no config, no credentials anywhere
    assert code == cli.EXIT_USAGE
    assert "--demo" in err and "HUAWEICLOUD_SDK_AK" in err


def test_log_file_levels_and_permissions(tmp_path: Path) -> None:
    import logging

    path = tmp_path / "logs" / "k.log"
    try:
        cli.setup_logging(path, "WARNING")
        logging.getLogger("koomap_tui.x").info("quiet detail")
        logging.getLogger("koomap_tui.x").warning("loud warning token=abc123")
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = path.read_text()
        assert "loud warning" in text and "quiet detail" not in text
        assert "abc123" not in text and "token=***" in text
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        cli.setup_logging(path, "DEBUG")
        logging.getLogger("koomap_tui.x").debug("now verbose")
        for handler in logging.getLogger().handlers:
            handler.flush()
        assert "DEBUG koomap_tui.x: now verbose" in path.read_text()
    finally:
        for handler in logging.getLogger().handlers:
            handler.close()
        logging.getLogger().handlers.clear()


# -- signals: the operator's SSH session drops -------------------------------------------------
def _read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while needle not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


def _drain(fd: int, proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            data += chunk
            if not chunk and proc.poll() is not None:
                break
        elif proc.poll() is not None:
            break
    return data


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signal_exits_cleanly_and_restores_the_terminal(tmp_path: Path, sig: int) -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    before = termios.tcgetattr(slave)
    env = {**os.environ, "TERM": "xterm-256color"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "koomap_tui", "--demo", "--audit-file", str(tmp_path / "a.jsonl")],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    try:
        seen = _read_until(master, b"DEMO", timeout=40)
        assert b"DEMO" in seen, seen[-500:]
        assert b"\x1b[?1049h" in seen  # the console took the alternate screen
        proc.send_signal(sig)
        tail = _drain(master, proc, timeout=15)
        code = proc.wait(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 0, tail[-800:]
    assert b"\x1b[?1049l" in tail  # back to the normal screen
    assert b"\x1b[?25h" in tail  # cursor shown again
    assert b"Traceback" not in tail
    after = termios.tcgetattr(slave)
    lflag = 3
    assert after[lflag] & termios.ECHO and after[lflag] & termios.ICANON  # cooked mode again
    assert after[lflag] == before[lflag]
    os.close(master)
    os.close(slave)


def test_a_stalled_exit_after_a_signal_still_ends_the_process(tmp_path: Path) -> None:
    # The fallback for a shutdown that hangs once the terminal is gone (Textual's writer thread):
    # the terminal is restored first, then the process ends with 128 + signal.
    marker = tmp_path / "restored"
    script = (
        "import time, signal\n"
        "from koomap_tui.ui.app import arm_exit_watchdog\n"
        f"arm_exit_watchdog(0.3, 128 + signal.SIGHUP, lambda: open({str(marker)!r}, 'w').close())\n"
        "time.sleep(30)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], timeout=20, capture_output=True)
    assert proc.returncode == 128 + signal.SIGHUP, proc.stderr[-500:]
    assert marker.exists()  # the watchdog ended it (the script sleeps 30 s; run() allows 20)


# --- issue 12: audit file checked at start, themes validated, the config actually used named ---


def test_full_device_as_audit_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    code, _, err = run_main(["--demo", "--audit-file", "/dev/full"], capsys)
    assert code == cli.EXIT_USAGE
    assert err.count("\n") == 1 and err.startswith("koomap-tui: "), err
    assert "/dev/full" in err and "No space left" in err and "--audit-file" in err


def test_audit_file_under_a_plain_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "plain").write_text("")
    code, _, err = run_main(["--demo", "--audit-file", str(tmp_path / "plain" / "a.jsonl")], capsys)
    assert code == cli.EXIT_USAGE and err.count("\n") == 1, err
    assert "cannot be written" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_audit_file_in_a_read_only_directory_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        code, _, err = run_main(["--demo", "--audit-file", str(ro / "audit.jsonl")], capsys)
    finally:
        ro.chmod(0o700)
    assert code == cli.EXIT_USAGE and err.count("\n") == 1, err
    assert "Permission denied" in err


def test_unknown_theme_flag_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(
        ["--demo", "--theme", "nope", "--audit-file", str(tmp_path / "a.jsonl")], capsys
    )
    assert code == cli.EXIT_USAGE and err.count("\n") == 1, err
    assert "unknown theme 'nope'" in err and "--theme" in err and "koomap-dark" in err


def test_unknown_theme_in_the_config_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[profiles.lab]\ntheme = "nope"\n')
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", "AKEXAMPLE00000000000")
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "SKEXAMPLE0000000000000000000000000000000")
    code, _, err = run_main(
        ["--config", str(cfg), "--profile", "lab", "--audit-file", str(tmp_path / "a.jsonl")],
        capsys,
    )
    assert code == cli.EXIT_USAGE and err.count("\n") == 1, err
    assert "unknown theme 'nope'" in err and "configuration" in err


def test_no_credentials_help_names_the_config_file_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "mine.toml"
    cfg.write_text("[profiles.lab]\n")
    code, _, err = run_main(
        ["--config", str(cfg), "--audit-file", str(tmp_path / "a.jsonl")], capsys
    )
    assert code == cli.EXIT_USAGE
    assert f"a profile in {cfg}" in err
