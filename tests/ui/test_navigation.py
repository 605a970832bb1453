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
    "all": ("tasks", "FleetScreen", "all workspaces"),
    "watch": ("tasks", "WatchScreen", "watched"),
    "history": ("history", "HistoryScreen", "history"),
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


def shortest(view: str) -> str:
    """The shortest prefix that names only this view (`:u` is `:usage`); fewer keys to press."""
    return next(
        view[:n]
        for n in range(1, len(view) + 1)
        if [v for v in VIEWS if v.startswith(view[:n])] == [view]
    )


async def go(pilot: Pilot[Any], view: str, *, full: bool = False) -> None:
    await command(pilot, view if full else shortest(view))
    await wait_for(pilot, lambda: on(pilot, view))
    await wait_for(pilot, lambda: VIEWS[view][2] in crumb(pilot))


async def start_on_a_task(pilot: Pilot[Any]) -> None:
    """Workspace chosen and a Nerf task under the cursor, so every view has what it needs."""
    await open_workspace(pilot, "城市更新_一期")
    await select(pilot, "老城区_nerf")


NEEDS_TASK = {"sub", "spurs"}  # they act on the task under the cursor, or the one in view
TASK_SCREENS = {"TasksScreen", "TaskDetailScreen"}


# ~130 view switches: 105 s alone on a busy 2-core machine, over the 120 s default in a full run.
@pytest.mark.timeout(400)
async def test_every_view_is_reachable_from_every_other_and_esc_comes_back(make_app: Any) -> None:
    """One session walks every ordered pair of views (source, target) by `:target` + Enter.

    A walk rather than a session per source: every pair is still covered, in about 60 switches,
    each typed as its shortest unique prefix (the e2e tests type the full names). The first time
    a view is pushed on top of another, Esc must bring the other back.
    """
    require(*VIEWS)
    app = make_app(**QUIET)
    async with app.run_test(size=SIZE) as pilot:
        await start_on_a_task(pilot)
        todo = {(a, b) for a in VIEWS for b in VIEWS if a != b}
        escaped: set[str] = set()
        here = "tasks"
        while todo:
            has_task = any(type(s).__name__ in TASK_SCREENS for s in app.screen_stack)
            targets = [
                b
                for b in VIEWS
                if (here, b) in todo and (has_task or b not in NEEDS_TASK or here == "ws")
            ]
            if not targets:  # a dead end: hop to a view that still has pairs to walk
                here = next(a for a, _ in sorted(todo)) if has_task else "tasks"
                await go(pilot, here)
                continue
            # the target with most pairs left first, so the walk rarely dead-ends
            target = max(targets, key=lambda b: (sum(a == b for a, _ in todo), b))
            todo.discard((here, target))
            if target in NEEDS_TASK and not has_task:
                # :ws closed the task table, so no task is selected any more: it says so.
                await command(pilot, target)
                await wait_for(
                    pilot, lambda: any("select a task first" in n for n in notices(pilot))
                )
                assert on(pilot, "ws")
                continue
            below, depth = app.screen, len(app.screen_stack)
            await go(pilot, target)
            if len(app.screen_stack) > depth and target not in escaped:
                escaped.add(target)  # pushed on top: Esc returns to where we came from
                await pilot.press("escape")
                await wait_for(pilot, lambda: app.screen is below)  # noqa: B023
                assert VIEWS[here][2] in crumb(pilot)
                await go(pilot, target)
            elif len(app.screen_stack) <= depth:  # it was open underneath: views above it closed
                assert all(type(s).__name__ != VIEWS[here][1] for s in app.screen_stack)
            here = target
        assert escaped >= set(VIEWS) - {"ws"}  # ws is never pushed: it is the root view
        assert len(app.screen_stack) <= 2 + len(VIEWS)  # views are reused, never stacked twice


async def test_switching_to_a_view_on_the_stack_pops_back_to_it(make_app: Any) -> None:
    require("images", "usage")
    app = make_app(**QUIET)
    async with app.run_test(size=SIZE) as pilot:
        await start_on_a_task(pilot)
        await go(pilot, "images", full=True)
        images = app.screen
        await go(pilot, "usage", full=True)
        await go(pilot, "images", full=True)
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
