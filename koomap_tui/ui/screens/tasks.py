"""The task table: Real3D modeling tasks of one workspace, live."""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input

from koomap_tui.api.models import Real3DTask
from koomap_tui.domain.policy import Kind, Op
from koomap_tui.domain.states import state_info, state_key
from koomap_tui.services.actions import Target
from koomap_tui.services.sources import Real3DTaskSource
from koomap_tui.ui.format import duration_between, fmt_duration, fmt_percent, fmt_time, inert
from koomap_tui.ui.polling import PollUpdated
from koomap_tui.ui.screens.base import ConsoleScreen
from koomap_tui.ui.screens.task_detail import TaskDetailScreen
from koomap_tui.ui.tablekit import all_rows, refresh_rows, row_or_none
from koomap_tui.ui.task_actions import TaskActions
from koomap_tui.ui.themes import state_style
from koomap_tui.ui.widgets.console_footer import ConsoleFooter
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.header_bar import HeaderBar
from koomap_tui.ui.widgets.progress import progress_cell
from koomap_tui.ui.widgets.state_text import pending_cell
from koomap_tui.ui.widgets.summary_line import SummaryLine
from koomap_tui.ui.widgets.virtual_table import Column, VirtualTable

QUICK_FILTERS: dict[str, tuple[str, set[str] | None]] = {
    "1": ("all", None),
    "2": ("active", {"PENDING", "STARTING", "RUNNING", "STOPPING"}),
    "3": ("failed", {"START_FAILED", "FAILED"}),
    "4": ("finished", {"SUCCESS", "STOP_SUCCESS", "BUNDLE_SUCCESS", "ARCHIVED"}),
    "5": ("idle", {"INIT", "STOP_SUCCESS", "BUNDLE_SUCCESS"}),
}


def _num(value: Any) -> float:
    return float(value) if value is not None else -1.0


