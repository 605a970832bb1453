"""`:history`: the state transitions the local history kept (services/history.py), newest
first, with the list view's filters and an export (`e`: CSV or JSON lines) of what is shown to
a file, by default in the download directory."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding

from koomap_tui.services.history import HistoryStore, Transition, export_text
from koomap_tui.services.poller import FetchResult
from koomap_tui.ui.format import fmt_percent, inert
from koomap_tui.ui.screens.audit import ExportDialog
from koomap_tui.ui.screens.listview import ListScreen, ResourceSpec
from koomap_tui.ui.widgets.dialogs import ConfirmDialog
from koomap_tui.ui.widgets.virtual_table import Column

SHOWN = 5000  # newest transitions listed; an export writes what is listed and filtered
KIND_WORD = {"real3d_task": "task", "subtask": "subtask", "satellite_task": "satellite"}
# Failure and end states of Real3D tasks, subtasks and satellite tasks (states.json).
FAILED = frozenset({"FAILED", "START_FAILED", "UPLOAD_FAILED", "STOP_FAILED"})
FINISHED = frozenset({"SUCCESS", "STOP_SUCCESS", "BUNDLE_SUCCESS", "UPLOAD_SUCCESS"})


def transition_key(t: Transition) -> str:
    return f"{t.at!r}|{t.kind}|{t.item_id}|{t.from_state}|{t.to_state}|{t.stage}"


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _stage(t: Transition) -> str:
    return f"{t.stage}/{t.total_stage}" if t.total_stage else "—"


class TransitionSource:
    """The newest transitions, read from the store off the event loop (no API request)."""

    key = "history-list"

    def __init__(self, store: HistoryStore, limit: int = SHOWN) -> None:
        self.store = store
        self.limit = limit

    def is_active(self, item: Transition) -> bool:
        return False  # the slow interval: the list is a record, not a live state

    async def fetch(self, previous: Mapping[str, Transition] | None) -> FetchResult[Transition]:
        rows = await asyncio.to_thread(self.store.transitions, limit=self.limit)
        return FetchResult({transition_key(t): t for t in rows}, 0)


HISTORY = ResourceSpec(
    kind=None,
    table_id="history",
    key=transition_key,
    label=lambda t: t.name or t.item_id,
    search=lambda t: " ".join(
        str(x or "")
        for x in (t.name, t.item_id, t.workspace_id, t.from_state, t.to_state, t.fail_message)
    ),
    state=lambda t: t.to_state,
    quick={
        "1": ("all", None),
        "2": ("failed", FAILED),
        "3": ("finished", FINISHED),
    },
    empty_text="(no transition observed yet)",
    filter_hint="filter by name, id, state or failure (Enter keeps, Esc clears)",
)


class HistoryScreen(ListScreen):
    BREADCRUMB = "history"
    view_key = "history"
    SHOW_FRESHNESS = False
    QUICK_NAME = "to state"
    SPEC = HISTORY
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("e", "export", "Export"),
    ]

    @property
    def store(self) -> HistoryStore | None:
        return self.kapp.ctx.history

    def columns(self) -> list[Column]:
        return [
            Column("at", "Time (UTC)", 19, render=lambda t: Text(_clock(t.at)), sort_key=lambda t: t.at),
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

    def mounted(self) -> None:
        self.table.sort_by("at", reverse=True)

    def summary_items(self) -> list[Text]:
        store = self.store
        if store is None:
            return [Text("history off for this session (history = false)", style="yellow")]
        table = self.table
        return [Text(f"{table.row_count} of {table.total_row_count} transition(s) · {store.path}")]

    def shown_rows(self) -> list[Transition]:
        """What the filters let through, oldest first (as an export is read)."""
        table = self.table
        return sorted((table.get_row(k) for k in table.keys_in_order()), key=lambda t: t.at)

    def action_export(self) -> None:
        if self.store is None:
            self.notify("history is off for this session", severity="warning")
            return
        rows = self.shown_rows()

        def chosen(answer: tuple[Path, str] | None) -> None:
            if answer is None:
                return
            path, fmt = answer
            if not path.exists():
                self.write_export(path, fmt, rows)
                return

            def overwrite(ok: bool | None) -> None:
                if ok:
                    self.write_export(path, fmt, rows)

            self.app.push_screen(
                ConfirmDialog(f"{path} exists. Overwrite it?", "Overwrite", danger=True), overwrite
            )

        where = self.kapp.ctx.download_dir
        self.app.push_screen(ExportDialog(len(rows), where, stem="koomap-history"), chosen)

    def write_export(self, path: Path, fmt: str, rows: list[Transition]) -> None:
        try:
            path.write_text(export_text(rows, fmt), encoding="utf-8")
        except OSError as exc:
            self.notify(f"{path}: {exc.strerror or exc}", title="Export failed", severity="error")
            return
        self.notify(f"exported {len(rows)} transition(s) to {path}", title="History export")
