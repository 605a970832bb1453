"""`--on-change CMD`: run an operator's program for each change of a watched task.

The command is an argument list, never a shell line: a task name such as `$(rm -rf ~)` reaches
the program as data on its standard input, not as code. The change is one JSON object:

    {"task_id": ..., "name": ..., "workspace": ..., "from": ..., "to": ..., "time": ...}

Runs happen one after the other in one daemon thread fed by a queue, so the UI never waits for
them and the program sees a task's changes in the order they happened (PENDING → RUNNING before
RUNNING → FAILED), never a burst of parallel copies. Each run has a timeout after which the
program's whole process group is killed (a shell script's children too). The outcome goes to a
callback (called in that thread): the UI shows failures as a notice; they are logged here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
#: Changes waiting to be run; beyond this the newest are dropped (and logged), never waited for.
QUEUE_LIMIT = 200
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


_STOP = object()


class OnChangeRunner:
    """Runs `argv` once per change, in order, in one worker thread, each with a timeout."""

    def __init__(self, argv: Sequence[str], timeout: float = DEFAULT_TIMEOUT) -> None:
        if not argv or not argv[0]:
            raise ValueError("on_change needs a program to run")
        self.argv = list(argv)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_LIMIT)
        self._thread: threading.Thread | None = None
        self._closed = False
        self.dropped = 0

    @property
    def program(self) -> str:
        return os.path.basename(self.argv[0])

    def submit(self, change: Change, done: Callable[[RunResult], None] | None = None) -> None:
        """Queue a run for `change`; `done` gets its result in the worker thread. Never blocks."""
        if self._closed:
            return
        try:
            self._queue.put_nowait((change, done))
        except queue.Full:
            self.dropped += 1
            log.warning("on-change command queue full; change of task %s dropped", change.task_id)
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="koomap-on-change", daemon=True
                )
                self._thread.start()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            change, done = item
            result = self.run(change)
            if done is not None:
                try:
                    done(result)
                except Exception:
                    log.exception("on-change result listener failed")

    def run(self, change: Change) -> RunResult:
        """Run the program once, blocking; never raises."""
        if self._closed:
            return RunResult(change, False, "not run: the console is exiting")
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
        """Drop what is queued, kill the program still running (the console is exiting) and
        wait briefly for the worker."""
        self._closed = True
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(_STOP)
        with self._lock:
            running = list(self._running)
            thread = self._thread
        for proc in running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        if thread is not None:
            thread.join(timeout)
