"""Keyboard navigation between views: `:name` + Enter from anywhere, Esc back, the header's
breadcrumb, messages for unknown names, Tab completion in command mode."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
from textual.pilot import Pilot

from koomap_tui.ui.screens.command import CommandBar
from koomap_tui.ui.widgets.header_bar import HeaderBar
from tests.ui.helpers import notices, open_workspace, select, wait_for

SIZE = (120, 32)
QUIET = {"fast_interval": 30.0, "slow_interval": 60.0}  # no re-polls during a test: less CPU

# view name -> (module under koomap_tui/ui/screens, screen class, breadcrumb word)
VIEWS: dict[str, tuple[str, str, str]] = {
    "ws": ("workspaces", "WorkspacesScreen", "workspaces"),
    "tasks": ("tasks", "TasksScreen", "tasks"),
    "sub": ("subtasks", "SubtasksScreen", "subtasks"),
    "spurs": ("spurs", "SpursScreen", "spurs"),
    "images": ("images", "ImagesScreen", "data"),
    "sat": ("satellite", "SatelliteScreen", "satellite"),
    "usage": ("usage", "UsageScreen", "usage"),
    "audit": ("audit", "AuditScreen", "audit"),
}


def built(view: str) -> bool:
    return importlib.util.find_spec(f"koomap_tui.ui.screens.{VIEWS[view][0]}") is not None


def require(*views: str) -> None:
    missing = [v for v in views if not built(v)]
    if missing:
        pytest.skip(f"view(s) not in this build: {', '.join(':' + v for v in missing)}")


def on(pilot: Pilot[Any], view: str) -> bool:
    return type(pilot.app.screen).__name__ == VIEWS[view][1]


def crumb(pilot: Pilot[Any]) -> str:
    return str(pilot.app.screen.query_one(HeaderBar).crumb)


async def command(pilot: Pilot[Any], text: str) -> None:
    """`:` + text + Enter, as typed."""
    await pilot.press("colon")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandBar))
    await pilot.press(*text, "enter")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, CommandBar))


async def go(pilot: Pilot[Any], view: str) -> None:
    await command(pilot, view)
    await wait_for(pilot, lambda: on(pilot, view))
    await wait_for(pilot, lambda: VIEWS[view][2] in crumb(pilot))


async def start_on_a_task(pilot: Pilot[Any]) -> None:
    """Workspace chosen and a Nerf task under the cursor, so every view has what it needs."""
    await open_workspace(pilot, "城市更新_一期")
    await select(pilot, "老城区_nerf")


async def back_to_the_task(pilot: Pilot[Any]) -> None:
    """Test set-up, not navigation under test: workspaces › tasks, cursor on the Nerf task."""
    app = pilot.app
    while len(app.screen_stack) > 3:
        app.pop_screen()
    if not on(pilot, "tasks"):
        while len(app.screen_stack) > 2:
            app.pop_screen()
        await start_on_a_task(pilot)
    await pilot.pause()


NEEDS_TASK = {"sub", "spurs"}  # they act on the task under the cursor, or the one in view


@pytest.mark.parametrize("source", list(VIEWS))
async def test_every_view_is_reachable_from_this_one_and_esc_comes_back(
    make_app: Any, source: str
) -> None:
    require(*VIEWS)
    app = make_app(**QUIET)
    async with app.run_test(size=SIZE) as pilot:
        await start_on_a_task(pilot)
        # :ws and :tasks close the views above them, so they come last (fewer set-ups).
        targets = [v for v in VIEWS if v not in ("ws", "tasks", source)]
        targets += [v for v in ("tasks", "ws") if v != source]
        for target in targets:
            if not on(pilot, source):
                await back_to_the_task(pilot)
                await go(pilot, source)
            if target in NEEDS_TASK and source == "ws":
                # :ws leaves the task table, so no task is selected any more: it says so.
                await command(pilot, target)
                await wait_for(
                    pilot, lambda: any("select a task first" in n for n in notices(pilot))
                )
                assert on(pilot, "ws")
                continue
            below, depth = app.screen, len(app.screen_stack)
            await go(pilot, target)
            if len(app.screen_stack) > depth:  # pushed on top of the source: Esc returns there
                await pilot.press("escape")
                await wait_for(pilot, lambda: app.screen is below)  # noqa: B023
                assert VIEWS[source][2] in crumb(pilot)
            else:  # the target was already open underneath: the views above it were closed
                assert all(type(s).__name__ != VIEWS[source][1] for s in app.screen_stack)


async def test_switching_to_a_view_on_the_stack_pops_back_to_it(make_app: Any) -> None:
    require("images", "usage")
    app = make_app(**QUIET)
    async with app.run_test(size=SIZE) as pilot:
        await start_on_a_task(pilot)
        await go(pilot, "images")
        images = app.screen
        await go(pilot, "usage")
        await go(pilot, "images")
        assert app.screen is images  # the same screen, with its state, not a second copy
        assert sum(type(s).__name__ == "UsageScreen" for s in app.screen_stack) == 0


async def test_breadcrumb_follows_the_path(make_app: Any) -> None:
    app = make_app(**QUIET)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on(pilot, "ws"))
        assert crumb(pilot) == "workspaces"
        await start_on_a_task(pilot)
        assert crumb(pilot) == "tasks"
        assert app.screen.query_one(HeaderBar).workspace == "城市更新_一期"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "老城区_nerf" in crumb(pilot))
        assert crumb(pilot).startswith("tasks")
        await pilot.press("escape")
        await wait_for(pilot, lambda: crumb(pilot) == "tasks")
        await pilot.press("escape")  # from the root task table, up to the workspaces
        await wait_for(pilot, lambda: on(pilot, "ws") and crumb(pilot) == "workspaces")


async def test_unknown_view_says_so_and_stays(make_app: Any) -> None:
    app = make_app(**QUIET)
    async with app.run_test(size=SIZE) as pilot:
        await start_on_a_task(pilot)
        screen = app.screen
        await command(pilot, "nosuchview")
        await wait_for(
            pilot, lambda: any("unknown view ':nosuchview'" in n for n in notices(pilot))
        )
        assert app.screen is screen
        assert any("ws" in n and "tasks" in n for n in notices(pilot))  # says what exists


async def test_views_needing_a_workspace_say_so_before_one_is_chosen(make_app: Any) -> None:
    app = make_app(**QUIET)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on(pilot, "ws"))
        await command(pilot, "tasks")
        await wait_for(pilot, lambda: any("choose a workspace first" in n for n in notices(pilot)))
        assert on(pilot, "ws")


async def test_escape_closes_command_mode_without_moving(make_app: Any) -> None:
    app = make_app(**QUIET)
    async with app.run_test(size=SIZE) as pilot:
        await start_on_a_task(pilot)
        screen = app.screen
        await pilot.press("colon", "u", "s")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandBar))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)


@pytest.mark.parametrize(
    ("typed", "completed"), [("s", "sub"), ("sp", "spurs"), ("sa", "sat"), ("au", "audit")]
)
async def test_tab_completes_the_view_name(make_app: Any, typed: str, completed: str) -> None:
    app = make_app(**QUIET)
    async with app.run_test(size=SIZE) as pilot:
        await start_on_a_task(pilot)
        await pilot.press("colon")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandBar))
        box = app.screen.query_one("#command")
        await pilot.press(*typed)
        # the suggestion is computed in the background; Tab takes it once it is there
        await wait_for(pilot, lambda: box._suggestion == completed)  # type: ignore[attr-defined]
        await pilot.press("tab")
        await wait_for(pilot, lambda: box.value == completed)  # type: ignore[attr-defined]
        if built(completed):
            await pilot.press("enter")
            await wait_for(pilot, lambda: on(pilot, completed))
