"""`--on-change CMD`: run an operator's program for each change of a watched task.

The command is an argument list, never a shell line: a task name such as `$(rm -rf ~)` reaches
the program as data on its standard input, not as code. The change is one JSON object:

    {"task_id": ..., "name": ..., "workspace": ..., "from": ..., "to": ..., "time": ...}

Each run has its own daemon thread, so the UI never waits for it, and a timeout after which the
program's whole process group is killed (a shell script's children too). The outcome goes to a
callback (called in that thread): the UI shows failures as a notice; they are logged here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
#: How much of the program's standard error a failure notice quotes.
STDERR_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Change:
    task_id: str
    name: str
    workspace: str
    from_state: str
    to_state: str
    time: str  # ISO 8601, UTC

    def to_json(self) -> bytes:
        data = asdict(self)
        data["from"] = data.pop("from_state")
        data["to"] = data.pop("to_state")
        order = ("task_id", "name", "workspace", "from", "to", "time")
        return json.dumps({k: data[k] for k in order}, ensure_ascii=False).encode("utf-8")


def change_now(task_id: str, name: str, workspace: str, before: str, after: str) -> Change:
    stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Change(task_id, name, workspace, before, after, stamp)


@dataclass(frozen=True, slots=True)
class RunResult:
    change: Change
    ok: bool
    #: Why it failed, one line (empty when ok).
    reason: str = ""


def _last_line(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace").strip()
    line = text.splitlines()[-1] if text else ""
    return line[:STDERR_LIMIT]


class OnChangeRunner:
    """Runs `argv` once per change, each in its own thread, with a timeout."""

    def __init__(self, argv: Sequence[str], timeout: float = DEFAULT_TIMEOUT) -> None:
        if not argv or not argv[0]:
            raise ValueError("on_change needs a program to run")
        self.argv = list(argv)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._threads: set[threading.Thread] = set()

    @property
    def program(self) -> str:
        return os.path.basename(self.argv[0])

    def submit(self, change: Change, done: Callable[[RunResult], None] | None = None) -> None:
        """Run for `change` in a new daemon thread; `done` gets the result in that thread."""

        def target() -> None:
            result = self.run(change)
            try:
                if done is not None:
                    done(result)
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=target, name="koomap-on-change", daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def run(self, change: Change) -> RunResult:
        """Run the program once, blocking; never raises."""
        try:
            proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group: a timeout kills all of it
            )
        except OSError as exc:
            reason = f"{self.program} could not be started: {exc.strerror or exc}"
            return self._failed(change, reason)
        with self._lock:
            self._running.add(proc)
        try:
            try:
                _, err = proc.communicate(change.to_json(), timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self._kill(proc)
                return self._failed(
                    change, f"{self.program} did not finish within {self.timeout:g} s; killed"
                )
            if proc.returncode != 0:
                said = _last_line(err)
                reason = f"{self.program} exited with status {proc.returncode}"
                return self._failed(change, f"{reason}: {said}" if said else reason)
            return RunResult(change, True)
        finally:
            with self._lock:
                self._running.discard(proc)

    def _kill(self, proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired, OSError, ValueError):
            proc.communicate(timeout=2.0)

    def _failed(self, change: Change, reason: str) -> RunResult:
        log.warning("on-change command for task %s failed: %s", change.task_id, reason)
        return RunResult(change, False, reason)

    def close(self, timeout: float = 2.0) -> None:
        """Kill programs still running (the console is exiting) and wait briefly for threads."""
        with self._lock:
            running = list(self._running)
            threads = list(self._threads)
        for proc in running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        for thread in threads:
            thread.join(timeout)
