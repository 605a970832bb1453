"""`:all` (and `0` on the task table): every Real3D task that is active, or failed or finished
in the last 24 h, in every workspace (`services.fleet.FleetSource`), with its workspace.

Every task action of the task table is here; each target carries its own workspace id, so a
marked set may span workspaces. Enter opens the task's detail in its workspace.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding

from koomap_tui.api.models import Real3DTask
from koomap_tui.domain.policy import Kind
from koomap_tui.domain.states import state_key
from koomap_tui.services.actions import Target
from koomap_tui.services.fleet import FleetSource
from koomap_tui.ui.format import fmt_time, inert
from koomap_tui.ui.screens.base import action_bindings
from koomap_tui.ui.screens.listview import ListScreen, ResourceSpec
from koomap_tui.ui.screens.task_columns import (
    FAILURE_KEY,
    WatchMarks,
    history_flag,
    monitoring_columns,
    name_cell,
    row_counts,
    show_failure,
)
from koomap_tui.ui.screens.task_detail import (
    TASK_ACTIONS,
    TASKS,
    TaskDetailScreen,
    TaskMixin,
    task_attrs,
)
from koomap_tui.ui.tablekit import refresh_rows, row_or_none
from koomap_tui.ui.widgets.progress import progress_cell
from koomap_tui.ui.widgets.virtual_table import Column

ATTR_WORKSPACE = "workspace_id"


def wall_clock() -> float:
    """What "the last 24 h" is measured from (tests set it to the simulator's clock)."""
    return time.time()


def workspace_of(row: Any) -> str:
    return str(getattr(row, "workspace_id", None) or "")


def _attrs(row: Any) -> dict[str, str]:
    return {**task_attrs(row), ATTR_WORKSPACE: workspace_of(row)}


def _stage(task: Any) -> Text:
    return Text(f"{task.complete_stage or 0}/{task.total_stage}" if task.total_stage else "—")


FLEET = ResourceSpec.of(
    Kind.REAL3D_TASK,
    "fleet",
    "task_id task_name task_status",
    attrs=_attrs,
    search=lambda t: f"{t.task_name or ''} {t.task_id} {getattr(t, 'workspace_name', '')}",
    quick=TASKS.quick,
    empty_text="(no task active, failed or finished in the last 24 h)",
)


class ManyWorkspaceTasks(WatchMarks, TaskMixin, ListScreen):
    """A task table over several workspaces: the row says its workspace (shared by `:all` and
    `:watch`)."""

    ACTIONS = TASK_ACTIONS
    FLAGS_FIRST = True

    def base_task(self, row: Any) -> Real3DTask:
        return row  # type: ignore[no-any-return]

    def row_workspace(self, row: Any) -> str:
        return workspace_of(row)

    def workspace_name(self, row: Any) -> str:
        ws = self.row_workspace(row)
        return self.kapp.workspace_names.get(ws, ws)

    def task_columns(self) -> list[Column]:
        app = self.kapp
        return [
            Column("name", "Name", 20, min_width=12, max_width=36, render=lambda t: name_cell(app, t), sort_key=lambda t: (t.task_name or "").lower()),
            Column("workspace", "Workspace", 14, min_width=8, max_width=24, render=lambda t: Text(inert(self.workspace_name(t))), sort_key=lambda t: self.workspace_name(t).lower()),
            Column("state", "State", 15, render=self.state_cell, sort_key=lambda t: state_key(t.task_status)),
            Column("progress", "Progress", 15, priority=2, render=lambda t: progress_cell(t.task_progress, 10), sort_key=lambda t: t.task_progress or 0),
            Column("stage", "Stage", 5, align="right", priority=3, render=_stage),
            Column("updated", "Updated", 16, priority=4, render=lambda t: Text(fmt_time(t.update_time)), sort_key=lambda t: t.update_time.timestamp() if t.update_time else 0),
            *monitoring_columns(app),
        ]  # fmt: skip

    def columns(self) -> list[Column]:
        return self.task_columns()

    def call_args(self) -> dict[str, Any]:
        return {}

    def target_args(self, target: Target) -> dict[str, Any]:
        workspace = target.attrs.get(ATTR_WORKSPACE)
        if not workspace:
            row = row_or_none(self.table, target.id)
            workspace = "" if row is None else self.row_workspace(row)
        return {"workspace_id": workspace}

    def task_of(self, task_id: str) -> Real3DTask | None:
        row = row_or_none(self.table, task_id)
        return None if row is None else self.base_task(row)

    def summary_items(self) -> list[Text]:
        spaces = {self.row_workspace(self.table.get_row(k)) for k in self.table.keys_in_order()}
        return row_counts(self, f" in {len(spaces)} workspace(s)")

    def summary_flags(self) -> list[str]:
        return history_flag(self.kapp)

    def open_row(self, row: Any) -> None:
        ws = self.row_workspace(row)
        self.kapp.current_workspace = (ws, self.workspace_name(row))
        self.app.push_screen(TaskDetailScreen(ws, self.base_task(row)))

    def action_watch(self) -> None:
        row = self.current()
        if row is None:
            return
        watched = self.kapp.toggle_watch(
            self.row_workspace(row),
            row.task_id,
            row.task_name or row.task_id,
            state_key(row.task_status),
        )
        self.notify(("watching " if watched else "stopped watching ") + inert(row.task_name))
        refresh_rows(self.table, {row.task_id})

    def action_failure(self) -> None:
        show_failure(self, self.current())


class FleetScreen(ManyWorkspaceTasks):
    BREADCRUMB = "all workspaces"
    view_key = "all"
    SPEC = FLEET
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        *action_bindings(TASK_ACTIONS),
        Binding("w", "watch", "Watch"),
        FAILURE_KEY,
    ]

    def base_task(self, row: Any) -> Real3DTask:
        return row.task  # type: ignore[no-any-return]

    def workspace_name(self, row: Any) -> str:
        return str(row.workspace_name or row.workspace_id)

    def make_source(self) -> FleetSource:
        return FleetSource(self.kapp.ctx.client, now=lambda: wall_clock())
