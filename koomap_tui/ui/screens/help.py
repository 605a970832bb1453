"""Key help for the screen underneath, including why each unavailable action is unavailable.

A dimmed key in the footer only says "not now"; the help screen says why ("the task is running",
"read-only mode"), using the same policy decisions the keys themselves obey.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static


class HelpRow(NamedTuple):
    key: str
    description: str
    allowed: bool
    reason: str | None = None


def rows_from_screen(
    screen: Screen[Any], reason_for: Callable[[str], str | None] | None = None
) -> list[HelpRow]:
    """Rows for every active binding of `screen` (and the app), for screens without their own.

    A binding Textual reports as disabled (its `check_action` returned None) is "not allowed";
    `reason_for(action)` may say why.
    """
    rows: list[HelpRow] = []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description:
            continue
        reason = None if active.enabled or reason_for is None else reason_for(binding.action)
        display = binding.key_display or screen.app.get_key_display(binding) or key
        rows.append(HelpRow(display, binding.description, active.enabled, reason))
    return rows


class HelpScreen(ModalScreen[None]):
    """Lists (key, action, available / why not) rows; Esc, q or ? closes."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        background: $background 60%;
    }
    HelpScreen > #help {
        width: 96;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen #help-title {
        text-style: bold;
        width: 1fr;
    }
    HelpScreen #help-keys {
        color: $text-muted;
        width: 1fr;
        padding: 0 0 1 0;
    }
    HelpScreen #help-scroll {
        height: auto;
        max-height: 65vh;
    }
    """
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("question_mark", "close", "Close", show=False, key_display="?"),
        Binding("j,down", "scroll_lines(1)", "Scroll down", show=False),
        Binding("k,up", "scroll_lines(-1)", "Scroll up", show=False),
        Binding("pagedown,space", "scroll_pages(1)", "Page down", show=False),
        Binding("pageup", "scroll_pages(-1)", "Page up", show=False),
        Binding("g,home", "jump(False)", "Top", show=False),
        Binding("G,end", "jump(True)", "Bottom", show=False),
    ]
    # How to close and scroll is said above the rows: at 80x24 the bottom may be cut off.
    # Every absolute time on screen is UTC (format.fmt_time): the one clock, said once here.
    KEYS_HINT = "Esc, q or ? closes · j/k ↑/↓ PgUp/PgDn g/G scroll · times are UTC"

    def __init__(
        self,
        rows: Iterable[tuple[str, str, bool, str | None] | HelpRow],
        title: str = "Keys",
    ) -> None:
        super().__init__()
        self.rows = [HelpRow(*row) for row in rows]
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Label(self.title_text, id="help-title", markup=False)
            yield Label(self.KEYS_HINT, id="help-keys", markup=False)
            with VerticalScroll(id="help-scroll"):
                yield Static(self.table(), id="help-table")

    def table(self) -> Table:
        """A Rich table, so that long reasons wrap instead of being cut at 80 columns."""
        table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
        table.add_column("Key", no_wrap=True)
        table.add_column("Action", no_wrap=True)
        table.add_column("Now", ratio=1, overflow="fold")
        seen: set[tuple[str, str]] = set()
        for row in self.rows:
            if (row.key, row.description) in seen:
                continue
            seen.add((row.key, row.description))
            table.add_row(*self.cells(row))
        return table

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    @staticmethod
    def cells(row: HelpRow) -> tuple[Text, Text, Text]:
        """Disabled rows are dimmed and say why in words (never colour alone)."""
        dim = "" if row.allowed else "dim"
        key = Text(row.key, style="bold" if row.allowed else "dim", end="")
        action = Text(row.description, style=dim, end="")
        if row.allowed:
            now = Text("available", end="")
        else:
            now = Text(f"✗ {row.reason or 'not available now'}", style="italic", end="")
        return key, action, now

    @property
    def scroller(self) -> VerticalScroll:
        return self.query_one("#help-scroll", VerticalScroll)

    def action_scroll_lines(self, lines: int) -> None:
        self.scroller.scroll_relative(y=lines, animate=False, immediate=True)

    def action_scroll_pages(self, pages: int) -> None:
        scroller = self.scroller
        step = max(1, scroller.scrollable_content_region.height - 1)
        scroller.scroll_relative(y=pages * step, animate=False, immediate=True)

    def action_jump(self, bottom: bool) -> None:
        scroller = self.scroller
        scroller.scroll_to(y=scroller.max_scroll_y if bottom else 0, animate=False, immediate=True)

    def action_close(self) -> None:
        self.dismiss(None)
