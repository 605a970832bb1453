"""The refinement-subtask screen against the simulator: states, gating with reasons, create /
start / stop / delete with confirmation, the upload-status flow, refined products, audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from koomap_tui.ui.forms.real3d import SubtaskNameForm, UploadMarkDialog
from koomap_tui.ui.navigation import navigate
from koomap_tui.ui.screens.subtasks import SubtasksScreen
from koomap_tui.ui.tablekit import all_rows
from koomap_tui.ui.widgets.dialogs import ConfirmDialog, TypedConfirmDialog
from koomap_tui.ui.widgets.read_dialog import ReadDialog
from tests.ui.helpers import notices, open_workspace, screen_text, select, table, wait_for

CITY = "城市更新_一期"
NERF_A = "西区_nerf_建模"  # SUCCESS, 7 subtasks (INIT … STARTING, one SUCCESS)
NERF_B = "老城区_nerf"  # SUCCESS, 6 subtasks (START_FAILED … STOP_SUCCESS)


async def open_subtasks(pilot: Pilot[Any], workspace: str, task: str) -> SubtasksScreen:
    await open_workspace(pilot, workspace)
    await select(pilot, task)
    assert navigate(pilot.app, "sub")  # type: ignore[arg-type]
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SubtasksScreen))
    screen = pilot.app.screen
    assert isinstance(screen, SubtasksScreen)
    await wait_for(pilot, lambda: screen.loaded)
    return screen


async def push_subtasks(pilot: Pilot[Any], workspace: str, task: str) -> SubtasksScreen:
    """Open the screen straight over the start screen (faster than walking the tables)."""
    client = pilot.app.ctx.client  # type: ignore[attr-defined]
    page = await client.list_common_workspace(limit=100)
    ws = next(w.workspace_id for w in page.data if w.workspace_name == workspace)
    tasks = await client.list_tasks_in_workspace(ws, task_name=task, limit=100)
    found = next(t for t in tasks.tasks if t.task_name == task)
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "WorkspacesScreen")
    screen = SubtasksScreen(ws, found)
    await pilot.app.push_screen(screen)
    await wait_for(pilot, lambda: screen.loaded)
    return screen


def sub_state(screen: SubtasksScreen, name: str) -> str:
    sub = next(s for s in all_rows(screen.table) if s.subtask_name == name)
    return str(getattr(sub.subtask_status, "value", sub.subtask_status))


async def put_cursor(pilot: Pilot[Any], screen: SubtasksScreen, name: str) -> str:
    key = next(s.subtask_id for s in all_rows(screen.table) if s.subtask_name == name)
    assert screen.table.move_cursor_to_key(key)
    await pilot.pause()
    return key


def audit(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "audit.jsonl"
    records = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    return [r for r in records if r["outcome"] != "intent"]  # outcome records only


async def test_lists_subtasks_with_state_words_paths_and_refined_products(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(220, 40)) as pilot:
        screen = await open_subtasks(pilot, CITY, NERF_B)
        await wait_for(pilot, lambda: bool(screen.refine_status))
        text = screen_text(pilot)
        for word in ("START_FAILED", "RUNNING", "SUCCESS", "FAILED", "STOPPING", "STOP_SUCCESS"):
            assert word in text
        assert "精修_完成" in text and "obs://koomap-refine-upload/" in text
        assert "available" in text  # the SUCCESS subtask's refined product
        assert "(none yet)" in text  # subtasks that produced nothing yet
        assert "Post-processing failed" in text  # fail_message of the FAILED one
        assert "6 of 10" in text and "create allowed" in text
        await put_cursor(pilot, screen, "精修_失败")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReadDialog))
        detail = screen_text(pilot)
        assert "extent." in detail and "obs://koomap-refine-upload/" in detail  # untruncated
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)


async def test_unreadable_refined_products_are_said_and_r_reads_them_again(
    make_app: Any, sim: Any
) -> None:
    sim.faults.set(error_rates={500: 1.0}, path_prefix="/v1/real3d/refineproducts")
    app = make_app()
    async with app.run_test(size=(220, 40)) as pilot:
        screen = await push_subtasks(pilot, CITY, NERF_B)
        await wait_for(pilot, lambda: "refined products unavailable" in screen_text(pilot))
        assert "(?)" in screen_text(pilot) and not screen.refine_status
        sim.faults.clear()
        await pilot.press("r")
        await wait_for(pilot, lambda: "refined products unavailable" not in screen_text(pilot))
        assert "available" in screen.refine_status.values()


async def test_every_action_is_gated_with_a_reason(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await push_subtasks(pilot, CITY, NERF_A)
        await put_cursor(pilot, screen, "refine_init")  # INIT
        assert screen.check_action("start", ()) is None
        assert screen.check_action("stop", ()) is None
        assert screen.check_action("delete", ()) is True
        assert screen.check_action("upload", ()) is True
        assert screen.check_action("create", ()) is True
        await pilot.press("s")
        await pilot.pause()
        assert any("upload the refined model first" in n for n in notices(pilot))
        await put_cursor(pilot, screen, "refine_uploading")  # UPLOADING
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, TypedConfirmDialog)
        assert any("wait for the upload to finish" in n for n in notices(pilot))
        await put_cursor(pilot, screen, "refine_queued")  # PENDING
        await pilot.press("u")
        await pilot.pause()
        assert not isinstance(app.screen, UploadMarkDialog)
        assert any("cannot upload" in n for n in notices(pilot))
        assert screen.check_action("stop", ()) is True
        rows = {r[1]: r for r in screen.help_rows()}
        assert rows["Delete"][2] is False and "cannot delete" in (rows["Delete"][3] or "")


async def test_create_validates_name_uniqueness_then_creates(
    make_app: Any, sim: Any, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await push_subtasks(pilot, CITY, NERF_A)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, SubtaskNameForm))
        form = app.screen
        await pilot.press(*"bad name", "enter")
        await pilot.pause()
        assert "may only contain" in str(form.query_one("#errors").render())
        form.query_one("#subtask_name").value = "REFINE_INIT"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SubtaskNameForm)
        assert "already exists" in str(form.query_one("#errors").render())
        assert sim.request_log.count(operation="CreateReal3DSubTask") == 0
        form.query_one("#subtask_name").value = "refine_round2"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(
            s.subtask_name == "refine_round2" for s in all_rows(screen.table)
        ))  # fmt: skip
        assert sub_state(screen, "refine_round2") == "INIT"
        assert "8 of 10" in screen_text(pilot)
    record = audit(tmp_path)[-1]
    assert record["operation"] == "CreateReal3DSubTask" and record["outcome"] == "ok"


async def test_create_refused_at_ten_subtasks(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await push_subtasks(pilot, CITY, NERF_A)
        client = app.ctx.client
        for i in range(10 - len(all_rows(screen.table))):
            await client.create_real3d_subtask(
                screen.workspace_id, screen.task_obj.task_id, f"x{i}"
            )
        screen.poller.refresh_now()
        await wait_for(pilot, lambda: len(all_rows(screen.table)) == 10)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, SubtaskNameForm)
        assert any("at most 10 subtasks" in n for n in notices(pilot))


async def test_mesh_task_opens_and_says_why_it_is_empty(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await push_subtasks(pilot, CITY, "西区_倾斜建模")  # Mesh, SUCCESS
        await pilot.pause()
        text = screen_text(pilot)
        assert "exist only for Nerf tasks" in text and "Mesh" in text
        await pilot.press("n")
        await pilot.pause()
        assert any("needs a Nerf task" in n for n in notices(pilot))
        assert not isinstance(app.screen, SubtaskNameForm)


async def test_create_on_unfinished_nerf_task_is_refused(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await push_subtasks(pilot, "river_corridor", "river_nerf_live")  # Nerf, RUNNING
        await pilot.press("n")
        await pilot.pause()
        assert any("cannot create subtask" in n and "运行中" in n for n in notices(pilot))
        assert "no refinement subtasks; cannot create subtask" in screen_text(pilot)


async def test_upload_flow_start_then_finish_then_start_then_stop(
    make_app: Any, sim: Any, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await push_subtasks(pilot, CITY, NERF_A)
        await put_cursor(pilot, screen, "refine_init")
        await pilot.press("c")
        await pilot.pause()
        assert any("copied obs://koomap-refine-upload/" in n for n in notices(pilot))
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, UploadMarkDialog))
        assert "does not transfer files" in screen_text(pilot)
        await pilot.press("f")  # not offered from INIT: nothing happens
        await pilot.pause()
        assert isinstance(app.screen, UploadMarkDialog)
        await pilot.press("b")
        await wait_for(pilot, lambda: sub_state(screen, "refine_init") == "UPLOADING")
        assert screen.check_action("start", ()) is None
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, UploadMarkDialog))
        await pilot.press("f")
        await wait_for(pilot, lambda: sub_state(screen, "refine_init") == "UPLOAD_SUCCESS")
        key = await put_cursor(pilot, screen, "refine_init")
        # A slow answer keeps the pending mark on screen long enough to see it.
        prefix = f"/v1/real3d/{screen.workspace_id}/tasks/{screen.task_obj.task_id}/subtasks/{key}"
        sim.faults.set(latency_ms=800, path_prefix=f"{prefix}/start")
        await pilot.press("s")
        await wait_for(pilot, lambda: "⏳ starting…" in screen_text(pilot))
        assert screen.check_action("start", ()) is None  # no second start while in flight
        await wait_for(pilot, lambda: sub_state(screen, "refine_init") == "PENDING")
        sim.faults.clear()
        assert app.ctx.runner.pending_for("subtask", key) is None  # type: ignore[arg-type]
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await pilot.pause(0.2)
        assert sim.request_log.count(operation="StopReal3DSubTask") == 0
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: sub_state(screen, "refine_init") == "UPLOAD_SUCCESS")
    ops = [r["operation"] for r in audit(tmp_path)]
    assert ops == [
        "UpdateSubTaskUploadStatus(sim)",
        "UpdateSubTaskUploadStatus(sim)",
        "StartReal3DSubTask",
        "StopReal3DSubTask",
    ]


async def test_upload_failed_can_be_marked_and_retried(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await push_subtasks(pilot, CITY, NERF_A)
        await put_cursor(pilot, screen, "refine_uploading")
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, UploadMarkDialog))
        await pilot.press("e")
        await wait_for(pilot, lambda: sub_state(screen, "refine_uploading") == "UPLOAD_FAILED")
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, UploadMarkDialog))
        await pilot.press("b")
        await wait_for(pilot, lambda: sub_state(screen, "refine_uploading") == "UPLOADING")


async def test_upload_marking_is_refused_without_the_simulator(make_app: Any) -> None:
    app = make_app()
    app.ctx.demo = False  # a real endpoint: no upload-status operation
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await push_subtasks(pilot, CITY, NERF_A)
        await put_cursor(pilot, screen, "refine_init")
        await pilot.press("u")
        await pilot.pause()
        assert not isinstance(app.screen, UploadMarkDialog)
        assert any("published API has none" in n for n in notices(pilot))


async def test_delete_needs_typed_name_and_removes_refined_product(
    make_app: Any, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(220, 40)) as pilot:
        screen = await push_subtasks(pilot, CITY, NERF_B)
        key = await put_cursor(pilot, screen, "精修_完成")
        sub = next(s for s in all_rows(screen.table) if s.subtask_id == key)
        product_id = sub.refine_product_id
        await wait_for(pilot, lambda: product_id in screen.refine_status)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, TypedConfirmDialog))
        assert "refined product" in screen_text(pilot) and product_id in screen_text(pilot)
        await pilot.press(*"wrong", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmDialog)
        app.screen.query_one("Input").value = "精修_完成"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: key not in screen.table)
        await wait_for(pilot, lambda: product_id not in screen.refine_status)
        page = await app.ctx.client.list_real3d_refine_products(refine_product_id=product_id)
        assert page.refine_products == []
    record = audit(tmp_path)[-1]
    assert record["operation"] == "DeleteReal3DSubTask" and record["targets"] == [key]


async def test_read_only_refuses_every_mutation(make_app: Any) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await push_subtasks(pilot, CITY, NERF_A)
        await put_cursor(pilot, screen, "refine_init")
        for action in ("create", "upload", "delete"):
            assert screen.check_action(action, ()) is None
        await pilot.press("d")
        await pilot.pause()
        assert any("read-only" in n for n in notices(pilot))


async def test_escape_goes_back_to_the_task_table(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await open_subtasks(pilot, CITY, NERF_A)
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TasksScreen")
        assert table(pilot).total_row_count > 0
