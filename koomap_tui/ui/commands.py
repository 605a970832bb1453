"""Command palette entries: go to task, switch workspace, switch theme, set poll interval."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.screen import Screen

from koomap_tui.ui.format import inert
from koomap_tui.ui.screens.tasks import TasksScreen
from koomap_tui.ui.screens.workspaces import WorkspacesScreen
from koomap_tui.ui.tablekit import all_rows
from koomap_tui.ui.themes import state_themes

if TYPE_CHECKING:
    from koomap_tui.ui.app import KooMapApp

INTERVALS = (1.0, 2.0, 3.0, 5.0, 10.0, 30.0)


def _go_to_task(app: KooMapApp, task_id: str) -> None:
    for screen in reversed(app.screen_stack):
        if isinstance(screen, TasksScreen):
            tasks: TasksScreen = screen  # `app.screen is not screen` below widens `screen`
            while app.screen is not tasks:
                app.pop_screen()
            if not tasks.table.move_cursor_to_key(task_id):
                tasks.clear_filters()  # asked for by name: shown, and the summary says so
                if not tasks.table.move_cursor_to_key(task_id):
                    app.notify("that task is no longer listed", severity="warning")
            return


def _open_workspace(app: KooMapApp, ws_id: str, name: str) -> None:
    """The stack becomes workspaces → tasks of `ws_id`, as if opened from the workspaces view,
    so that Esc returns there (also when the console was started in a workspace)."""
    home = next((s for s in app.screen_stack if isinstance(s, WorkspacesScreen)), None)
    if home is None:
        while len(app.screen_stack) > 2:
            app.pop_screen()
        app.switch_screen(WorkspacesScreen())
    else:
        while app.screen is not home:
            app.pop_screen()
    app.push_screen(TasksScreen(ws_id, name))


def known_workspaces(app: KooMapApp) -> dict[str, str]:
    """Workspace id → name for the palette: the workspaces view's poll when it has one (fresh),
    else what the app read at start (the console may never have shown that view)."""
    poller = app.hub.pollers.get("workspaces")
    if poller is not None and poller.items:
        app.workspace_names = {
            ws.workspace_id: ws.workspace_name or "" for ws in poller.items.values()
        }
    return app.workspace_names


def _set_theme(app: KooMapApp, name: str) -> None:
    app.theme = name


def _set_interval(app: KooMapApp, seconds: float) -> None:
    app.hub.set_intervals(fast=seconds)
    app.notify(f"poll interval while tasks run: {seconds:g} s")


def console_commands(app: KooMapApp, screen: Screen[Any]) -> Iterable[SystemCommand]:
    for s in reversed(app.screen_stack):
        if isinstance(s, TasksScreen):
            for task in all_rows(s.table):
                yield SystemCommand(
                    f"Go to task: {inert(task.task_name)}",
                    f"{task.task_id} · {inert(task.task_status)}",
                    partial(_go_to_task, app, task.task_id),
                )
            break
    for ws_id, name in known_workspaces(app).items():
        yield SystemCommand(
            f"Switch workspace: {inert(name)}", ws_id, partial(_open_workspace, app, ws_id, name)
        )
    for name in state_themes(app.available_themes):
        yield SystemCommand(
            f"Switch theme: {name}", "colours of every state", partial(_set_theme, app, name)
        )
    for seconds in INTERVALS:
        yield SystemCommand(
            f"Set poll interval: {seconds:g} s",
            "how often active items are re-read",
            partial(_set_interval, app, seconds),
        )
