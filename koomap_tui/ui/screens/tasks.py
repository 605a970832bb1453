"""The Real3D task tables: one workspace's tasks, live (`TasksScreen`), and two over several
workspaces, whose rows say their workspace:

* `:all` (and `0` on the task table), `FleetScreen`: every task that is active, or failed or
  finished in the last 24 h, in every workspace (`services.fleet.FleetSource`);
* `:watch`, `WatchScreen`: the watched tasks (`w` on any task table). The rows come from the
  app's own watched-tasks poller (the same source key, so no second poller and no extra
  request); a task unwatched here leaves the list at the next poll.

Every task action is on each; a target carries its own workspace id, so a marked set may span
workspaces. Enter opens the task's detail in its workspace.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.binding import Binding

from koomap_tui.api.models import Real3DTask
from koomap_tui.domain.states import state_key
from koomap_tui.services.actions import Target
from koomap_tui.services.fleet import FleetSource
from koomap_tui.services.poller import PollUpdate
from koomap_tui.services.sources import Real3DTaskSource
from koomap_tui.services.sources.real3d import WatchedTasksSource
from koomap_tui.ui.render.task_cells import history_flag, server_counts, state_counts, task_columns
from koomap_tui.ui.render.unreadable import UnreadableRow
from koomap_tui.ui.screens.listview import ListMixin, ListScreen
from koomap_tui.ui.screens.task_detail import TaskDetailScreen, TaskMixin
from koomap_tui.ui.specs import ATTR_WORKSPACE, FLEET, TASKS, WATCHED, workspace_of
from koomap_tui.ui.tablekit import refresh_rows, row_or_none
from koomap_tui.ui.widgets.failure import show_failure
from koomap_tui.ui.widgets.virtual_table import Column


def wall_clock() -> float:
    """What "the last 24 h" is measured from (tests set it to the simulator's clock)."""
    return time.time()


class OneWorkspace(ListMixin):
    """A table of one workspace's tasks (Real3D or satellite): the view is that workspace's,
    and each poll brings the server's overview of it."""

    VIEW: ClassVar[str]  # the view key's prefix
    workspace_id: str

    def __init__(self, workspace_id: str, workspace_name: str | None = None) -> None:
        super().__init__()
        self.workspace_id = workspace_id
        self.workspace_name = workspace_name or workspace_id
        self.view_key = f"{self.VIEW}:{workspace_id}"
        self.overview: Any = None

    def polled(self, update: PollUpdate[Any]) -> None:
        self.overview = update.meta.get("overview", self.overview)

    @property
    def include_archived(self) -> bool:
        return self.source is not None and bool(self.source.include_archived)

    def action_toggle_archived(self) -> None:
        if self.source is None:
            return
        self.source.include_archived = not self.source.include_archived
        self.source.force_full = True  # a source read incrementally reads whole again
        self.poller.refresh_now()
        self.update_summary()
        self.notify("archived tasks " + ("shown" if self.include_archived else "hidden"))


class TaskTable(TaskMixin, ListScreen):
    """What the task tables do alike. `MANY`: the rows come from several workspaces; a
    Workspace column says whose each is, in the room of the columns only one workspace's
    table has (AT, model, type, created, duration)."""

    MANY: ClassVar[bool] = True
    FLAGS_FIRST = True
    SPEC = TASKS  # `:all` and `:watch` give their own spec, with the same actions
    BINDINGS = [
        Binding("w", "watch", "Watch"),
        Binding("f", "failure", "Failure reason"),
    ]

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """The watch marks as they are now (`w` on the detail or on another view)."""
        super().on_screen_resume(event)
        self.table.invalidate_rows(self.table.keys_in_order())

    def base_task(self, row: Any) -> Real3DTask:
        return row  # type: ignore[no-any-return]

    def row_workspace(self, row: Any) -> str:
        return workspace_of(row)

    def ws_name(self, row: Any) -> str:
        ws = self.row_workspace(row)
        return self.kapp.workspace_names.get(ws, ws)

    def columns(self) -> list[Column]:
        app, many = self.kapp, self.ws_name if self.MANY else None
        return task_columns(app.watches, app.ctx.history, self.state_cell, many)

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
        """The counts by state of the rows the filter shows, which add up to the number they
        follow ("rows 1 of 9" while a filter hides some)."""
        table = self.table
        shown = [table.get_row(k) for k in table.keys_in_order()]
        counts = Counter(
            state_key(r.task_status) for r in shown if not isinstance(r, UnreadableRow)
        )
        hidden = table.total_row_count - len(shown)
        head = f"rows {len(shown)}" + (f" of {table.total_row_count}" if hidden else "")
        if self.MANY:
            head += f" in {len({self.row_workspace(r) for r in shown})} workspace(s)"
        unreadable = len(shown) - counts.total()
        return state_counts(head, counts, unreadable, self.app.theme_variables)

    def summary_flags(self) -> list[str]:
        return history_flag(self.kapp.ctx.history)

    def open_row(self, row: Any) -> None:
        ws = self.row_workspace(row)
        self.kapp.current_workspace = (ws, self.ws_name(row))
        source = self.source if isinstance(self.source, Real3DTaskSource) else None
        self.app.push_screen(TaskDetailScreen(ws, self.base_task(row), source))

    def action_watch(self) -> None:
        row = self.current()
        if row is None:
            self.notify("no task selected", severity="warning")
            return
        self.watch_task(self.base_task(row), self.row_workspace(row))
        refresh_rows(self.table, {row.task_id})

    def action_failure(self) -> None:
        show_failure(self, self.current())


class TasksScreen(OneWorkspace, TaskTable):
    BREADCRUMB = "tasks"
    VIEW = "tasks"
    MANY = False
    SPEC = TASKS
    BINDINGS = [
        Binding("0", "all_workspaces", "All workspaces", show=False),
        Binding("A", "toggle_archived", "Show / hide archived", show=False),
    ]

    def row_workspace(self, row: Any) -> str:
        return self.workspace_id

    def ws_name(self, row: Any) -> str:
        return self.workspace_name

    def make_source(self) -> Real3DTaskSource:
        self.kapp.current_workspace = (self.workspace_id, self.workspace_name)
        return Real3DTaskSource(self.kapp.ctx.client, self.workspace_id)

    def summary_items(self) -> list[Text]:
        rows = super().summary_items()
        return rows if self.overview is None else [*rows, server_counts(self.overview)]

    def summary_flags(self) -> list[str]:
        return (["+archived"] if self.include_archived else []) + super().summary_flags()

    def action_all_workspaces(self) -> None:
        self.kapp.navigate("all")


class FleetScreen(TaskTable):
    BREADCRUMB = "all workspaces"
    view_key = "all"
    SPEC = FLEET

    def base_task(self, row: Any) -> Real3DTask:
        return row.task  # type: ignore[no-any-return]

    def ws_name(self, row: Any) -> str:
        return str(row.workspace_name or row.workspace_id)

    def make_source(self) -> FleetSource:
        return FleetSource(self.kapp.ctx.client, now=lambda: wall_clock())


class WatchScreen(TaskTable):
    BREADCRUMB = "watched"
    view_key = "watch"
    SPEC = WATCHED
    BINDINGS = [
        Binding("w", "watch", "Unwatch"),
    ]

    def row_workspace(self, row: Any) -> str:
        watch = self.kapp.watches.get(row.task_id)
        return watch.workspace_id if watch is not None else str(row.workspace_id or "")

    def make_source(self) -> WatchedTasksSource:
        return WatchedTasksSource(self.kapp.ctx.client, self.kapp)

    def mounted(self) -> None:
        wanted = {w.workspace_id for w in self.kapp.watches.values()}
        if wanted - set(self.kapp.workspace_names):
            self.read_names()

    @work(exclusive=True, exit_on_error=False, group="names")
    async def read_names(self) -> None:
        """The workspace column shows names: read them once when the app does not know them."""
        names = await self.kapp.read_workspace_names()
        self.kapp.workspace_names = {**names, **self.kapp.workspace_names}
        refresh_rows(self.table, set(self.table.keys_in_order()))
