"""`:watch`: the watched tasks of any workspace, live, with the task actions; `w` there unwatches."""

from __future__ import annotations

from typing import Any

from koomap_tui.ui.screens.task_detail import TaskDetailScreen
from koomap_tui.ui.screens.tasks import WatchScreen
from koomap_tui.ui.tablekit import all_rows
from koomap_tui.ui.widgets.dialogs import ConfirmDialog
from tests.ui.helpers import notices, open_workspace, screen_text, select, table, wait_for
from tests.ui.test_navigation import command


async def test_watch_lists_watched_tasks_of_two_workspaces(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        east = await select(pilot, "east_block_fine")
        east_ws = app.screen.workspace_id
        await pilot.press("w")
        await command(pilot, "ws")
        await open_workspace(pilot, "城市更新_一期")
        await select(pilot, "西区_排队中")
        await pilot.press("w")
        await command(pilot, "watch")
        await wait_for(pilot, lambda: isinstance(app.screen, WatchScreen))
        await wait_for(pilot, lambda: table(pilot).total_row_count == 2)
        text = screen_text(pilot)
        assert "◉ east_block_fine" in text and "◉ 西区_排队中" in text
        assert "survey_east_2024" in text  # the workspace column
        # an action on a watched task goes to its own workspace
        assert table(pilot).move_cursor_to_key(east)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        path = f"/v1/real3d/{east_ws}/tasks/{east}/stop"
        await wait_for(pilot, lambda: sim.request_log.count(path) == 1)
        # Enter opens it in its workspace
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        assert app.screen.workspace_id == east_ws
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, WatchScreen))
        # w here unwatches: the row leaves at the next poll
        assert table(pilot).move_cursor_to_key(east)
        await pilot.press("w")
        app.screen.poller.refresh_now()
        await wait_for(pilot, lambda: table(pilot).total_row_count == 1)
        assert [t.task_name for t in all_rows(table(pilot))] == ["西区_排队中"]


async def test_watch_with_nothing_watched_says_how(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await command(pilot, "watch")
        await wait_for(pilot, lambda: isinstance(app.screen, WatchScreen))
        await wait_for(pilot, lambda: "nothing watched" in screen_text(pilot))


async def test_w_on_an_empty_watch_list_says_no_task_is_selected(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await command(pilot, "watch")
        await wait_for(pilot, lambda: isinstance(app.screen, WatchScreen))
        await pilot.press("w")
        await wait_for(pilot, lambda: any("no task selected" in n for n in notices(pilot)))
        assert app.watches == {}
