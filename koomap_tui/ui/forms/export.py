"""Where to export the rows a view shows (the audit trail, the state history), and as what."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import App, ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Input, Label, Select, Static

from koomap_tui.services.audit_tail import default_export_path
from koomap_tui.ui.forms.base import FormScreen
from koomap_tui.ui.widgets.dialogs import ConfirmDialog


class ExportDialog(FormScreen[tuple[Path, str]]):
    """Asks where to export and as what; the caller asks before overwriting."""

    SAVE_LABEL = "Export"

    def __init__(self, count: int, cwd: Path | None = None, *, stem: str = "koomap-audit") -> None:
        super().__init__()
        self.count = count
        self.cwd = cwd
        self.stem = stem  # the default file's name before its time stamp

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Export the {self.count} record(s) shown", markup=False)
            with Grid():
                yield Label("Format")
                yield Select(
                    [("CSV", "csv"), ("JSON lines", "jsonl")], value="csv", id="format",
                    allow_blank=False,
                )  # fmt: skip
                yield Label("Path")
                yield Input(str(default_export_path("csv", self.cwd, self.stem)), id="path")
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Select.Changed, "#format")
    def _format_changed(self, event: Select.Changed) -> None:
        box = self.query_one("#path", Input)
        path = Path(box.value)
        if path.suffix in (".csv", ".jsonl"):
            box.value = str(path.with_suffix(f".{event.value}"))

    def build(self) -> tuple[Path, str]:
        text = self.value("path")
        if not text:
            raise ValueError("give a path")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = (self.cwd or Path.cwd()) / path
        if path.is_dir():
            raise ValueError(f"{path} is a directory")
        if not path.parent.is_dir():
            raise ValueError(f"no such directory: {path.parent}")
        return path, str(self.value("format"))


def ask_export(
    app: App[object],
    dialog: ExportDialog,
    write: Callable[[Path, str], None],
) -> None:
    """Ask where and as what, then `write(path, fmt)`; a file already there is overwritten
    only when the operator says so."""

    def chosen(answer: tuple[Path, str] | None) -> None:
        if answer is None:
            return
        path, fmt = answer
        if not path.exists():
            write(path, fmt)
            return

        def overwrite(ok: bool | None) -> None:
            if ok:
                write(path, fmt)

        app.push_screen(
            ConfirmDialog(f"{path} exists. Overwrite it?", "Overwrite", danger=True), overwrite
        )

    app.push_screen(dialog, chosen)
