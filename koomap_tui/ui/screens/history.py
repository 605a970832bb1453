"""`:history`: the state transitions the local history kept (services/history.py), newest
first, with the list view's filters and an export (`e`: CSV or JSON lines) of what is shown to
a file, by default in the download directory."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from koomap_tui.services.history import HistoryStore, Transition, export_text
from koomap_tui.services.sources.history import TransitionSource
from koomap_tui.ui.format import fmt_epoch, fmt_percent, inert
from koomap_tui.ui.screens.records import RecordsScreen
from koomap_tui.ui.specs import FAILED, HISTORY
from koomap_tui.ui.widgets.virtual_table import Column

KIND_WORD = {"real3d_task": "task", "subtask": "subtask", "satellite_task": "satellite"}


def _stage(t: Transition) -> str:
    return f"{t.stage}/{t.total_stage}" if t.total_stage else "—"


class HistoryScreen(RecordsScreen):
    BREADCRUMB = "history"
    view_key = "history"
    QUICK_NAME = "to state"
    NOUN, NEWEST, EXPORT_STEM = "transition", "at", "koomap-history"
    OFF = "history off for this session (history = false)"
    SPEC = HISTORY

    @property
    def store(self) -> HistoryStore | None:
        return self.kapp.ctx.history

    def columns(self) -> list[Column]:
        return [
            Column("at", "Time (UTC)", 19, render=lambda t: Text(fmt_epoch(t.at)), sort_key=lambda t: t.at),
            Column("kind", "Kind", 9, priority=4, render=lambda t: Text(KIND_WORD.get(t.kind, t.kind))),
            Column("name", "Name", 20, min_width=12, max_width=36, render=lambda t: Text(inert(t.name or t.item_id)), sort_key=lambda t: (t.name or "").lower()),
            Column("change", "Change", 28, min_width=16, render=self._change, sort_key=lambda t: t.to_state),
            Column("stage", "Stage", 5, align="right", priority=2, render=lambda t: Text(_stage(t))),
            Column("progress", "Prog.", 5, align="right", priority=3, render=lambda t: Text(fmt_percent(t.progress))),
            Column("workspace", "Workspace", 14, priority=5, render=lambda t: Text(inert(t.workspace_id or "—"))),
            Column("fail", "Failure", 30, min_width=10, priority=6, render=lambda t: Text(inert(t.fail_message or ""), style="red")),
        ]  # fmt: skip

    @staticmethod
    def _change(t: Transition) -> Text:
        if t.from_state == t.to_state:
            return Text(f"{inert(t.to_state)} stage {_stage(t)}", style="dim")
        before = inert(t.from_state) if t.from_state else "(new)"
        style = "red" if t.to_state in FAILED else ""
        return Text(f"{before} → {inert(t.to_state)}", style=style)

    def make_source(self) -> TransitionSource | None:
        return None if self.store is None else TransitionSource(self.store)

    def log_path(self) -> Path | None:
        return None if self.store is None else self.store.path

    def logged_order(self, row: Transition) -> float:
        return row.at

    def export_folder(self) -> Path | None:
        return self.kapp.ctx.download_dir

    def write_rows(self, path: Path, fmt: str, rows: list[Transition]) -> int:
        path.write_text(export_text(rows, fmt), encoding="utf-8")
        return len(rows)
