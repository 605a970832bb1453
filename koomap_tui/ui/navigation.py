"""k9s-style navigation: `:name` switches view; Esc goes back; the header shows a breadcrumb.

Views are registered by name with a factory that builds the screen from what is selected now
(the current workspace, the task under the cursor). Switching to a view already on the stack
pops back to it instead of stacking copies, so the stack stays shallow however long a session
runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from koomap_tui.ui.tablekit import row_or_none

if TYPE_CHECKING:
    from koomap_tui.ui.app import KooMapApp


@dataclass(frozen=True)
class View:
    name: str
    aliases: tuple[str, ...]
    description: str
    factory: Callable[[KooMapApp], Screen[Any] | str]


def _current_task(app: KooMapApp) -> Any:
    """The task the operator is looking at: the detail screen's, else the table's cursor row."""
    from koomap_tui.ui.screens.task_detail import TaskDetailScreen
    from koomap_tui.ui.screens.tasks import TasksScreen

    for screen in reversed(app.screen_stack):
        if isinstance(screen, TaskDetailScreen):
            return screen.task_obj
        if isinstance(screen, TasksScreen):
            return row_or_none(screen.table, screen.table.cursor_key)
    return None


def _workspaces(app: KooMapApp) -> Screen[Any] | str:
    from koomap_tui.ui.screens.workspaces import WorkspacesScreen

    return WorkspacesScreen()


def _tasks(app: KooMapApp) -> Screen[Any] | str:
    from koomap_tui.ui.screens.tasks import TasksScreen

    if app.current_workspace is None:
        return "choose a workspace first (:ws)"
    ws_id, ws_name = app.current_workspace
    return TasksScreen(ws_id, ws_name)


def _screen_from(module: str, cls: str, needs: str) -> Callable[[KooMapApp], Screen[Any] | str]:
    def factory(app: KooMapApp) -> Screen[Any] | str:
        import importlib

        try:
            screen_cls = getattr(importlib.import_module(module), cls)
        except (ImportError, AttributeError):
            return f"the {cls} view is not available in this build"
        if needs == "task":
            task = _current_task(app)
            if task is None:
                return "select a task first (:tasks)"
            ws = task.workspace_id or (app.current_workspace or ("", ""))[0]
            screen: Screen[Any] = screen_cls(ws, task)
            return screen
        if needs == "workspace":
            if app.current_workspace is None:
                return "choose a workspace first (:ws)"
            screen = screen_cls(*app.current_workspace)
            return screen
        screen = screen_cls()
        return screen

    return factory


VIEWS: list[View] = [
    View("ws", ("workspaces", "workspace"), "workspaces", _workspaces),
    View("tasks", ("task", "real3d"), "Real3D tasks of the current workspace", _tasks),
    View("sub", ("subtasks", "subtask"), "refinement subtasks of the selected task",
         _screen_from("koomap_tui.ui.screens.subtasks", "SubtasksScreen", "task")),
    View("spurs", ("spur", "gcp"), "spur / control points of the selected task",
         _screen_from("koomap_tui.ui.screens.spurs", "SpursScreen", "task")),
    View("images", ("image", "data", "products"), "image sets, products and satellite images",
         _screen_from("koomap_tui.ui.screens.images", "ImagesScreen", "none")),
    View("sat", ("satellite",), "satellite tasks of the current workspace",
         _screen_from("koomap_tui.ui.screens.satellite", "SatelliteScreen", "workspace")),
    View("usage", ("usages",), "Real3D and satellite usage",
         _screen_from("koomap_tui.ui.screens.usage", "UsageScreen", "none")),
    View("audit", ("log",), "the audit log of operator actions",
         _screen_from("koomap_tui.ui.screens.audit", "AuditScreen", "none")),
]  # fmt: skip


def find_view(command: str) -> View | None:
    word = command.strip().lstrip(":").split(" ", 1)[0].lower()
    for view in VIEWS:
        if word == view.name or word in view.aliases:
            return view
    matches = [v for v in VIEWS if v.name.startswith(word)] if word else []
    return matches[0] if len(matches) == 1 else None


def command_names() -> list[str]:
    return [v.name for v in VIEWS] + ["quit"]


def navigate(app: KooMapApp, command: str) -> bool:
    """Switch to the named view; returns False (after telling the operator) when it can't."""
    word = command.strip().lstrip(":").lower()
    if word in ("q", "quit", "q!"):
        app.exit()
        return True
    view = find_view(word)
    if view is None:
        app.notify(f"unknown view ':{word}' (try {', '.join(command_names())})", severity="warning")
        return False
    screen = view.factory(app)
    if isinstance(screen, str):
        app.notify(screen, severity="warning")
        return False
    # Pop back to an existing screen of the same view for the same object instead of stacking.
    for i, existing in enumerate(app.screen_stack):
        if type(existing) is type(screen) and getattr(existing, "view_key", None) == getattr(
            screen, "view_key", object()
        ):
            while len(app.screen_stack) > i + 1:
                app.pop_screen()
            return True
    app.push_screen(screen)
    return True


def go_back(app: KooMapApp) -> None:
    """Esc: pop a view; from the root task table, go up to the workspaces."""
    if len(app.screen_stack) > 2:
        app.pop_screen()
        return
    from koomap_tui.ui.screens.tasks import TasksScreen

    if isinstance(app.screen, TasksScreen):
        from koomap_tui.ui.screens.workspaces import WorkspacesScreen

        app.switch_screen(WorkspacesScreen())


def breadcrumb(app: KooMapApp) -> str:
    parts = []
    for screen in app.screen_stack[1:]:
        crumb = getattr(screen, "crumb", None)
        text = crumb() if callable(crumb) else getattr(screen, "BREADCRUMB", "")
        if text:
            parts.append(str(text))
    return " › ".join(parts)
