"""A Linux terminal driver that acts on a lone Esc after the escape delay, not up to 100 ms later.

Textual's `LinuxDriver.run_input_thread` blocks in `select(0.1)` and only then asks the parser
whether a pending escape timed out (`parser.tick()`). A lone Esc therefore waits for the *next*
wake-up, whatever `ESCDELAY` says: measured in tmux, Esc -> previous view took ~150 ms.
Here the loop sleeps only until the parser's escape deadline when one is pending, so a lone Esc
is reported `ESCDELAY` after it arrived. Everything else is Textual's own code path: the same
parser, the same UTF-8 decoder, the same messages (docs/upstream.md has the upstream patch).

An Esc followed in the same read by `:`, `/`, `?` or space is reported as Esc then that key
(`feed`): Textual's parser has no alt+ name for those and would drop the Esc, so `Esc :ws⏎`
typed in one burst reached the view as `:ws⏎`. Esc and a letter or digit stay alt+key.

`ESCDELAY` (ms, Textual's and ncurses' variable) is how long the parser waits for the rest of an
escape sequence. Textual's default is 100 ms; the console uses 25 ms unless the operator set the
variable: a terminal writes a key's whole sequence at once, so over SSH its bytes come in one
packet, and alt+key and arrow keys still parse (tests/unit/test_driver.py). An operator on a link
that splits sequences can raise it (`ESCDELAY=100 koomap-tui`).
"""

from __future__ import annotations

import os
import selectors
import sys
from codecs import getincrementaldecoder
from collections.abc import Callable, Iterable, Mapping
from threading import Event
from typing import Any

from textual import constants
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.driver import Driver
from textual.message import Message

#: The console's escape delay when the operator has not set ESCDELAY.
DEFAULT_ESCAPE_DELAY_MS = 25
#: Textual's own idle wake-up (the loop also checks its exit flag this often).
IDLE_WAKEUP = 0.1


def escape_delay(environ: Mapping[str, str] = os.environ) -> float:
    """Seconds to wait for the rest of an escape sequence: ESCDELAY if set, else 25 ms."""
    text = environ.get("ESCDELAY")
    if text is not None:
        try:
            return max(int(text), 1) / 1000
        except ValueError:
            pass
    return DEFAULT_ESCAPE_DELAY_MS / 1000


#: After Esc, what begins a sequence a terminal sends (CSI, OSC, APC, ST) rather than a key.
SEQUENCE_STARTS = frozenset("[]_\\")


def typed_after_escape(character: str) -> bool:
    """Whether `character` after an Esc in one read is a key typed after Esc: one Textual's
    parser would swallow the Esc into, having no alt+ name for it (`:` `/` `?` space). A
    letter or digit stays alt+key, as in every terminal program."""
    return character.isprintable() and not character.isalnum() and character not in SEQUENCE_STARTS


def feed(parser: XTermParser, data: str) -> Iterable[Message]:
    """`parser.feed(data)`, but an Esc followed by a key typed after it is reported as the Esc
    it was, then the key (typed in one burst, `Esc :ws⏎` reached the view as `:ws⏎`)."""
    start = 0
    for index in range(len(data) - 1):
        if data[index] == "\x1b" and typed_after_escape(data[index + 1]):
            yield from parser.feed(data[start : index + 1])
            if parser._timeout_time is not None:  # waiting for a sequence: none follows
                parser._timeout_time = 0.0
                yield from parser.tick()
            start = index + 1
    yield from parser.feed(data[start:])


def next_wakeup(parser: XTermParser, now: float, idle: float = IDLE_WAKEUP) -> float:
    """How long the input loop may sleep: until the parser's escape deadline, if one is pending."""
    deadline = parser._timeout_time
    if deadline is None:
        return idle
    return min(idle, max(deadline - now, 0.0))


def pump_input(
    fileno: int,
    parser: XTermParser,
    emit: Callable[[Message], None],
    stop: Event,
    *,
    selector: selectors.BaseSelector | None = None,
    clock: Callable[[], float] = get_time,
) -> None:
    """Textual's input loop (`LinuxDriver.run_input_thread`) with a deadline-aware select."""
    selector = selector or selectors.SelectSelector()
    selector.register(fileno, selectors.EVENT_READ)
    decode = getincrementaldecoder("utf-8")().decode

    def process(events: Iterable[tuple[Any, int]], final: bool = False) -> None:
        ready = list(events)
        for index, (_key, mask) in enumerate(ready):
            if mask & selectors.EVENT_READ:
                last = index == len(ready) - 1
                data = decode(os.read(fileno, 1024 * 4), final=final and last)
                if not data:
                    break
                for message in feed(parser, data):
                    emit(message)
        for message in parser.tick():
            emit(message)

    try:
        while not stop.is_set():
            process(selector.select(next_wakeup(parser, clock())))
        selector.unregister(fileno)
        process(selector.select(next_wakeup(parser, clock())), final=True)
    finally:
        selector.close()
        try:
            for _ in parser.feed(""):
                pass
        except (EOFError, ParseError):
            pass


def console_driver_class() -> type[Driver] | None:
    """The driver for `App(driver_class=...)`: the prompt-Esc driver on POSIX terminals; None
    (Textual decides) on Windows or when TEXTUAL_DRIVER names another driver."""
    if sys.platform == "win32" or constants.DRIVER:
        return None
    from textual.drivers.linux_driver import LinuxDriver

    class PromptEscapeDriver(LinuxDriver):
        def run_input_thread(self) -> None:
            if "ESCDELAY" not in os.environ:
                # The parser reads this module attribute at every Esc; see the module docstring.
                constants.ESCAPE_DELAY = escape_delay()  # type: ignore[misc]
            pump_input(self.fileno, XTermParser(self._debug), self.process_message, self.exit_event)

    return PromptEscapeDriver
