"""The task table against the simulator: states, gating with reasons, confirmations,
pending markers, cursor kept across polls, errors, bulk actions, read-only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from koomap_tui.ui.forms.real3d import TaskUpdateForm
from koomap_tui.ui.screens.task_detail import TaskDetailScreen
from koomap_tui.ui.widgets.dialogs import ConfirmDialog, TypedConfirmDialog
from tests.ui.helpers import (
    notices,
    open_workspace,
    screen_text,
    select,
    table,
    task_state,
    wait_for,
)


async def test_task_table_lists_tasks_with_state_words(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        text = screen_text(pilot)
        for word in ("STOPPING", "PENDING", "STARTING", "START_FAILED", "FAILED", "SUCCESS"):
            assert word in text
        assert "西区_停止中" in text
        assert "total 9" in text  # summary from the overview endpoint
        assert "updated" in text  # freshness bar


async def test_denied_action_is_dimmed_and_says_why(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        await select(pilot, "西区_倾斜建模")  # SUCCESS
        screen = app.screen
        assert screen.check_action("stop", ()) is None  # dimmed, still shown
        assert screen.check_action("archive", ()) is True
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert any("cannot stop" in n and "运行成功" in n for n in notices(pilot))
        await pilot.press("e")
        await pilot.pause()
        assert any("cannot update" in n for n in notices(pilot))


async def test_stop_asks_then_marks_pending_then_shows_new_state(
    make_app: Any, sim: Any, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        key = await select(pilot, "east_block_fine")  # RUNNING
        ws = app.screen.workspace_id
        # A slow answer to the stop call keeps the pending mark on screen long enough to see.
        sim.faults.set(latency_ms=2500, path_prefix=f"/v1/real3d/{ws}/tasks/{key}/stop")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: "⏳ stopping…" in screen_text(pilot))
        assert app.ctx.runner.pending_for("real3d_task", key) is not None  # type: ignore[arg-type]
        await pilot.press("x")  # pressing stop again while it is in flight is refused
        await pilot.pause()
        assert any("in flight" in n for n in notices(pilot))
        await wait_for(pilot, lambda: task_state(pilot, "east_block_fine") == "STOPPING")
        await wait_for(pilot, lambda: app.ctx.runner.pending_for("real3d_task", key) is None)  # type: ignore[arg-type]
        sim.faults.clear()
        sim.advance(600)
        app.screen.poller.refresh_now()
        await wait_for(pilot, lambda: task_state(pilot, "east_block_fine") == "STOP_SUCCESS")
        assert "STOP_SUCCESS" in screen_text(pilot)
        assert table(pilot).cursor_key == key  # the cursor stayed on the task
    records = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert records[-1]["operation"] == "StopReal3DTask"
    assert records[-1]["outcome"] == "ok" and records[-1]["targets"] == [key]
    assert records[-1]["request_id"]


async def test_declining_the_confirmation_sends_nothing(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await select(pilot, "east_block_fine")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await pilot.pause(0.3)
        assert sim.request_log.count(operation="StopReal3DTask") == 0
        assert task_state(pilot, "east_block_fine") == "RUNNING"


async def test_delete_needs_the_typed_name(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        key = await select(pilot, "西区_重建_v2")  # FAILED: deletable
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, TypedConfirmDialog))
        await pilot.press(*"wrong", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmDialog)  # still asking
        dialog = app.screen
        box = dialog.query_one("Input")
        box.value = "西区_重建_v2"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: key not in table(pilot))


async def test_bulk_stop_with_mixed_states_only_stops_running(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await select(pilot, "east_block_fine")  # RUNNING
        await pilot.press("space")
        await select(pilot, "east_block_mesh")  # SUCCESS
        await pilot.press("space")
        assert len(table(pilot).marked_keys) == 2
        assert app.screen.check_action("stop", ()) is True  # one of them can stop
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: task_state(pilot, "east_block_fine") == "STOPPING")
        assert task_state(pilot, "east_block_mesh") == "SUCCESS"


async def test_api_error_is_shown_with_its_code(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        key = await select(pilot, "西区_停止测试")  # STOP_SUCCESS: startable
        ws = app.screen.workspace_id
        sim.faults.set(error_rates={500: 1.0}, path_prefix=f"/v1/real3d/{ws}/tasks/{key}/start")
        await pilot.press("s")
        await wait_for(pilot, lambda: any("failed" in n.lower() for n in notices(pilot)))
        assert any("500" in n or "KMP" in n or "GATEWAY" in n for n in notices(pilot))
        sim.faults.clear()


async def test_update_form_validates_before_sending(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        await select(pilot, "西区_重建_v2")  # FAILED: updatable
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskUpdateForm))
        form = app.screen
        form.query_one("#key_point_limit").value = "12"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, TaskUpdateForm)
        assert "key_point_limit" in screen_text(pilot)
        assert sim.request_log.count(operation="UpdateReal3DTask") == 0
        form.query_one("#key_point_limit").value = "50000"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: task_state(pilot, "西区_重建_v2") == "INIT")


async def test_read_only_disables_every_mutation(make_app: Any) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await select(pilot, "east_block_fine")
        for action in ("start", "stop", "update", "delete", "archive", "start_at"):
            assert app.screen.check_action(action, ()) is None, action
        await pilot.press("x")
        await pilot.pause()
        assert any("read-only" in n for n in notices(pilot))
        assert "READ-ONLY" in screen_text(pilot)


async def test_enter_opens_detail_and_escape_returns(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await open_workspace(pilot, "river_corridor")
        key = await select(pilot, "river_bridge_ctrl")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        text = screen_text(pilot)
        assert "river_bridge_ctrl" in text and key in text and "Modeling params" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TasksScreen")
        assert table(pilot).cursor_key == key


async def test_quick_filter_and_text_filter(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        await pilot.press("3")  # failed only
        await pilot.pause()
        assert table(pilot).row_count == 2
        await pilot.press("1", "slash", *"nerf", "enter")
        await pilot.pause()
        assert table(pilot).row_count == 2
        assert "nerf" in screen_text(pilot)


async def test_o_sorts_by_each_column_on_screen_and_shift_o_reverses(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        vt = table(pilot)
        shown = [c.key for c in vt.shown_columns]
        # 80 columns: the table fits without sideways scrolling; low-priority columns wait
        # for a wider terminal (or the detail screen).
        assert shown[:4] == ["name", "state", "progress", "stage"] and "created" not in shown
        assert vt.virtual_size.width <= 80
        seen = []
        for _ in shown:
            await pilot.press("o")
            await pilot.pause()
            seen.append(vt.sort_column)
        assert seen == shown  # every column on screen, in order
        await pilot.press("o")  # wraps around to the name
        await pilot.pause()
        names = [vt.get_row(k).task_name for k in vt.keys_in_order()]
        assert vt.sort_column == "name" and names == sorted(names, key=str.lower)
        assert "Name ▲" in screen_text(pilot)
        await pilot.press("O")
        await pilot.pause()
        assert [vt.get_row(k).task_name for k in vt.keys_in_order()] == names[::-1]
        assert "Name ▼" in screen_text(pilot)
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        assert "created" in [c.key for c in vt.shown_columns]
        assert "Created" in screen_text(pilot)
