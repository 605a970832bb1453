"""The command palette's "Switch workspace" (issue 11, §1.7): Esc afterwards returns to the
workspaces, and the palette offers workspaces without the workspaces view ever shown."""

from __future__ import annotations

from typing import Any

from koomap_tui.sim.server import SimServer
from koomap_tui.ui.commands import console_commands
from koomap_tui.ui.screens.tasks import TasksScreen
from koomap_tui.ui.screens.workspaces import WorkspacesScreen
from koomap_tui.ui.tablekit import all_rows
from tests.ui.helpers import open_workspace, screen_text, table, wait_for


def switch_to(app: Any, name: str) -> None:
    command = next(
        c for c in console_commands(app, app.screen) if c.title == f"Switch workspace: {name}"
    )
    command.callback()


def stack_kinds(app: Any) -> list[str]:
    return [type(s).__name__ for s in app.screen_stack[1:]]


async def test_switch_workspace_keeps_the_way_back_to_the_workspaces(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        app.action_help()  # something on top of the tasks, which the switch must clear
        await pilot.pause()
        switch_to(app, "survey_east_2024")
        await wait_for(pilot, lambda: isinstance(app.screen, TasksScreen))
        assert app.screen.workspace_name == "survey_east_2024"
        assert stack_kinds(app) == ["WorkspacesScreen", "TasksScreen"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkspacesScreen))
        # and the palette still offers every workspace
        titles = [c.title for c in console_commands(app, app.screen)]
        assert "Switch workspace: river_corridor" in titles


async def test_started_in_a_workspace_the_palette_offers_the_others(
    make_app: Any, sim: SimServer
) -> None:
    probe = make_app()
    page = await probe.ctx.client.list_common_workspace(limit=50)
    await probe.ctx.client.aclose()
    east = next(w.workspace_id for w in page.data if w.workspace_name == "survey_east_2024")
    app = make_app(workspace_id=east)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TasksScreen))

        def offered() -> list[str]:
            return [c.title for c in console_commands(app, app.screen)]

        await wait_for(pilot, lambda: "Switch workspace: river_corridor" in offered())
        switch_to(app, "river_corridor")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, TasksScreen)
                and app.screen.workspace_name == "river_corridor"
            ),
        )
        assert stack_kinds(app) == ["WorkspacesScreen", "TasksScreen"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkspacesScreen))


async def test_go_to_a_task_hidden_by_the_filters_shows_it_and_says_no_filter(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        screen = app.screen
        idle = next(t for t in all_rows(table(pilot)) if t.task_status == "INIT")
        await pilot.press("3")  # failed tasks only: the idle one is hidden
        await wait_for(pilot, lambda: "filter: failed" in screen_text(pilot))
        assert idle.task_id not in table(pilot).keys_in_order()
        go = next(
            c
            for c in console_commands(app, app.screen)
            if c.title == f"Go to task: {idle.task_name}"
        )
        go.callback()
        await pilot.pause()
        assert screen.current() is not None and screen.current().task_id == idle.task_id
        assert "filter: failed" not in screen_text(pilot)  # the summary no longer claims it
        assert "filter: all" in screen_text(pilot)
