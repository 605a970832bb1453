"""Key help for the screen underneath, including why each unavailable action is unavailable.

A dimmed key in the footer only says "not now"; the help screen says why ("the task is running",
"read-only mode"), using the same policy decisions the keys themselves obey.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen

from koomap_tui.ui.widgets.read_dialog import ReadDialog


class HelpRow(NamedTuple):
    key: str
    description: str
    allowed: bool
    reason: str | None = None


def rows_from_screen(screen: Screen[Any]) -> list[HelpRow]:
    """Rows for every active binding of `screen` (and the app), for screens without their own
    (a form, the command line): one Textual reports disabled (its `check_action` returned None)
    is "not available now"; no catalogue says why."""
    rows: list[HelpRow] = []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description:
            continue
        display = binding.key_display or screen.app.get_key_display(binding) or key
        rows.append(HelpRow(display, binding.description, active.enabled))
    return rows


class HelpScreen(ReadDialog):
    """Lists (key, action, available / why not) rows; Esc, q or ? closes."""

    BINDINGS = [Binding("question_mark", "close", "Close", show=False, key_display="?")]
    # Every absolute time on screen is UTC (format.fmt_time): the one clock, said once here.
    KEYS_HINT = "Esc, q or ? closes · j/k ↑/↓ PgUp/PgDn g/G scroll · times are UTC"

    def __init__(
        self,
        rows: Iterable[tuple[str, str, bool, str | None] | HelpRow],
        title: str = "Keys",
    ) -> None:
        super().__init__(title)
        self.rows = [HelpRow(*row) for row in rows]

    def body(self) -> Table:
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
