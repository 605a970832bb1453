"""The always-visible line that says how old the data on screen is.

An operations console that silently shows stale data is worse than none: the bar turns to the
warning colour when the last good poll is older than twice the poll interval, and to the error
colour (with the error code) while polls fail. One timer per bar re-evaluates the ages each
second and repaints only when the text actually changed.

Rows shown from the session's cache (a view opened again on a source read before) are said to
be that, with their age, in the warning colour, until the view's own first answer arrives:
"cached 12 s ago — refreshing…". If that answer fails the bar says the rows were not refreshed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from rich.text import Text
from textual.reactive import reactive
from textual.theme import Theme
from textual.timer import Timer
from textual.widget import Widget

from koomap_tui.ui.themes import theme_style

STATUSES = ("waiting", "ok", "stale", "error", "paused", "cached")


class FreshnessFacts(Protocol):
    """What `koomap_tui.services.poller.Freshness` publishes (times from `time.monotonic`)."""

    @property
    def last_ok(self) -> float | None: ...
    @property
    def next_at(self) -> float | None: ...
    @property
    def errors(self) -> int: ...
    @property
    def last_error(self) -> str | None: ...
    @property
    def interval(self) -> float: ...
    @property
    def paused(self) -> bool: ...

    # Optional `cached: bool` (the poller's Freshness has it): rows from the session's cache.


@dataclass(frozen=True)
class FreshnessView:
    text: str
    status: str  # one of STATUSES


def format_age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def describe(facts: FreshnessFacts | None, now: float) -> FreshnessView:
    """The bar's text and status at `now`; pure, so the wording is testable without a UI."""
    if facts is None:
        return FreshnessView("waiting for the first poll…", "waiting")
    parts: list[str] = []
    cached = bool(getattr(facts, "cached", False)) and facts.last_ok is not None
    if cached:
        assert facts.last_ok is not None
        age = f"cached {format_age(now - facts.last_ok)} ago"
        parts.append(f"{age} (not refreshed)" if facts.last_error else age)
    elif facts.last_ok is None:
        parts.append("no data yet")
    elif facts.last_error:
        # The last poll failed: what is on screen is the last good data, and it says so.
        parts.append(f"updated {format_age(now - facts.last_ok)} ago (stale)")
    else:
        parts.append(f"updated {format_age(now - facts.last_ok)} ago")
    if facts.paused:
        parts.append("paused")
    elif facts.next_at is None:
        if cached:  # its first read is under way: the poller sets next_at once it ends
            parts[-1] += " — refreshing…"
    elif facts.next_at > now:
        verb = "retry" if facts.last_error else "next"
        parts.append(f"{verb} in {format_age(facts.next_at - now + 0.999)}")
    else:
        parts.append("polling…")
    parts.append(f"{facts.errors} error" + ("" if facts.errors == 1 else "s"))
    if facts.last_error:
        parts.append(f"last: {facts.last_error}")
        status = "error"
    elif cached:
        status = "cached"
    elif facts.paused:
        status = "paused"
    elif facts.last_ok is None:
        status = "waiting"
    elif now - facts.last_ok > 2 * facts.interval:
        status = "stale"
    else:
        status = "ok"
    # The words carry the alarm too, for NO_COLOR and monochrome terminals.
    if status == "stale":
        parts.insert(0, "⚠ STALE")
    elif status == "error":
        parts.insert(0, "✗")
    return FreshnessView(" · ".join(parts).replace("✗ · ", "✗ "), status)


_STYLE_VARIABLE = {
    "waiting": "freshness-ok",
    "ok": "freshness-ok",
    "paused": "freshness-ok",
    "cached": "freshness-warn",
    "stale": "freshness-warn",
    "error": "freshness-error",
}


# The global keys, right-aligned on this always-visible line, so that at 80 columns, where the
# footer cannot hold every key, the way to the rest (help) is still on screen. Longest first.
HINTS = ("? help  : command  q quit", "? help  : cmd  q quit", "? help")
HINT_GAP = 2


class FreshnessBar(Widget):
    """ "updated 2 s ago · next in 3 s · 0 errors"; classes `-ok`, `-stale`, `-cached`, ..."""

    DEFAULT_CSS = """
    FreshnessBar {
        height: 1;
        width: 1fr;
        padding: 0 1;
        background: $panel;
    }
    """

    freshness: reactive[FreshnessFacts | None] = reactive[FreshnessFacts | None](None)

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._clock = clock
        self._view = describe(None, 0.0)
        self._timer: Timer | None = None
        self.add_class("-waiting")

    @property
    def view(self) -> FreshnessView:
        return self._view

    @property
    def status(self) -> str:
        return self._view.status

    def on_mount(self) -> None:
        self._timer = self.set_interval(1.0, self.tick)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def on_unmount(self) -> None:
        # The signal keeps each callback strongly, and the bound method keeps its weak key (this
        # widget) alive: without this, every closed screen stays in memory for good.
        self.app.theme_changed_signal.unsubscribe(self)

    def _theme_changed(self, _theme: Theme) -> None:
        self.refresh()

    def watch_freshness(self) -> None:
        self.tick()

    def tick(self) -> None:
        """Re-evaluate ages; repaint only if the words or the status changed."""
        view = describe(self.freshness, self._clock())
        if view == self._view:
            return
        if view.status != self._view.status:
            # One restyle for the swap, not one per class changed.
            for status in STATUSES:
                self.set_class(status == view.status, f"-{status}", update=False)
            self.update_node_styles()
        self._view = view
        self.refresh()

    def render(self) -> Text:
        style = theme_style(
            self.app, _STYLE_VARIABLE[self._view.status], bold=self._view.status == "error"
        )
        text = Text(self._view.text, style=style, no_wrap=True, overflow="ellipsis", end="")
        room = self.content_size.width - text.cell_len - HINT_GAP
        hint = next((h for h in HINTS if len(h) <= room), None)
        if hint is not None:
            text.append(" " * (room - len(hint) + HINT_GAP))
            text.append(hint, style="dim")
        return text