class TasksScreen(TaskActions, ConsoleScreen):
    BREADCRUMB = "tasks"
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("escape", "back", "Back", show=False),
        Binding("s", "start", "Start"),
        Binding("a", "start_at", "AT-only"),
        Binding("x", "stop", "Stop"),
        Binding("e", "update", "Edit"),
        Binding("d", "delete", "Delete"),
        Binding("z", "archive", "Archive"),
        Binding("Z", "unarchive", "Unarchive", show=False),
        Binding("w", "watch", "Watch"),
        Binding("r", "refresh", "Refresh"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("A", "toggle_archived", "Show / hide archived", show=False),
        Binding("o", "sort_next", "Sort by next column", show=False),
        Binding("O", "sort_reverse", "Reverse sort", show=False),
        Binding("1", "quick('1')", "Show all states", show=False),
        Binding("2", "quick('2')", "Show active only", show=False),
        Binding("3", "quick('3')", "Show failed only", show=False),
        Binding("4", "quick('4')", "Show finished only", show=False),
        Binding("5", "quick('5')", "Show idle only", show=False),
    ]
    GATED: ClassVar[dict[str, Op]] = {
        "start": Op.START,
        "start_at": Op.START_AT_ONLY,
        "stop": Op.STOP,
        "update": Op.UPDATE,
        "delete": Op.DELETE,
        "archive": Op.ARCHIVE,
        "unarchive": Op.UNARCHIVE,
    }

    def __init__(self, workspace_id: str, workspace_name: str | None = None) -> None:
        super().__init__()
        self.workspace_id = workspace_id
        self.workspace_name = workspace_name or workspace_id
        self.view_key = f"tasks:{workspace_id}"
        self.source: Real3DTaskSource | None = None
        self._text_filter = ""
        self._quick = "1"
        self._sort_reverse = False
        self._overview: Any = None

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Vertical(id="body"):
            yield SummaryLine(id="summary")
            yield VirtualTable(self._columns(), id="tasks")
            yield Input(placeholder="filter by name or id (Enter keeps, Esc clears)", id="filter")
        yield FreshnessBar(id="freshness")
        yield ConsoleFooter()

    def _columns(self) -> list[Column]:
        return [
            Column("name", "Name", 22, min_width=14, max_width=40, render=lambda t: Text(inert(t.task_name)), sort_key=lambda t: (t.task_name or "").lower()),
            Column("state", "State", 16, render=self._render_state, sort_key=lambda t: state_key(t.task_status)),
            Column("progress", "Progress", 15, render=lambda t: progress_cell(t.task_progress, 10), sort_key=lambda t: _num(t.task_progress)),
            Column("stage", "Stage", 6, align="right", render=self._render_stage, sort_key=lambda t: (t.complete_stage or 0, t.total_stage or 0)),
            Column("at", "AT", 5, align="right", priority=4, render=lambda t: Text(fmt_percent(t.at_progress)), sort_key=lambda t: _num(t.at_progress)),
            Column("modeling", "Model", 5, priority=5, render=lambda t: Text(inert(state_key(t.modeling_type)))),
            Column("type", "Type", 6, priority=6, render=lambda t: Text(inert(state_key(t.task_type)).replace("REAL3D-", ""))),
            Column("created", "Created", 16, priority=7, render=lambda t: Text(fmt_time(t.create_time)), sort_key=lambda t: t.create_time.timestamp() if t.create_time else 0),
            Column("updated", "Updated", 16, priority=2, render=lambda t: Text(fmt_time(t.update_time)), sort_key=lambda t: t.update_time.timestamp() if t.update_time else 0),
            Column("duration", "Duration", 8, align="right", priority=3, render=lambda t: Text(fmt_duration(duration_between(t.exec_start_time, t.exec_stop_time, updated=t.update_time))), sort_key=lambda t: duration_between(t.exec_start_time, t.exec_stop_time, updated=t.update_time) or 0),
        ]  # fmt: skip

    def _render_stage(self, task: Real3DTask) -> Text:
        if not task.total_stage:
            return Text("—")
        return Text(f"{task.complete_stage or 0}/{task.total_stage}")

    def _render_state(self, task: Real3DTask) -> Text:
        return self.state_text(Kind.REAL3D_TASK, task.task_id, state_key(task.task_status))

    def state_text(self, kind: Kind, item_id: str, state: str) -> Text:
        """Glyph and the API's own state word; while an action is in flight, its pending mark."""
        runner = self.kapp.ctx.runner
        pending = runner.pending_for(kind, item_id)
        variables = self.app.theme_variables
        if pending is not None:
            return pending_cell(pending.verb, variables, expired=pending.expired(runner.now()))
        info = state_info(kind, state)
        return Text(f"{info.glyph} {inert(state)}", style=state_style(variables, info.slug))

    def on_mount(self) -> None:
        self.table.focus()
        self.query_one("#filter", Input).display = False
        self.source = Real3DTaskSource(self.kapp.ctx.client, self.workspace_id)
        self.poller = self.attach_source(self.source)
        self.kapp.current_workspace = (self.workspace_id, self.workspace_name)
        self.query_one(HeaderBar).workspace = self.workspace_name
        self.set_interval(5.0, self._check_pending_timeouts)

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#tasks", VirtualTable)

    # -- polling ---------------------------------------------------------------------------
    def on_poll_updated(self, message: PollUpdated) -> None:
        message.stop()
        update = message.update
        if self.source is None or update.source != self.source.key:
            return
        full_load = bool(update.meta.get("full")) and len(update.added) == len(update.items)
        if not self.apply_poll(
            update, self.table, Kind.REAL3D_TASK, lambda t: t.task_status, replace=full_load
        ):
            return
        if "overview" in update.meta:
            self._overview = update.meta["overview"]
        self._update_summary()
        self.refresh_gates()

    def _check_pending_timeouts(self) -> None:
        expired = self.kapp.ctx.runner.expired()
        keys = {k for kind, k in expired if kind is Kind.REAL3D_TASK}
        if keys:
            refresh_rows(self.table, keys)

    def _update_summary(self) -> None:
        counts = Counter(state_key(t.task_status) for t in all_rows(self.table))
        items: list[Text] = []
        ov = self._overview
        if ov is not None:
            items.extend(
                Text(f"{label} {n}")
                for label, n in (
                    ("total", ov.total_count),
                    ("running", ov.running_count),
                    ("success", ov.success_count),
                    ("failed", ov.failed_count),
                    ("archived", ov.archived_count),
                )
            )
        variables = self.app.theme_variables
        for state, n in sorted(counts.items()):
            info = state_info(Kind.REAL3D_TASK, state)
            items.append(
                Text(f"{info.glyph} {inert(state)} {n}", style=state_style(variables, info.slug))
            )
        label, _ = QUICK_FILTERS[self._quick]
        flags = [f"filter: {label}"]
        if self._text_filter:
            flags.append(f"/{self._text_filter}")
        if self.source is not None and self.source.include_archived:
            flags.append("+archived")
        marked = len(self.table.marked_keys)
        if marked:
            flags.append(f"{marked} marked")
        items.append(Text("[" + " ".join(flags) + "]", style="dim"))
        self.query_one("#summary", SummaryLine).show_items(items)

    # -- selection -------------------------------------------------------------------------
    def selected_tasks(self) -> list[Real3DTask]:
        table = self.table
        keys = list(table.marked_keys) or ([table.cursor_key] if table.cursor_key else [])
        rows = {k: row_or_none(table, k) for k in keys}
        return [t for t in rows.values() if t is not None]

    def gate_targets(self) -> list[Target]:
        return [self.task_target(t) for t in self.selected_tasks()]

    @on(VirtualTable.CursorMoved)
    def _cursor_moved(self) -> None:
        self.refresh_gates()

    @on(VirtualTable.MarksChanged)
    def _marks_changed(self) -> None:
        self._update_summary()
        self.refresh_gates()

    @on(VirtualTable.Selected)
    def _open_detail(self, message: VirtualTable.Selected) -> None:
        task = row_or_none(self.table, message.key)
        if task is not None:
            self.app.push_screen(TaskDetailScreen(self.workspace_id, task, self.source))

    def focus_task(self, task_id: str) -> bool:
        return self.table.move_cursor_to_key(task_id)

    # -- view actions ----------------------------------------------------------------------
    def action_back(self) -> None:
        if self.query_one("#filter", Input).display:
            self._close_filter(clear=True)
            return
        self.kapp.go_back()

    def action_refresh(self) -> None:
        if self.source is not None:
            self.source.force_full = True
        self.poller.refresh_now()
        self.notify("refreshing…", timeout=1.5)

    def action_toggle_archived(self) -> None:
        if self.source is None:
            return
        self.source.include_archived = not self.source.include_archived
        self.source.force_full = True
        self.poller.refresh_now()
        self.notify("archived tasks " + ("shown" if self.source.include_archived else "hidden"))

    def action_sort_next(self) -> None:
        # Cycles through the columns on screen: a sort arrow is never on a hidden column.
        keys = [column.key for column in self.table.shown_columns]
        current = self.table.sort_column
        index = keys.index(current) if current in keys else -1
        self.table.sort_by(keys[(index + 1) % len(keys)], self._sort_reverse)

    def action_sort_reverse(self) -> None:
        self._sort_reverse = not self._sort_reverse
        if self.table.sort_column is not None:
            self.table.sort_by(self.table.sort_column, self._sort_reverse)

    def action_quick(self, key: str) -> None:
        self._quick = key
        self._apply_filter()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.value = self._text_filter
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._text_filter = event.value.strip()
        self._apply_filter()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self._close_filter(clear=False)

    def _close_filter(self, clear: bool) -> None:
        box = self.query_one("#filter", Input)
        if clear:
            self._text_filter = ""
            self._apply_filter()
        box.display = False
        self.table.focus()

    def _apply_filter(self) -> None:
        needle = self._text_filter.lower()
        _, states = QUICK_FILTERS[self._quick]

        def predicate(task: Real3DTask) -> bool:
            if states is not None and state_key(task.task_status) not in states:
                return False
            return not needle or needle in (task.task_name or "").lower() or needle in task.task_id

        self.table.set_filter(None if states is None and not needle else predicate)
        self._update_summary()
        self.refresh_gates()

    def action_watch(self) -> None:
        task = next(iter(self.selected_tasks()), None)
        if task is None:
            return
        watched = self.kapp.toggle_watch(
            self.workspace_id,
            task.task_id,
            task.task_name or task.task_id,
            state_key(task.task_status),
        )
        self.notify(("watching " if watched else "stopped watching ") + inert(task.task_name))

    @work(exclusive=False, exit_on_error=False, group="actions")
    async def run_task_op(self, op: Op, tasks: list[Real3DTask], **kw: Any) -> None:
        await self.perform(op, tasks, **kw)
