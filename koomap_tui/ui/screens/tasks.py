"""The task table: Real3D modeling tasks of one workspace, live."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding

from koomap_tui.api.models import Real3DTask
from koomap_tui.domain.states import state_key
from koomap_tui.services.poller import PollUpdate
from koomap_tui.services.sources import Real3DTaskSource
from koomap_tui.ui.format import duration_between, fmt_duration, fmt_percent, fmt_time, inert
from koomap_tui.ui.screens.base import action_bindings
from koomap_tui.ui.screens.listview import ListScreen
from koomap_tui.ui.screens.task_columns import (
    FAILURE_KEY,
    WatchMarks,
    history_flag,
    monitoring_columns,
    name_cell,
    row_counts,
    server_counts,
    show_failure,
)
from koomap_tui.ui.screens.task_detail import TASK_ACTIONS, TASKS, TaskDetailScreen, TaskMixin
from koomap_tui.ui.tablekit import refresh_rows, row_or_none
from koomap_tui.ui.widgets.progress import progress_cell
from koomap_tui.ui.widgets.virtual_table import Column


def _num(value: Any) -> float:
    return float(value) if value is not None else -1.0


def _stage(task: Real3DTask) -> Text:
    return Text(f"{task.complete_stage or 0}/{task.total_stage}" if task.total_stage else "—")


def _run_time(t: Real3DTask) -> float | None:
    return duration_between(t.exec_start_time, t.exec_stop_time, updated=t.update_time)


class TasksScreen(WatchMarks, TaskMixin, ListScreen):
    BREADCRUMB = "tasks"
    SPEC = TASKS
    FLAGS_FIRST = True
    ACTIONS = TASK_ACTIONS
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        *action_bindings(TASK_ACTIONS),
        Binding("w", "watch", "Watch"),
        FAILURE_KEY,
        Binding("0", "all_workspaces", "All workspaces", show=False),
        Binding("A", "toggle_archived", "Show / hide archived", show=False),
    ]

    def __init__(self, workspace_id: str, workspace_name: str | None = None) -> None:
        super().__init__()
        self.workspace_id = workspace_id
        self.workspace_name = workspace_name or workspace_id
        self.view_key = f"tasks:{workspace_id}"
        self._overview: Any = None

    def columns(self) -> list[Column]:
        return [
            Column("name", "Name", 22, min_width=14, max_width=40, render=lambda t: name_cell(self.kapp, t), sort_key=lambda t: (t.task_name or "").lower()),
            Column("state", "State", 16, render=self.state_cell, sort_key=lambda t: state_key(t.task_status)),
            Column("progress", "Progress", 15, render=lambda t: progress_cell(t.task_progress, 10), sort_key=lambda t: _num(t.task_progress)),
            Column("stage", "Stage", 6, align="right", render=_stage, sort_key=lambda t: (t.complete_stage or 0, t.total_stage or 0)),
            Column("at", "AT", 5, align="right", priority=4, render=lambda t: Text(fmt_percent(t.at_progress)), sort_key=lambda t: _num(t.at_progress)),
            Column("modeling", "Model", 5, priority=5, render=lambda t: Text(inert(state_key(t.modeling_type)))),
            Column("type", "Type", 6, priority=6, render=lambda t: Text(inert(state_key(t.task_type)).replace("REAL3D-", ""))),
            Column("created", "Created", 16, priority=7, render=lambda t: Text(fmt_time(t.create_time)), sort_key=lambda t: t.create_time.timestamp() if t.create_time else 0),
            Column("updated", "Updated", 16, priority=2, render=lambda t: Text(fmt_time(t.update_time)), sort_key=lambda t: t.update_time.timestamp() if t.update_time else 0),
            Column("duration", "Duration", 8, align="right", priority=3, render=lambda t: Text(fmt_duration(_run_time(t))), sort_key=lambda t: _run_time(t) or 0),
            *monitoring_columns(self.kapp),
        ]  # fmt: skip

    def make_source(self) -> Real3DTaskSource:
        self.kapp.current_workspace = (self.workspace_id, self.workspace_name)
        return Real3DTaskSource(self.kapp.ctx.client, self.workspace_id)

    def polled(self, update: PollUpdate[Any]) -> None:
        self._overview = update.meta.get("overview", self._overview)

    def summary_items(self) -> list[Text]:
        items = row_counts(self)
        return items if self._overview is None else [*items, server_counts(self._overview)]

    def summary_flags(self) -> list[str]:
        archived = self.source is not None and self.source.include_archived
        return (["+archived"] if archived else []) + history_flag(self.kapp)

    def open_row(self, row: Any) -> None:
        self.app.push_screen(TaskDetailScreen(self.workspace_id, row, self.source))

    def task_of(self, task_id: str) -> Real3DTask | None:
        return row_or_none(self.table, task_id)  # type: ignore[no-any-return]

    def focus_task(self, task_id: str) -> bool:
        return self.table.move_cursor_to_key(task_id)

    def action_toggle_archived(self) -> None:
        if self.source is None:
            return
        self.source.include_archived = not self.source.include_archived
        self.source.force_full = True
        self.poller.refresh_now()
        self.notify("archived tasks " + ("shown" if self.source.include_archived else "hidden"))

    def action_watch(self) -> None:
        task = self.current()
        if task is not None:
            self.watch_task(task)
            refresh_rows(self.table, {task.task_id})

    def action_failure(self) -> None:
        show_failure(self, self.current())

    def action_all_workspaces(self) -> None:
        self.kapp.navigate("all")
