"""An action whose outcome is unknown never hides the true state for long (issue 12, §1.2)."""

from __future__ import annotations

from typing import Any

from koomap_tui.domain.policy import Kind
from koomap_tui.sim.server import SimServer
from koomap_tui.ui.screens.task_detail import TaskDetailScreen
from koomap_tui.ui.widgets.dialogs import ConfirmDialog
from tests.ui.helpers import notices, open_workspace, screen_text, select, table, wait_for

EAST = "survey_east_2024"
TASK = "east_block_fine"  # RUNNING in the demo scenario


async def _stop(pilot: Any) -> None:
    await pilot.press("x")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
    await pilot.press("y")


async def _dropped_stop(pilot: Any, sim: SimServer, key: str) -> str:
    """`x y` on the task `key`, its request dropped before the server acts: the outcome is
    unknown. The fault is cleared after; the stop's path."""
    path = f"/v1/real3d/{pilot.app.screen.workspace_id}/tasks/{key}/stop"
    sim.faults.set(drop_rate=1.0, path_prefix=path)
    await _stop(pilot)
    await wait_for(pilot, lambda: any("outcome unknown" in n for n in notices(pilot)))
    sim.faults.clear()
    return path


def _cell(pilot: Any, key: str) -> str:
    screen = pilot.app.screen
    row = next(r for r in screen.rows() if r.task_id == key)
    return str(screen.state_cell(row).plain)


async def test_dropped_stop_then_unchanged_poll_shows_the_truth_and_allows_stop_again(
    make_app: Any, sim: SimServer
) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await open_workspace(pilot, EAST)
        key = await select(pilot, TASK)
        path = await _dropped_stop(pilot, sim, key)
        # Fresh polls still say RUNNING: the pending mark gives way to the state and a warning.
        await wait_for(pilot, lambda: _cell(pilot, key).split()[1:2] == ["RUNNING"], timeout=10)
        assert "stop may not have reached KooMap" in _cell(pilot, key)
        assert "stop may not have reached KooMap" in screen_text(pilot)
        assert any("stop may not have reached KooMap" in n for n in notices(pilot))
        runner = app.ctx.runner
        assert runner.pending_for(Kind.REAL3D_TASK, key) is None

        # Stop may be tried again, and this time it reaches the server.
        assert app.screen.check_action("stop", ()) is True
        await _stop(pilot)
        await wait_for(pilot, lambda: sim.request_log.count(path, method="POST") == 2)
        await wait_for(pilot, lambda: "stop may not" not in _cell(pilot, key), timeout=10)
        assert table(pilot).total_row_count > 0


async def test_a_dropped_stop_from_the_task_detail_says_it_may_not_have_reached_koomap(
    make_app: Any, sim: SimServer
) -> None:
    """The detail tells what the table tells: the true state with a warning, and a notice."""
    app = make_app()
    async with app.run_test(size=(200, 50)) as pilot:
        await open_workspace(pilot, EAST)
        key = await select(pilot, TASK)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        await _dropped_stop(pilot, sim, key)
        await wait_for(
            pilot, lambda: app.ctx.runner.doubt_for(Kind.REAL3D_TASK, key) is not None, timeout=10
        )
        # The state the poll shows, with the warning beside it, in the card's State row.
        await wait_for(
            pilot, lambda: "Running ⚠ stop may not have reached KooMap" in screen_text(pilot)
        )
        assert any("stop may not have reached KooMap" in n for n in notices(pilot))
        assert app.screen.check_action("stop", ()) is True  # it may be tried again
