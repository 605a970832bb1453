"""`:all` and `0`: every workspace's Real3D tasks in one table, with the task actions aimed at
each task's own workspace; the failure column and `f`; the watch mark."""

from __future__ import annotations

from typing import Any

import pytest

from koomap_tui.ui.screens import tasks as fleet_module
from koomap_tui.ui.screens.task_detail import TaskDetailScreen
from koomap_tui.ui.screens.tasks import FleetScreen
from koomap_tui.ui.tablekit import all_rows
from koomap_tui.ui.widgets.dialogs import ConfirmDialog
from koomap_tui.ui.widgets.failure import FailureDialog
from tests.ui.helpers import (
    notices,
    open_workspace,
    screen_text,
    select,
    table,
    task_state,
    wait_for,
)


@pytest.fixture(autouse=True)
def _sim_wall_clock(sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulator's tasks live at its virtual time: "the last 24 h" is measured from it."""
    monkeypatch.setattr(fleet_module, "wall_clock", sim.core.clock.now)


def _fleet_row(pilot: Any, name: str) -> Any:
    return next(r for r in all_rows(table(pilot)) if r.task_name == name)


async def _open_all(pilot: Any) -> None:
    await open_workspace(pilot, "城市更新_一期")
    await pilot.press("0")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FleetScreen))
    await wait_for(pilot, lambda: pilot.app.screen.loaded and table(pilot).total_row_count > 0)


async def test_all_lists_tasks_of_every_workspace_with_their_names(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await _open_all(pilot)
        rows = all_rows(table(pilot))
        spaces = {r.workspace_id: r.workspace_name for r in rows}
        assert len(spaces) >= 2  # the demo has active or failed work in several workspaces
        text = screen_text(pilot)
        for name in spaces.values():
            assert name in text  # the workspace column
        states = {task_state(pilot, r.task_name) for r in rows}
        assert "RUNNING" in states and "FAILED" in states


async def test_enter_opens_the_task_in_its_own_workspace(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await _open_all(pilot)
        row = _fleet_row(pilot, "east_block_fine")
        assert row.workspace_name == "survey_east_2024"
        assert table(pilot).move_cursor_to_key(row.task_id)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        assert app.screen.workspace_id == row.workspace_id
        assert app.current_workspace == (row.workspace_id, "survey_east_2024")
        assert "east_block_fine" in screen_text(pilot)


async def test_stop_from_all_goes_to_the_tasks_own_workspace(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await _open_all(pilot)  # opened from another workspace than the task's
        row = _fleet_row(pilot, "east_block_fine")
        assert row.workspace_id != app.screen.kapp.ctx.workspace_id
        assert table(pilot).move_cursor_to_key(row.task_id)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        path = f"/v1/real3d/{row.workspace_id}/tasks/{row.task_id}/stop"
        await wait_for(pilot, lambda: sim.request_log.count(path) == 1)
        await wait_for(pilot, lambda: any("stop requested" in n for n in notices(pilot)))


async def test_failure_column_and_f_show_the_reason(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        failed = next(t for t in all_rows(table(pilot)) if t.task_status == "FAILED")
        assert failed.fail_message
        assert failed.fail_message[:12] in screen_text(pilot)  # the short column
        await select(pilot, failed.task_name)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, FailureDialog))
        assert " ".join(failed.fail_message.split())[:60] in " ".join(screen_text(pilot).split())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, FailureDialog))
        ok = next(t for t in all_rows(table(pilot)) if t.task_status == "SUCCESS")
        await select(pilot, ok.task_name)
        await pilot.press("f")
        await pilot.pause()
        assert not isinstance(app.screen, FailureDialog)
        assert any("no failure reason" in n for n in notices(pilot))


async def test_failure_column_goes_first_on_a_narrow_terminal(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 32)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        shown = [c.key for c in table(pilot).shown_columns]
        # too narrow for every column: the failure reason gives way before the others do
        assert "fail" not in shown
        assert {"name", "state", "progress", "updated", "duration"} <= set(shown)


async def test_watch_mark_in_the_table(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await select(pilot, "east_block_fine")
        assert "◉ east_block_fine" not in screen_text(pilot)
        await pilot.press("w")
        await wait_for(pilot, lambda: "◉ east_block_fine" in screen_text(pilot))
        await pilot.press("0")
        await wait_for(pilot, lambda: isinstance(app.screen, FleetScreen) and app.screen.loaded)
        await wait_for(pilot, lambda: "◉ east_block_fine" in screen_text(pilot))


async def test_watch_from_the_detail_marks_the_table_on_return(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await select(pilot, "east_block_fine")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        await pilot.press("w")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TaskDetailScreen))
        await wait_for(pilot, lambda: "◉ east_block_fine" in screen_text(pilot))
