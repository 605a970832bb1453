"""What the views of recorded rows share (the audit trail, the state history): they read a
local file instead of polling the API, list the newest first, and `e` exports what the filters
show, oldest first as the file is read, never overwriting a file without asking."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

from koomap_tui.ui.forms.export import ExportDialog, ask_export
from koomap_tui.ui.screens.listview import ListScreen
from koomap_tui.ui.widgets.freshness import HINTS


class RecordsScreen(ListScreen):
    SHOW_FRESHNESS = False  # a local file: no API answer to be fresh or stale
    FLAGS_FIRST = True  # the log's path fills a line at 80 columns: the filters before it
    NOUN: ClassVar[str]  # "record": what the summary and the export count
    NEWEST: ClassVar[str]  # the time column, sorted newest first when the view opens
    OFF: ClassVar[str]  # said when the file is off for this session
    EXPORT_STEM: ClassVar[str]  # the default export file's name before its time stamp
    BINDINGS = [
        Binding("e", "export", "Export"),
    ]

    def compose_extra(self) -> Iterable[Widget]:
        # No freshness line (SHOW_FRESHNESS): the global keys every other view shows there.
        yield Static(Text(f"esc back  {HINTS[0]}", style="dim", justify="right"), id="hint")

    # -- what a view provides --------------------------------------------------------------
    def log_path(self) -> Path | None:
        """The file the rows come from; None when it is off for this session."""
        raise NotImplementedError

    def logged_order(self, row: Any) -> Any:
        """Sort key of a row in the order the file holds them."""
        raise NotImplementedError

    def export_folder(self) -> Path | None:
        """Where the export dialog proposes to write (None: the working directory)."""
        return None

    def write_rows(self, path: Path, fmt: str, rows: list[Any]) -> int:
        """Write `rows` as "csv" or "jsonl"; the number written. Raises OSError."""
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------------------
    def mounted(self) -> None:
        self.table.sort_by(self.NEWEST, reverse=True)

    def summary_items(self) -> list[Text]:
        path = self.log_path()
        if path is None:
            return [Text(self.OFF, style="yellow")]
        table = self.table
        # Two items: the count beside the flags, the path (long) on a line of its own.
        return [
            Text(f"{table.row_count} of {table.total_row_count} {self.NOUN}(s)"),
            Text(str(path), style="dim"),
        ]

    def shown_rows(self) -> list[Any]:
        """What the filters let through, in the file's order (what an export writes, whatever
        order the screen is sorted in)."""
        table = self.table
        return sorted((table.get_row(k) for k in table.keys_in_order()), key=self.logged_order)

    def action_export(self) -> None:
        if self.log_path() is None:
            self.notify(self.OFF, severity="warning")
            return
        rows = self.shown_rows()
        dialog = ExportDialog(len(rows), self.export_folder(), stem=self.EXPORT_STEM)
        ask_export(self.app, dialog, lambda path, fmt: self.export(path, fmt, rows))

    def export(self, path: Path, fmt: str, rows: list[Any]) -> None:
        try:
            count = self.write_rows(path, fmt, rows)
        except OSError as exc:
            self.notify(f"{path}: {exc.strerror or exc}", title="Export failed", severity="error")
            return
        title = f"{self.BREADCRUMB.capitalize()} export"
        self.notify(f"exported {count} {self.NOUN}(s) to {path}", title=title)
