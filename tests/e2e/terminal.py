"""A real terminal for end-to-end tests: the program runs in a detached tmux pane.

Each `Terminal` gets its own tmux server socket (`-L koomap-e2e-<pid>-<n>`), so parallel runs and
leftover servers never see each other, and `close()` kills that server only. Expectations are
polled with a bounded loop over `capture-pane -p` (what an operator would read, as text); no
blind sleeps.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import psutil

POLL_STEP = 0.1
DEFAULT_TIMEOUT = 15.0
_counter = itertools.count()


def console_script(name: str = "koomap-tui") -> Path:
    """The console script installed beside the running interpreter (the venv's bin dir)."""
    return Path(sys.executable).parent / name


def ended(proc: psutil.Process) -> bool:
    """The process has exited: gone, or a zombie waiting for its parent (or init) to reap it."""
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:  # gone
        return True


class Terminal:
    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.socket = f"koomap-e2e-{os.getpid()}-{next(_counter)}"
        self._started = False
        self.socket_path = ""
        self._seen: dict[int, psutil.Process] = {}  # every process seen in the pane, for close()

    # -- tmux plumbing ---------------------------------------------------------------------
    def tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["tmux", "-f", "/dev/null", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, argv: list[str], env: Mapping[str, str] | None = None) -> None:
        """Run `argv` (through sh, so it may be a small script) in a new detached pane."""
        command = argv[0] if len(argv) == 1 else shlex.join(argv)
        env_args: list[str] = []
        for key, value in (env or {}).items():
            env_args += ["-e", f"{key}={value}"]
        # remain-on-exit keeps the pane (and its exit status) after the program ends; set for the
        # whole server first, so even a program that dies at once leaves its pane behind.
        # A detached tmux server puts COLUMNS=80 LINES=24 in its global environment; Textual
        # prefers those to the real size when it re-reads it, so they must not reach the program.
        self.tmux(
            "start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
            "set-environment", "-g", "-u", "COLUMNS", ";",
            "set-environment", "-g", "-u", "LINES", ";",
            "new-session", "-d", "-x", str(self.width), "-y", str(self.height), *env_args, command,
        )  # fmt: skip
        self.socket_path = self.info("#{socket_path}")
        self._started = True

    def processes(self) -> list[psutil.Process]:
        """The pane's process and everything it started."""
        try:
            top = psutil.Process(int(self.info("#{pane_pid}")))
            found = [top, *top.children(recursive=True)]
        except (RuntimeError, ValueError, psutil.Error):
            return []
        self._seen.update((p.pid, p) for p in found)
        return found

    def close(self) -> None:
        """Kill this test's tmux server and the programs it ran.

        The test is over, so nothing is gained by letting the program shut down by itself
        (about 2 s after a hang-up; `test_hangup_ends_the_program` checks that it does): it is
        killed at once. What it leaves behind stays in the test's own TMPDIR (`console_env`)."""
        if not self._started:
            return
        self._started = False
        self.processes()
        survivors = list(self._seen.values())
        self.tmux("kill-server", check=False)
        Path(self.socket_path).unlink(missing_ok=True)  # tmux leaves the socket file behind
        for proc in survivors:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        # A killed process whose parent (the tmux server) is gone stays a zombie until init
        # reaps it, which some inits do only every few seconds: a zombie has ended.
        deadline = time.monotonic() + 3
        while not all(map(ended, survivors)) and time.monotonic() < deadline:
            time.sleep(0.01)

    # -- reading ---------------------------------------------------------------------------
    def capture(self, history: bool = False) -> str:
        """The screen as text; with `history`, the scrolled-off lines above it too (tmux scrolls
        the pane by a line when it prints "Pane is dead")."""
        return self.tmux("capture-pane", "-p", *(["-S", "-"] if history else []))

    def info(self, fmt: str) -> str:
        return self.tmux("display-message", "-p", fmt).strip()

    def dead_status(self) -> int | None:
        """The program's exit status once it has ended, else None."""
        parts = self.info("#{pane_dead} #{pane_dead_status}").split()
        return int(parts[1]) if len(parts) == 2 and parts[0] == "1" else None

    def wait_for(
        self,
        expectation: str | re.Pattern[str] | Callable[[str], bool],
        timeout: float = DEFAULT_TIMEOUT,
        *,
        history: bool = False,
    ) -> str:
        """Poll the screen until the text (or regex, or predicate) is on it; return the screen."""
        if isinstance(expectation, str):
            check: Callable[[str], bool] = lambda screen: expectation in screen  # noqa: E731
        elif isinstance(expectation, re.Pattern):
            check = lambda screen: expectation.search(screen) is not None  # noqa: E731
        else:
            check = expectation
        deadline = time.monotonic() + timeout
        screen = ""
        while True:
            screen = self.capture(history)
            if check(screen):
                return screen
            if time.monotonic() > deadline or (not history and self.dead_status() is not None):
                break
            time.sleep(POLL_STEP)
        size = self.info("#{pane_width}x#{pane_height}")
        raise AssertionError(
            f"{expectation!r} not on the {size} screen within {timeout} s;"
            f" exit status {self.dead_status()}; the screen was:\n{screen}"
        )

    def wait_gone(self, text: str, timeout: float = DEFAULT_TIMEOUT) -> str:
        return self.wait_for(lambda screen: text not in screen, timeout)

    def wait_exit(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        deadline = time.monotonic() + timeout
        while (status := self.dead_status()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {timeout} s:\n{self.capture()}")
            time.sleep(POLL_STEP)
        return status

    # -- typing ----------------------------------------------------------------------------
    def keys(self, *keys: str) -> None:
        """Named keys as tmux spells them: Enter, Escape, Up, Down, Tab, ..."""
        self.tmux("send-keys", *keys)

    def type(self, text: str) -> None:
        """Literal text, character by character as typed."""
        self.tmux("send-keys", "-l", text)

    def burst(self, text: str) -> None:
        """`text` as one write, the way SSH delivers a fast typist's keys: every byte in ONE
        `send-keys` call (as hex, so no word is read as a key name); "\\r" is Enter."""
        self.tmux("send-keys", "-H", *(f"{byte:02x}" for byte in text.encode()))
