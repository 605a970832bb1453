"""`:watch`: the watched tasks (`w` on any task table), live, whatever their workspace.

The rows come from the app's own watched-tasks poller (the same source key, so no second
poller and no extra request); a task unwatched here leaves the list at the next poll."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.binding import Binding

from koomap_tui.api.errors import KooMapError
from koomap_tui.domain.policy import Kind
from koomap_tui.services.fleet import list_all_workspaces
from koomap_tui.services.sources.real3d import WatchedTasksSource
from koomap_tui.ui.screens.base import action_bindings
from koomap_tui.ui.screens.fleet import ManyWorkspaceTasks
from koomap_tui.ui.screens.listview import ResourceSpec
from koomap_tui.ui.screens.task_columns import FAILURE_KEY
from koomap_tui.ui.screens.task_detail import TASK_ACTIONS, TASKS, task_attrs
from koomap_tui.ui.tablekit import refresh_rows

WATCHED = ResourceSpec.of(
    Kind.REAL3D_TASK,
    "watched",
    "task_id task_name task_status",
    attrs=task_attrs,
    quick=TASKS.quick,
    empty_text="(nothing watched: w on a task watches it)",
)


class WatchScreen(ManyWorkspaceTasks):
    BREADCRUMB = "watched"
    view_key = "watch"
    SPEC = WATCHED
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        *action_bindings(TASK_ACTIONS),
        Binding("w", "watch", "Unwatch"),
        FAILURE_KEY,
    ]

    def row_workspace(self, row: Any) -> str:
        watch = self.kapp.watches.get(row.task_id)
        return watch.workspace_id if watch is not None else str(row.workspace_id or "")

    def make_source(self) -> WatchedTasksSource:
        return WatchedTasksSource(self.kapp.ctx.client, self.kapp)

    def __init__(self) -> None:
        super().__init__()
        self._names: dict[str, str] = {}

    def workspace_name(self, row: Any) -> str:
        ws = self.row_workspace(row)
        return self.kapp.workspace_names.get(ws) or self._names.get(ws) or ws

    def mounted(self) -> None:
        wanted = {w.workspace_id for w in self.kapp.watches.values()}
        if wanted - set(self.kapp.workspace_names):
            self.read_names()

    @work(exclusive=True, exit_on_error=False, group="names")
    async def read_names(self) -> None:
        """The workspace column shows names: read them once when the app does not know them."""
        try:
            spaces, _ = await list_all_workspaces(self.kapp.ctx.client)
        except KooMapError:
            return  # the ids stay shown
        self._names = {k: ws.workspace_name or k for k, ws in spaces.items()}
        refresh_rows(self.table, set(self.table.keys_in_order()))
