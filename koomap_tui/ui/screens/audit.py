"""The audit trail of operator actions: filter it, export what is shown, watch it grow
(`services.audit_tail` reads the file as other consoles append to it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text

from koomap_tui.services.audit import AuditLog, AuditRecord
from koomap_tui.services.audit_names import session_names
from koomap_tui.services.audit_tail import detail_text, record_text
from koomap_tui.services.poller import PollUpdate
from koomap_tui.services.sources.audit import TAIL_INTERVAL, AuditRow, AuditSource
from koomap_tui.ui.format import inert
from koomap_tui.ui.screens.listview import Panel
from koomap_tui.ui.screens.records import RecordsScreen
from koomap_tui.ui.specs import AUDIT
from koomap_tui.ui.widgets.virtual_table import Column

#: How each of `AUDIT_OUTCOMES` looks (its glyph says it without colour).
OUTCOME_LOOK: dict[str, tuple[str, str]] = {
    "ok": ("✓", "green"),
    "error": ("✗", "bold red"),
    "unknown": ("?", "bold yellow"),
    "denied": ("⊘", "magenta"),
}


class AuditScreen(RecordsScreen):
    BREADCRUMB = "audit"
    view_key = "audit"
    QUICK_NAME = "outcome"
    POLL_ERROR_TITLE = "Audit log unreadable"
    NOUN, NEWEST, EXPORT_STEM = "record", "time", "koomap-audit"
    OFF = "The audit log is off for this session (no audit file)."
    SPEC = AUDIT

    def __init__(self, *, export_dir: Path | None = None, task_id: str | None = None) -> None:
        super().__init__()
        self.export_dir = export_dir
        self.names: dict[str, str] = {}
        if task_id:  # opened from a task: its records only (Esc in the filter shows all)
            self.panel.text_filter = task_id

    def columns(self) -> list[Column]:
        return [
            Column("time", "Time (UTC)", 24, render=lambda r: Text(inert(r.rec.time)), sort_key=lambda r: (r.rec.time, r.seq)),
            Column("profile", "Profile", 10, priority=4, render=lambda r: Text(inert(r.rec.profile))),
            Column("operator", "Operator", 12, priority=5, render=lambda r: Text(inert(r.rec.operator))),
            Column("operation", "Operation", 30, min_width=16, render=lambda r: Text(inert(r.rec.operation)), sort_key=lambda r: r.rec.operation),
            Column("targets", "Targets", 34, min_width=12, max_width=90, priority=1, render=lambda r: Text(inert(self.targets_text(r.rec)))),
            Column("outcome", "Outcome", 9, render=self._render_outcome, sort_key=lambda r: r.rec.outcome),
            Column("request", "Request id", 34, priority=6, render=lambda r: Text(inert(r.rec.request_id or "—"))),
            Column("code", "Error code", 14, priority=3, render=lambda r: Text(inert(r.rec.error_code or ""))),
            Column("detail", "Detail", 40, min_width=16, max_width=80, priority=7, render=lambda r: Text(inert(detail_text(r.rec)), style="dim")),
        ]  # fmt: skip

    def targets_text(self, rec: AuditRecord) -> str:
        """Each target as "name (id)" when the console knows its name, else the id."""
        return ", ".join(f"{self.names[t]} ({t})" if t in self.names else t for t in rec.targets)

    def search_text(self, row: AuditRow) -> str:
        return record_text(row.rec) + " " + " ".join(self.names.get(t, "") for t in row.rec.targets)

    def _render_outcome(self, row: AuditRow) -> Text:
        glyph, style = OUTCOME_LOOK.get(row.rec.outcome, ("·", ""))
        return Text(f"{glyph} {inert(row.rec.outcome)}", style=style)

    @property
    def audit(self) -> AuditLog | None:
        return self.kapp.ctx.audit

    def session_names(self) -> dict[str, str]:
        """Names of the ids the console holds now: no request is made for them."""
        watched = [(w.task_id, w.name) for w in self.kapp.watches.values()]
        pollers = [p for p in self.kapp.hub.pollers.values() if p is not self.poller]  # ids only
        return session_names(pollers, watched)

    def make_source(self) -> AuditSource | None:
        return None if self.audit is None else AuditSource(self.audit.path, self.kapp.ctx.history)

    def mounted(self) -> None:
        super().mounted()
        if self.panel.text_filter:
            self.apply_filter()
        if self.poller is not None:  # the hub's cadence is for the API; a file is watched closer
            self.poller.set_intervals(TAIL_INTERVAL, TAIL_INTERVAL)

    def apply_update(self, panel: Panel, update: PollUpdate[Any], replace: bool) -> None:
        # Records never change once read: a cycle adds the new ones (or, after a rotation or
        # `r`, swaps the file's rows whole), never loads the whole log into the table again.
        if update.added:  # the names the rows are drawn with: the history's, then the session's
            self.names.update(update.meta.get("names", {}))
            self.names.update(self.session_names())
        super().apply_update(panel, update, len(update.added) == len(update.items))

    # -- export --------------------------------------------------------------------------
    def log_path(self) -> Path | None:
        return None if self.audit is None else self.audit.path

    def logged_order(self, row: AuditRow) -> int:
        return row.seq

    def export_folder(self) -> Path | None:
        return self.export_dir

    def write_rows(self, path: Path, fmt: str, rows: list[AuditRow]) -> int:
        audit = self.audit
        assert audit is not None
        export = audit.export_jsonl if fmt == "jsonl" else audit.export_csv
        return export(path, [row.rec for row in rows])
