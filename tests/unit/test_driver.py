"""The prompt-Esc input loop: a lone Esc is reported at its deadline, sequences still parse.

A real pipe stands in for the terminal; the selector is Textual's own, wrapped to record how
long the loop asked to sleep. Nothing here waits on wall-clock time beyond bounded queue reads.
"""

from __future__ import annotations

import os
import queue
import selectors
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from koomap_tui.ui.driver import (
    DEFAULT_ESCAPE_DELAY_MS,
    IDLE_WAKEUP,
    console_driver_class,
    escape_delay,
    next_wakeup,
    pump_input,
)

DELAY = DEFAULT_ESCAPE_DELAY_MS / 1000


class RecordingSelector(selectors.SelectSelector):
    """Textual's selector, remembering each timeout the loop asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[float | None] = []

    def select(self, timeout: float | None = None) -> Any:
        self.timeouts.append(timeout)
        return super().select(timeout)


class Loop:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("textual.constants.ESCAPE_DELAY", DELAY)
        self.read_fd, self.write_fd = os.pipe()
        self.keys: queue.Queue[str] = queue.Queue()
        self.stop = threading.Event()
        self.selector = RecordingSelector()
        self.parser = XTermParser()
        self.thread = threading.Thread(
            target=pump_input,
            args=(self.read_fd, self.parser, self._emit, self.stop),
            kwargs={"selector": self.selector},
            daemon=True,
        )
        self.thread.start()

    def _emit(self, message: Any) -> None:
        if isinstance(message, events.Key):
            self.keys.put(message.key)

    def type(self, data: bytes) -> None:
        os.write(self.write_fd, data)  # one write: the bytes arrive in one read, as over SSH

    def next_key(self) -> str:
        return self.keys.get(timeout=10)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        os.close(self.write_fd)
        os.close(self.read_fd)


@pytest.fixture
def loop(monkeypatch: pytest.MonkeyPatch) -> Iterator[Loop]:
    running = Loop(monkeypatch)
    try:
        yield running
    finally:
        running.close()


def test_a_lone_escape_is_reported_and_the_loop_sleeps_only_until_its_deadline(loop: Loop) -> None:
    loop.type(b"\x1b")
    assert loop.next_key() == "escape"
    # The select that returned the Esc timeout must not have been Textual's fixed 0.1 s.
    waits = [t for t in loop.selector.timeouts if t is not None and t < IDLE_WAKEUP]
    assert waits, loop.selector.timeouts
    assert max(waits) <= DELAY + 1e-6


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (b"\x1bx", ["alt+x"]),  # alt+key: ESC and the key in one read
        (b"\x1b[A", ["up"]),  # an escape sequence
        (b"\x1b[1;5C", ["ctrl+right"]),
        (b"\x1bOP", ["f1"]),
        (b"j\x1b[Bk", ["j", "down", "k"]),
        (b"\x1b\x1b", ["escape", "escape"]),  # two presses
        # Esc, then a key Textual's parser would swallow the Esc into (it has no alt+ name):
        # both keys, in order; Textual 8.2 alone gives ["colon", "w", "s", "enter"].
        (b"\x1b:ws\r", ["escape", "colon", "w", "s", "enter"]),
        (b"\x1b/", ["escape", "slash"]),
        (b"\x1b?", ["escape", "question_mark"]),
        (b"\x1b ", ["escape", "space"]),
        (b"\x1b\x1b:", ["escape", "escape", "colon"]),
        (b"j\x1b:k", ["j", "escape", "colon", "k"]),
    ],
)
def test_sequences_in_one_read_still_parse(loop: Loop, typed: bytes, expected: list[str]) -> None:
    loop.type(typed)
    assert [loop.next_key() for _ in expected] == expected
    assert loop.keys.empty()


def test_next_wakeup_follows_the_parser_deadline() -> None:
    parser = XTermParser()
    assert next_wakeup(parser, now=5.0) == IDLE_WAKEUP  # nothing pending: Textual's idle wake
    list(parser.feed("\x1b"))
    deadline = parser._timeout_time
    assert deadline is not None
    assert next_wakeup(parser, now=deadline - 0.01) == pytest.approx(0.01)
    assert next_wakeup(parser, now=deadline + 1) == 0.0


def test_escape_delay_honours_escdelay_and_defaults_to_25_ms() -> None:
    assert escape_delay({}) == 0.025
    assert escape_delay({"ESCDELAY": "100"}) == 0.1
    assert escape_delay({"ESCDELAY": "0"}) == 0.001  # Textual's own minimum
    assert escape_delay({"ESCDELAY": "soon"}) == 0.025


def test_the_driver_is_a_linux_driver_unless_textual_driver_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from textual.drivers.linux_driver import LinuxDriver

    driver = console_driver_class()
    assert driver is not None and issubclass(driver, LinuxDriver)
    monkeypatch.setattr("textual.constants.DRIVER", "textual.drivers.headless_driver:Headless")
    assert console_driver_class() is None
