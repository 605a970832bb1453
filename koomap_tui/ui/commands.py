"""Command palette entries: go to task, switch workspace, switch theme, set poll interval."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.screen import Screen

from koomap_tui.ui.format import inert
from koomap_tui.ui.tablekit import all_rows

if TYPE_CHECKING:
    from koomap_tui.ui.app import KooMapApp

INTERVALS = (1.0, 2.0, 3.0, 5.0, 10.0, 30.0)


def _go_to_task(app: KooMapApp, task_id: str) -> None:
    from koomap_tui.ui.screens.tasks import TasksScreen

    for screen in reversed(app.screen_stack):
        if isinstance(screen, TasksScreen):
            tasks = screen  # `app.screen is not screen` below would narrow it to Screen
            while app.screen is not tasks:
                app.pop_screen()
            tasks.table.set_filter(None)
            if not tasks.focus_task(task_id):
                app.notify("that task is hidden by the current filter", severity="warning")
            return


def _open_workspace(app: KooMapApp, ws_id: str, name: str) -> None:
    from koomap_tui.ui.screens.tasks import TasksScreen

    while len(app.screen_stack) > 2:
        app.pop_screen()
    app.switch_screen(TasksScreen(ws_id, name))


def _set_theme(app: KooMapApp, name: str) -> None:
    app.theme = name


def _set_interval(app: KooMapApp, seconds: float) -> None:
    app.hub.set_intervals(fast=seconds)
    app.notify(f"poll interval while tasks run: {seconds:g} s")


def console_commands(app: KooMapApp, screen: Screen[Any]) -> Iterable[SystemCommand]:
    from koomap_tui.ui.screens.tasks import TasksScreen

    for s in reversed(app.screen_stack):
        if isinstance(s, TasksScreen):
            for task in all_rows(s.table):
                yield SystemCommand(
                    f"Go to task: {inert(task.task_name)}",
                    f"{task.task_id} · {inert(task.task_status)}",
                    partial(_go_to_task, app, task.task_id),
                )
            break
    workspaces = app.hub.pollers.get("workspaces")
    if workspaces is not None:
        for ws in workspaces.items.values():
            yield SystemCommand(
                f"Switch workspace: {inert(ws.workspace_name)}",
                ws.workspace_id,
                partial(_open_workspace, app, ws.workspace_id, ws.workspace_name or ""),
            )
    for name in sorted(app.available_themes):
        if name.startswith(("koomap", "high-contrast", "colour-blind", "terminal-ansi")):
            yield SystemCommand(
                f"Switch theme: {name}", "colours of every state", partial(_set_theme, app, name)
            )
    for seconds in INTERVALS:
        yield SystemCommand(
            f"Set poll interval: {seconds:g} s",
            "how often active items are re-read",
            partial(_set_interval, app, seconds),
        )
