"""The satellite task screen against the simulator: states, overview, every gated action
(allowed ones act and move the state, refused ones say why), archive toggle, validation and
the create flow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from koomap_tui.domain.policy import Kind
from koomap_tui.domain.states import state_info
from koomap_tui.ui.forms.satellite import (
    ImagePicker,
    ResultsTable,
    SatelliteCreateForm,
    ValidateDialog,
)
from koomap_tui.ui.screens.satellite import SatelliteScreen
from koomap_tui.ui.tablekit import all_rows
from koomap_tui.ui.widgets.dialogs import ConfirmDialog, TypedConfirmDialog
from tests.ui.helpers import notices, screen_text, table, wait_for

WS = "卫星影像_华北"


async def open_satellite(pilot: Pilot[Any]) -> SatelliteScreen:
    app = pilot.app
    await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
    await wait_for(pilot, lambda: table(pilot).total_row_count > 0)
    ws = next(w for w in all_rows(table(pilot)) if w.workspace_name == WS)
    app.push_screen(SatelliteScreen(ws.workspace_id, ws.workspace_name))
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, SatelliteScreen) and bool(app.screen.query("#sat-tasks")),
    )
    await wait_for(pilot, lambda: table(pilot).total_row_count > 0)
    screen = app.screen
    assert isinstance(screen, SatelliteScreen)
    return screen


def state_of(pilot: Pilot[Any], name: str) -> str | None:
    for task in all_rows(table(pilot)):
        if task.task_name == name:
            return str(getattr(task.task_status, "value", task.task_status))
    return None


async def select(pilot: Pilot[Any], name: str) -> str:
    key = next(t.task_id for t in all_rows(table(pilot)) if t.task_name == name)
    assert table(pilot).move_cursor_to_key(key)
    await pilot.pause()
    return key


def audit_records(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "audit.jsonl"
    records = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    return [r for r in records if r["outcome"] != "intent"]  # outcome records only


async def test_lists_states_overview_and_archive_toggle(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await open_satellite(pilot)
        await wait_for(pilot, lambda: screen.overview is not None)
        await pilot.pause()
        text = screen_text(pilot)
        for word in (
            "INIT", "START_RUNNING", "RUNNING", "SUCCESS", "FAILED", "STOPPING",
            "STOP_SUCCESS", "STOP_FAILED",
        ):  # fmt: skip
            assert word in text, word
        assert "ARCHIVED" not in {state_of(pilot, t.task_name) for t in all_rows(table(pilot))}
        assert "total 10 · finished" in text  # ShowTaskOverview counts archived tasks too
        assert "archived 1" in text  # taskNumVo
        assert "华北_failed_L2" in text and "L2" in text
        for task in all_rows(table(pilot)):  # glyph + word + the theme's state colour
            cell = screen.state_cell(task)
            info = state_info(Kind.SATELLITE_TASK, task.task_status)
            assert cell.plain == f"{info.glyph} {info.state}" and str(cell.style)
        assert state_of(pilot, "华北_archived_L2") is None
        await pilot.press("A")
        await wait_for(pilot, lambda: state_of(pilot, "华北_archived_L2") == "ARCHIVED")
        assert "archived shown" in screen_text(pilot)
        await pilot.press("A")
        await wait_for(pilot, lambda: state_of(pilot, "华北_archived_L2") is None)


async def test_refused_actions_are_dimmed_and_say_why(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await open_satellite(pilot)
        await select(pilot, "gf2_city_centre_L2")  # SUCCESS
        for action in ("start", "stop", "delete", "unarchive"):
            assert screen.check_action(action, ()) is None, action
        assert screen.check_action("archive", ()) is True
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("Z")
        await pilot.pause()
        said = notices(pilot)
        assert any("cannot unarchive" in n for n in said)
        assert any("cannot stop" in n for n in said)
        assert any("can only be archived" in n for n in said)
        assert any("cannot start" in n for n in said)
        await select(pilot, "华北_running_L4")
        await pilot.press("d")
        await pilot.pause()
        assert any("stop it first" in n.lower() or "cannot delete" in n for n in notices(pilot))
        assert not isinstance(app.screen, TypedConfirmDialog)
        for op in ("StartTask", "StopTask", "DeleteTask", "UpdateTaskArchivedStatus"):
            assert sim.request_log.count(operation=op) == 0


async def test_start_moves_the_state_and_is_audited(
    make_app: Any, sim: Any, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await open_satellite(pilot)
        key = await select(pilot, "华北_init_L2")
        await pilot.press("s")
        await wait_for(pilot, lambda: state_of(pilot, "华北_init_L2") == "START_RUNNING")
        await wait_for(pilot, lambda: app.ctx.runner.pending_for("satellite_task", key) is None)  # type: ignore[arg-type]
        assert "START_RUNNING" in screen_text(pilot)
    rec = audit_records(tmp_path)[-1]
    assert rec["operation"] == "StartTask" and rec["outcome"] == "ok"
    assert rec["targets"] == [key] and rec["request_id"]


async def test_stop_asks_and_shows_pending_then_stopping(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await open_satellite(pilot)
        key = await select(pilot, "华北_running_L4")
        # A slow answer keeps the call in flight long enough to look at it on a busy machine.
        sim.faults.set(latency_ms=4000, path_prefix="/v1/kmp-control/tasks/stop")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        runner = app.ctx.runner
        await wait_for(pilot, lambda: runner.pending_for("satellite_task", key) is not None)  # type: ignore[arg-type]
        cell = screen.state_cell(screen.table.get_row(key)).plain
        assert "stopping" in cell and "⏳" in cell
        await pilot.press("x")  # refused while in flight
        await pilot.pause()
        assert any("in flight" in n for n in notices(pilot))
        await wait_for(pilot, lambda: state_of(pilot, "华北_running_L4") == "STOPPING", 20)
        sim.faults.clear()
        await wait_for(pilot, lambda: app.ctx.runner.pending_for("satellite_task", key) is None)  # type: ignore[arg-type]
        assert sim.request_log.count(operation="StopTask") == 1


async def test_archive_hides_then_unarchive_from_the_archived_view(
    make_app: Any, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await open_satellite(pilot)
        key = await select(pilot, "gf2_city_centre_L2")
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: key not in table(pilot))
        await pilot.press("A")
        await wait_for(pilot, lambda: state_of(pilot, "gf2_city_centre_L2") == "ARCHIVED")
        await select(pilot, "gf2_city_centre_L2")
        assert screen.check_action("archive", ()) is None
        await pilot.press("z")
        await pilot.pause()
        assert any("already archived" in n for n in notices(pilot))
        await pilot.press("Z")
        await wait_for(pilot, lambda: state_of(pilot, "gf2_city_centre_L2") == "SUCCESS")
    ops = [(r["operation"], r["outcome"]) for r in audit_records(tmp_path)]
    assert ops == [("UpdateTaskArchivedStatus", "ok")] * 2


async def test_delete_needs_the_typed_name(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await open_satellite(pilot)
        key = await select(pilot, "华北_failed_L2")
        failed = next(t for t in all_rows(table(pilot)) if t.task_id == key)
        assert failed.fail_message and f"failed: {failed.fail_message}" in screen_text(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, TypedConfirmDialog))
        await pilot.press(*"nope", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmDialog)
        assert sim.request_log.count(operation="DeleteTask") == 0
        app.screen.query_one("Input").value = "华北_failed_L2"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: key not in table(pilot))
        assert sim.request_log.count(operation="DeleteTask") == 1


async def test_api_refusal_is_reported_with_its_code(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await open_satellite(pilot)
        await select(pilot, "华北_stop_success_L4")
        sim.faults.set(error_rates={500: 1.0}, path_prefix="/v1/kmp-control/tasks/start")
        await pilot.press("s")
        await wait_for(pilot, lambda: any("StartTask failed" in n for n in notices(pilot)))
        sim.faults.clear()
        assert state_of(pilot, "华北_stop_success_L4") == "STOP_SUCCESS"


async def _images(pilot: Pilot[Any], form: Any) -> dict[str, str]:
    picker = form.query_one(ImagePicker)
    await wait_for(pilot, lambda: picker.loaded)
    return {i.image_name: i.image_id for i in picker.images.values()}


async def test_validate_shows_per_file_results(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 50)) as pilot:
        await open_satellite(pilot)
        await select(pilot, "华北_init_L2")
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, ValidateDialog))
        dialog = app.screen
        images = await _images(pilot, dialog)
        picker = dialog.query_one(ImagePicker)
        assert len(picker.selected) == 2  # pre-filled from the task's data ids
        # A GF1 image mixed with GF2 ones: the service answers 400 with the per-file array.
        gf1 = next(v for k, v in images.items() if k.startswith("GF1_"))
        picker.select_ids([gf1])
        await pilot.pause()
        await pilot.press("f5")
        await wait_for(pilot, lambda: dialog.results is not None)
        await pilot.pause()
        text = screen_text(pilot)
        assert "卫星型号不一致" in text and gf1 in text
        assert "failed validation" in text
        assert "_L2" in text  # product image names
        assert dialog.query_one(ResultsTable).row_count == 3
        assert sim.request_log.count(operation="ValidateImage") == 1
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SatelliteScreen))


async def test_create_validates_first_then_creates(make_app: Any, sim: Any, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        screen = await open_satellite(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, SatelliteCreateForm))
        form = app.screen
        assert isinstance(form, SatelliteCreateForm)
        images = await _images(pilot, form)
        pan = images["GF2_20240403_scene09_PAN"]
        mss = images["GF2_20240403_scene09_MSS"]
        other = images["GF1_20240402_scene08_MSS"]
        form.query_one("#task_name").value = "bad name!"  # type: ignore[attr-defined]
        await pilot.press("f5")
        await pilot.pause()
        assert "Task name may only contain" in screen_text(pilot)
        assert sim.request_log.count(operation="ValidateImage") == 0
        form.query_one("#task_name").value = "新建_scene09"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "validate the images first" in screen_text(pilot)
        # A mismatched selection fails validation and cannot be created.
        form.query_one(ImagePicker).select_ids([pan, other])
        await pilot.pause()
        await pilot.press("f5")
        await wait_for(pilot, lambda: form.results is not None)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "failed validation" in screen_text(pilot)
        # Fix it: PAN + MSS of the same scene.
        picker = form.query_one(ImagePicker)
        picker.query_one("#image-list").deselect(other)  # type: ignore[attr-defined]
        picker.select_ids([mss])
        await pilot.pause()
        assert picker.selected == [pan, mss]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "validate again" in screen_text(pilot)
        form.query_one("#production_level").value = "L3"  # type: ignore[attr-defined]
        await pilot.press("f5")
        await wait_for(pilot, lambda: form.results is not None and form.product_names != [])
        await pilot.pause()
        assert form.product_names == ["GF2_20240403_scene09_L3"]
        assert "passed validation" in screen_text(pilot)
        form.query_one("#alias-0").value = "scene09_out"  # type: ignore[attr-defined]
        form.query_one("#is_clip").value = True  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "shape_id" in screen_text(pilot) or "vector file" in screen_text(pilot).lower()
        form.query_one("#is_clip").value = False  # type: ignore[attr-defined]
        form.query_one("#csv_ids").value = "beef0000beef0000beef0000beef0001"  # type: ignore[attr-defined]
        assert sim.request_log.count(operation="CreateTask") == 0
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SatelliteScreen))
        await wait_for(pilot, lambda: state_of(pilot, "新建_scene09") == "INIT")
        task = next(t for t in all_rows(table(pilot)) if t.task_name == "新建_scene09")
        assert task.origin_data_alias == "scene09_out"
        assert _level(task) == "L3"
        await wait_for(pilot, lambda: screen.table.cursor_key == task.task_id)
    rec = audit_records(tmp_path)[-1]
    assert rec["operation"] == "CreateTask" and rec["outcome"] == "ok"


def _level(task: Any) -> str:
    return str(getattr(task.production_level, "value", task.production_level))


async def test_read_only_refuses_every_change(make_app: Any) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await open_satellite(pilot)
        await select(pilot, "华北_init_L2")
        for action in ("create", "start", "delete"):
            assert screen.check_action(action, ()) is None, action
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, SatelliteCreateForm)
        assert any("read-only" in n for n in notices(pilot))
        await pilot.press("v")  # validation changes nothing: still available
        await wait_for(pilot, lambda: isinstance(app.screen, ValidateDialog))


async def test_colon_sat_opens_the_current_workspace(make_app: Any) -> None:
    from koomap_tui.ui.navigation import navigate

    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        await wait_for(pilot, lambda: table(pilot).total_row_count > 0)
        assert not navigate(app, "sat")  # no workspace chosen yet: says so
        await pilot.pause()
        assert any("choose a workspace" in n for n in notices(pilot))
        ws = next(w for w in all_rows(table(pilot)) if w.workspace_name == WS)
        assert table(pilot).move_cursor_to_key(ws.workspace_id)
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TasksScreen")
        assert navigate(app, "sat")
        await wait_for(pilot, lambda: isinstance(app.screen, SatelliteScreen))
        screen = app.screen
        assert isinstance(screen, SatelliteScreen)
        assert screen.workspace_id == ws.workspace_id and screen.workspace_name == WS
        await wait_for(pilot, lambda: bool(screen.query("#sat-tasks")))
        await wait_for(pilot, lambda: screen.table.total_row_count == 9)
        assert "satellite" in screen_text(pilot)


async def test_bulk_start_asks_and_starts_only_the_startable(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await open_satellite(pilot)
        for name in ("华北_init_L2", "华北_stop_success_L4", "华北_success_L5"):
            await select(pilot, name)
            await pilot.press("space")
        assert len(table(pilot).marked_keys) == 3
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "Start 2 tasks" in screen_text(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: state_of(pilot, "华北_stop_success_L4") == "START_RUNNING")
        await wait_for(pilot, lambda: state_of(pilot, "华北_init_L2") == "START_RUNNING")
        assert state_of(pilot, "华北_success_L5") == "SUCCESS"
        assert sim.request_log.count(operation="StartTask") == 2


async def test_help_lists_keys_with_reasons(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await open_satellite(pilot)
        await select(pilot, "华北_running_L4")
        rows = {
            description: (allowed, reason) for _, description, allowed, reason in screen.help_rows()
        }
        assert rows["Stop"] == (True, None)
        assert rows["Start"][0] is False and "cannot start" in (rows["Start"][1] or "")
        assert rows["Delete"][0] is False and "stop it first" in (rows["Delete"][1] or "").lower()
        assert rows["New"] == (True, None)
        await pilot.press("question_mark")
        await pilot.pause(0.3)
        assert "cannot start" in screen_text(pilot)


async def test_a_count_the_server_left_out_is_said_as_unknown(make_app: Any) -> None:
    from koomap_tui.api.models.satellite import SatelliteTaskOverview, TaskNumVo

    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await open_satellite(pilot)
        await wait_for(pilot, lambda: "server: running" in screen_text(pilot))
        screen.overview = SatelliteTaskOverview.model_validate({"total": 4, "finished": None})
        screen.counts = TaskNumVo.model_validate({"runningNum": None, "failedNum": 2})
        said = [t.plain for t in screen.summary_items() if t.plain.startswith("server:")]
        assert said == [
            "server: total 4 · finished ? · unfinished 0 · neither 4",
            "server: running ? · success 0 · failed 2 · archived 0",
        ]
