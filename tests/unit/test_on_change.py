"""`--on-change`: a real program gets the change as JSON on stdin; failures are reported."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest

from koomap_tui.services.on_change import Change, OnChangeRunner, RunResult

CHANGE = Change(
    "t" * 32, "east_block $(rm -rf ~)", "w" * 32, "RUNNING", "FAILED", "2026-01-02T03:04:05Z"
)


def write_stdin_to(path: Path) -> list[str]:
    code = "import sys, pathlib; pathlib.Path(sys.argv[1]).write_bytes(sys.stdin.buffer.read())"
    return [sys.executable, "-c", code, str(path)]


def test_the_program_gets_the_change_as_json_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "change.json"
    result = OnChangeRunner(write_stdin_to(out)).run(CHANGE)
    assert result.ok and result.reason == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data == {
        "task_id": "t" * 32,
        "name": "east_block $(rm -rf ~)",  # data, never run: no shell between
        "workspace": "w" * 32,
        "from": "RUNNING",
        "to": "FAILED",
        "time": "2026-01-02T03:04:05Z",
    }
    assert not (tmp_path / "~").exists()


def test_a_non_zero_exit_is_a_failure_quoting_its_last_stderr_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    code = "import sys; sys.stdin.read(); print('first', file=sys.stderr); print('no route to pager', file=sys.stderr); sys.exit(3)"
    result = OnChangeRunner([sys.executable, "-c", code]).run(CHANGE)
    assert not result.ok
    assert "exited with status 3" in result.reason and "no route to pager" in result.reason
    assert "first" not in result.reason
    assert any(
        "failed" in r.getMessage() and CHANGE.task_id in r.getMessage() for r in caplog.records
    )


def test_a_hanging_program_is_killed_at_the_timeout(tmp_path: Path) -> None:
    # The child starts a grandchild that would keep stderr open: the whole group is killed.
    code = (
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
        "time.sleep(600)"
    )
    result = OnChangeRunner([sys.executable, "-c", code], timeout=0.5).run(CHANGE)
    assert not result.ok
    assert "did not finish within 0.5 s; killed" in result.reason


def test_a_missing_program_is_a_failure_not_an_exception(tmp_path: Path) -> None:
    result = OnChangeRunner([str(tmp_path / "no-such-program")]).run(CHANGE)
    assert not result.ok
    assert "no-such-program could not be started" in result.reason


def test_submit_runs_in_another_thread_and_reports_the_result(tmp_path: Path) -> None:
    out = tmp_path / "change.json"
    got: list[tuple[RunResult, str]] = []
    done = threading.Event()

    def record(result: RunResult) -> None:
        got.append((result, threading.current_thread().name))
        done.set()

    runner = OnChangeRunner(write_stdin_to(out))
    runner.submit(CHANGE, record)
    assert done.wait(30)
    ((result, thread),) = got
    assert result.ok and thread == "koomap-on-change"
    assert json.loads(out.read_text())["to"] == "FAILED"
    runner.close()


def test_an_empty_command_is_refused() -> None:
    with pytest.raises(ValueError):
        OnChangeRunner([])


def test_changes_are_run_one_after_the_other_in_order(tmp_path: Path) -> None:
    out = tmp_path / "log.jsonl"
    code = (
        "import sys, json; c = json.load(sys.stdin); "
        "open(sys.argv[1], 'a').write(c['from'] + '>' + c['to'] + '\\n')"
    )
    runner = OnChangeRunner([sys.executable, "-c", code, str(out)])
    results: list[RunResult] = []
    all_done = threading.Event()

    def record(result: RunResult) -> None:
        results.append(result)
        if len(results) == 3:
            all_done.set()

    steps = [("PENDING", "STARTING"), ("STARTING", "RUNNING"), ("RUNNING", "FAILED")]
    for before, after in steps:
        runner.submit(Change("t", "n", "w", before, after, "2026-01-01T00:00:00Z"), record)
    assert all_done.wait(60)
    runner.close()
    assert out.read_text().splitlines() == [f"{a}>{b}" for a, b in steps]
    assert [r.change.to_state for r in results] == ["STARTING", "RUNNING", "FAILED"]


def test_close_kills_a_running_program(tmp_path: Path) -> None:
    import time

    import psutil

    pid_file = tmp_path / "pid"
    code = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(600)"
    runner = OnChangeRunner([sys.executable, "-c", code, str(pid_file)], timeout=600)
    runner.submit(CHANGE)
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()):
        assert time.monotonic() < deadline, "the program never started"
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    runner.close(timeout=30)
    assert runner._thread is not None and not runner._thread.is_alive()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    runner.submit(CHANGE)  # after close: ignored, nothing started
    assert runner._queue.empty()
