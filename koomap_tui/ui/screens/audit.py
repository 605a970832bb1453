"""The audit trail of operator actions: filter it, export what is shown, watch it grow
(`services.audit_tail` reads the file as other consoles append to it)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from koomap_tui.services.audit import AuditLog, AuditRecord
from koomap_tui.services.audit_tail import AuditTail, default_export_path, detail_text, record_text
from koomap_tui.ui.format import inert
from koomap_tui.ui.forms.base import FormScreen
from koomap_tui.ui.screens.listview import ListScreen, ResourceSpec
from koomap_tui.ui.tablekit import refresh_rows
from koomap_tui.ui.widgets.dialogs import ConfirmDialog
from koomap_tui.ui.widgets.freshness import HINTS
from koomap_tui.ui.widgets.virtual_table import Column

NAME_LOOKUPS = 200  # ids named from the history per batch of new records
TAIL_INTERVAL = 0.5  # seconds between stats of the log file
OUTCOME_LOOK: dict[str, tuple[str, str]] = {
    "ok": ("✓", "green"),
    "error": ("✗", "bold red"),
    "unknown": ("?", "bold yellow"),
    "denied": ("⊘", "magenta"),
}
QUICK: dict[str, tuple[str, str | None]] = {
    "1": ("all", None),
    "2": ("ok", "ok"),
    "3": ("error", "error"),
    "4": ("unknown", "unknown"),
    "5": ("denied", "denied"),
}


#: (id attribute, name attribute) of the rows the console polls: what names an audited id.
NAMED = (
    ("task_id", "task_name"),
    ("subtask_id", "subtask_name"),
    ("workspace_id", "workspace_name"),
    ("folder_code", "folder_name"),
    ("image_id", "image_name"),
    ("id", "name"),
)


def known_names(app: Any) -> dict[str, str]:
    """Names of the ids the console has seen this session (every poller's rows, the watches):
    no request is made for them."""
    names: dict[str, str] = {}
    for poller in list(app.hub.pollers.values()):
        for item in list(poller.items.values()):
            for id_attr, name_attr in NAMED:
                key, name = getattr(item, id_attr, None), getattr(item, name_attr, None)
                if isinstance(key, str) and isinstance(name, str) and name:
                    names.setdefault(key, name)
    for watch in app.watches.values():
        names.setdefault(watch.task_id, watch.name)
    return names


@dataclass(frozen=True)
class Row:
    seq: int
    rec: AuditRecord


class ExportDialog(FormScreen[tuple[Path, str]]):
    """Asks where to export and as what; the caller asks before overwriting."""

    SAVE_LABEL = "Export"

    def __init__(self, count: int, cwd: Path | None = None, *, stem: str = "") -> None:
        super().__init__()
        self.count = count
        self.cwd = cwd
        self.stem = stem  # the default file's name before its time stamp ("koomap-history")

    def default_path(self, fmt: str) -> Path:
        path = default_export_path(fmt, self.cwd)
        return path.with_name(path.name.replace("koomap-audit", self.stem)) if self.stem else path

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
                yield Input(str(self.default_path("csv")), id="path")
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


class AuditScreen(ListScreen):
    BREADCRUMB = "audit"
    view_key = "audit"
    SHOW_FRESHNESS = False  # the log is tailed, not polled
    QUICK_NAME = "outcome"
    SPEC = ResourceSpec(
        kind=None,
        table_id="audit",
        key=lambda r: str(r.seq),
        label=lambda r: r.rec.operation,
        search=lambda r: record_text(r.rec),
        state=lambda r: r.rec.outcome,
        quick={
            "1": ("all", None),
            "2": ("ok", frozenset({"ok"})),
            "3": ("error", frozenset({"error"})),
            "4": ("unknown", frozenset({"unknown"})),
            "5": ("denied", frozenset({"denied"})),
        },
        empty_text="(no recorded actions)",
        filter_hint="filter (Enter keeps, Esc clears)",
    )
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("e", "export", "Export"),
    ]

    def __init__(self, *, export_dir: Path | None = None, task_id: str | None = None) -> None:
        super().__init__()
        self.export_dir = export_dir
        self.names: dict[str, str] = {}
        if task_id:  # opened from a task: its records only (Esc in the filter shows all)
            self._text_filter = task_id
        self.tail: AuditTail | None = None
        self._seq = 0
        self._reading = False
        self._read_error = False

    def compose_extra(self) -> Iterable[Widget]:
        yield Static(Text(f"esc back  {HINTS[0]}", style="dim", justify="right"), id="hint")

    def columns(self) -> list[Column]:
        return [
            Column("time", "Time (UTC)", 23, render=lambda r: Text(inert(r.rec.time)), sort_key=lambda r: (r.rec.time, r.seq)),
            Column("profile", "Profile", 10, priority=4, render=lambda r: Text(inert(r.rec.profile))),
            Column("operator", "Operator", 12, priority=5, render=lambda r: Text(inert(r.rec.operator))),
            Column("operation", "Operation", 30, min_width=16, render=lambda r: Text(inert(r.rec.operation)), sort_key=lambda r: r.rec.operation),
            Column("targets", "Targets", 34, min_width=12, max_width=90, priority=1, render=lambda r: Text(inert(self.targets_text(r.rec)))),
            Column("outcome", "Outcome", 9, render=self._render_outcome, sort_key=lambda r: r.rec.outcome),
            Column("request", "Request id", 34, priority=6, render=lambda r: Text(inert(r.rec.request_id or "—"))),
            Column("code", "Error code", 14, priority=3, render=lambda r: Text(inert(r.rec.error_code or ""))),
            Column("detail", "Detail", 40, min_width=16, max_width=80, priority=7, render=lambda r: Text(inert(detail_text(r.rec)), style="dim")),
        ]  # fmt: skip

    @work(exclusive=False, exit_on_error=False, group="audit-names")
    async def names_from_history(self, ids: set[str]) -> None:
        """Names of ids no poller holds now (a workspace left, a past session), from the local
        history, off the event loop; at most NAME_LOOKUPS ids at a time."""
        store = self.kapp.ctx.history
        if store is None:
            return

        def lookup() -> dict[str, str]:
            found: dict[str, str] = {}
            for item_id in sorted(ids)[:NAME_LOOKUPS]:
                rows = store.transitions(item_id=item_id, limit=1)
                if rows and rows[0].name:
                    found[item_id] = rows[0].name
            return found

        try:
            found = await asyncio.to_thread(lookup)
        except Exception:
            return
        if found:
            self.names.update(found)
            refresh_rows(self.table, set(self.table.keys_in_order()))

    def targets_text(self, rec: AuditRecord) -> str:
        """Each target as "name (id)" when the console knows its name, else the id."""
        return ", ".join(f"{self.names[t]} ({t})" if t in self.names else t for t in rec.targets)

    def search_text(self, row: Row) -> str:
        return record_text(row.rec) + " " + " ".join(self.names.get(t, "") for t in row.rec.targets)

    def _render_outcome(self, row: Row) -> Text:
        glyph, style = OUTCOME_LOOK.get(row.rec.outcome, ("·", ""))
        return Text(f"{glyph} {inert(row.rec.outcome)}", style=style)

    @property
    def audit(self) -> AuditLog | None:
        return self.kapp.ctx.audit

    def mounted(self) -> None:
        self.names.update(known_names(self.kapp))
        self.table.sort_by("time", reverse=True)  # newest first
        if self._text_filter:
            self.apply_filter()
        if self.audit is not None:
            self.tail = AuditTail(self.audit.path)
            self.set_interval(TAIL_INTERVAL, self.poll_file)
            self.call_later(self.poll_file)

    # -- reading ---------------------------------------------------------------------------
    async def poll_file(self) -> None:
        """One tick: a stat, and a read of the new lines off the UI thread (a first read of a
        large log parses thousands of lines)."""
        tail = self.tail
        if tail is None or self._reading:
            return
        self._reading = True
        try:
            new = await asyncio.to_thread(tail.poll)
        except OSError as exc:
            if not self._read_error:
                self.notify(f"{tail.path}: {exc}", title="Audit log unreadable", severity="error")
            self._read_error = True
            return
        finally:
            self._reading = False
        self._read_error = False
        if new is None or tail is not self.tail:
            return
        if tail.reset_seen:
            tail.reset_seen = False
            self.table.set_rows([])
        self.names.update(known_names(self.kapp))
        added: dict[str, Row] = {}
        for rec in new:
            self._seq += 1
            added[str(self._seq)] = Row(self._seq, rec)
        if added:
            self.table.apply_changes(added=added)
            unnamed = {t for row in added.values() for t in row.rec.targets} - set(self.names)
            if unnamed and self.kapp.ctx.history is not None:
                self.names_from_history(unnamed)
        self.update_summary()

    def action_refresh(self) -> None:
        """Read the whole log again (another console may have rotated it)."""
        if self.tail is not None:
            self.tail = AuditTail(self.tail.path)
            self.table.set_rows([])
            self.call_later(self.poll_file)

    def shown_records(self) -> list[AuditRecord]:
        """The records the filters let through, oldest first like the log (what an export
        writes, whatever order the screen is sorted in)."""
        table = self.table
        rows = sorted((table.get_row(k) for k in table.keys_in_order()), key=lambda r: r.seq)
        return [row.rec for row in rows]

    def summary_items(self) -> list[Text]:
        if self.audit is None:
            return [Text("The audit log is off for this session (no audit file).", style="yellow")]
        table = self.table
        return [Text(f"{table.row_count} of {table.total_row_count} record(s) · {self.audit.path}")]

    # -- export ----------------------------------------------------------------------------
    def action_export(self) -> None:
        audit = self.audit
        if audit is None:
            self.notify("the audit log is off for this session", severity="warning")
            return
        records = self.shown_records()

        def chosen(answer: tuple[Path, str] | None) -> None:
            if answer is None:
                return
            path, fmt = answer
            if path.exists():

                def overwrite(ok: bool | None) -> None:
                    if ok:
                        self.write_export(path, fmt, records)

                self.app.push_screen(
                    ConfirmDialog(f"{path} exists. Overwrite it?", "Overwrite", danger=True),
                    overwrite,
                )
            else:
                self.write_export(path, fmt, records)

        self.app.push_screen(ExportDialog(len(records), self.export_dir), chosen)

    def write_export(self, path: Path, fmt: str, records: list[AuditRecord]) -> None:
        audit = self.audit
        assert audit is not None
        try:
            if fmt == "jsonl":
                n = audit.export_jsonl(path, records)
            else:
                n = audit.export_csv(path, records)
        except OSError as exc:
            self.notify(f"{path}: {exc.strerror or exc}", title="Export failed", severity="error")
            return
        self.notify(f"exported {n} record(s) to {path}", title="Audit export")
