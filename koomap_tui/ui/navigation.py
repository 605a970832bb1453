"""k9s-style navigation: `:name` switches view; Esc goes back; the header shows a breadcrumb.

Views are a static table: a name, its aliases and a factory that builds the screen from what
is selected now (the current workspace, the task under the cursor). This module imports the
screens; screens never import it (they go back and switch views through the app), so there is
no import cycle inside `ui/`. Switching to a view already on the stack
pops back to it instead of stacking copies, so the stack stays shallow however long a session
runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from koomap_tui.ui.screens.audit import AuditScreen
from koomap_tui.ui.screens.history import HistoryScreen
from koomap_tui.ui.screens.images import ImagesScreen
from koomap_tui.ui.screens.satellite import SatelliteScreen
from koomap_tui.ui.screens.spurs import SpursScreen
from koomap_tui.ui.screens.subtasks import SubtasksScreen
from koomap_tui.ui.screens.task_detail import TaskDetailScreen
from koomap_tui.ui.screens.tasks import FleetScreen, TasksScreen, WatchScreen
from koomap_tui.ui.screens.usage import UsageScreen
from koomap_tui.ui.screens.workspaces import WorkspacesScreen
from koomap_tui.ui.tablekit import cursor_row

if TYPE_CHECKING:
    from koomap_tui.ui.app import KooMapApp

#: A view's factory: the screen for what is selected now, or why there is none.
Factory = Callable[["KooMapApp"], Screen[Any] | str]


@dataclass(frozen=True)
class View:
    name: str
    aliases: tuple[str, ...]
    description: str
    factory: Factory


def _current_task(app: KooMapApp) -> Any:
    """The task the operator is looking at: the detail screen's, else the table's cursor row."""
    for screen in reversed(app.screen_stack):
        if isinstance(screen, TaskDetailScreen):
            return screen.task_obj
        if isinstance(screen, TasksScreen):
            return cursor_row(screen.table)
    return None


def _for_task(cls: Callable[[str, Any], Screen[Any]]) -> Factory:
    def factory(app: KooMapApp) -> Screen[Any] | str:
        task = _current_task(app)
        if task is None:
            return "select a task first (:tasks)"
        workspace_id = task.workspace_id or (app.current_workspace or ("",))[0]
        return cls(workspace_id, task)

    return factory


def _for_workspace(cls: Callable[[str, str], Screen[Any]]) -> Factory:
    def factory(app: KooMapApp) -> Screen[Any] | str:
        if app.current_workspace is None:
            return "choose a workspace first (:ws)"
        return cls(*app.current_workspace)

    return factory


VIEWS: list[View] = [
    View("ws", ("workspaces", "workspace"), "workspaces", lambda app: WorkspacesScreen()),
    View(
        "tasks",
        ("task", "real3d"),
        "Real3D tasks of the current workspace",
        _for_workspace(TasksScreen),
    ),
    View(
        "sub",
        ("subtasks", "subtask"),
        "refinement subtasks of the selected task",
        _for_task(SubtasksScreen),
    ),
    View(
        "spurs",
        ("spur", "gcp"),
        "spur / control points of the selected task",
        _for_task(SpursScreen),
    ),
    View(
        "images",
        ("image", "data", "products"),
        "image sets, products and satellite images",
        lambda app: ImagesScreen(),
    ),
    View(
        "sat",
        ("satellite",),
        "satellite tasks of the current workspace",
        _for_workspace(SatelliteScreen),
    ),
    View("usage", ("usages",), "Real3D and satellite usage", lambda app: UsageScreen()),
    View("audit", ("log",), "the audit log of operator actions", lambda app: AuditScreen()),
    View(
        "all",
        ("fleet", "everywhere"),
        "Real3D tasks active, failed or finished (24 h) in every workspace",
        lambda app: FleetScreen(),
    ),
    View("watch", ("watched", "watches"), "the watched tasks", lambda app: WatchScreen()),
    View(
        "history",
        ("transitions", "hist"),
        "state transitions the console observed (filter, export)",
        lambda app: HistoryScreen(),
    ),
]


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
    if isinstance(app.screen, TasksScreen):
        app.switch_screen(WorkspacesScreen())


def breadcrumb(app: KooMapApp) -> str:
    parts = []
    for screen in app.screen_stack[1:]:
        crumb = getattr(screen, "crumb", None)
        text = crumb() if callable(crumb) else getattr(screen, "BREADCRUMB", "")
        if text:
            parts.append(str(text))
    return " › ".join(parts)
