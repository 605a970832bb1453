"""The spur screen against the simulator: known images, spurs with pixel coordinates, control
points with spur counts, gating with reasons, add/delete spur, marker file, GCP import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from koomap_tui.ui.forms.base import PromptDialog
from koomap_tui.ui.forms.real3d import SpurForm
from koomap_tui.ui.navigation import navigate
from koomap_tui.ui.screens.spurs import SpursScreen
from koomap_tui.ui.tablekit import all_rows
from koomap_tui.ui.widgets.dialogs import ConfirmDialog
from tests.ui.helpers import notices, open_workspace, screen_text, select, wait_for

EAST = "survey_east_2024"
CTRL = "east_block_ctrl"  # REAL3D-CTRL in BUNDLE_SUCCESS; 2 GCPs spurred on 3 images each
IMAGE = "1790000000000000001"  # holds a spur of the first GCP


async def open_spurs(pilot: Pilot[Any], task: str, workspace: str = EAST) -> SpursScreen:
    await open_workspace(pilot, workspace)
    await select(pilot, task)
    assert navigate(pilot.app, "spurs")  # type: ignore[arg-type]
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SpursScreen))
    screen = pilot.app.screen
    assert isinstance(screen, SpursScreen)
    await wait_for(pilot, lambda: screen.loaded)
    return screen


async def push_spurs(pilot: Pilot[Any], workspace: str, task: str) -> SpursScreen:
    """Open the screen straight over the start screen (faster than walking the tables)."""
    client = pilot.app.ctx.client  # type: ignore[attr-defined]
    page = await client.list_common_workspace(limit=100)
    ws = next(w.workspace_id for w in page.data if w.workspace_name == workspace)
    tasks = await client.list_tasks_in_workspace(ws, task_name=task, limit=100)
    found = next(t for t in tasks.tasks if t.task_name == task)
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "WorkspacesScreen")
    screen = SpursScreen(ws, found)
    await pilot.app.push_screen(screen)
    await wait_for(pilot, lambda: screen.loaded)
    return screen


async def answer_prompt(pilot: Pilot[Any], key: str, text: str) -> None:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PromptDialog))
    pilot.app.screen.query_one("Input").value = text  # type: ignore[attr-defined]
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, PromptDialog))


def audit_ops(tmp_path: Path) -> list[tuple[str, str]]:
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    records = map(json.loads, lines)
    return [(r["operation"], r["outcome"]) for r in records if r["outcome"] != "intent"]


async def test_images_spurs_points_and_marker_file(make_app: Any, sim: Any, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(160, 44)) as pilot:
        screen = await open_spurs(pilot, CTRL)
        text = screen_text(pilot)
        assert "BUNDLE_SUCCESS" in text and "editing allowed" in text
        assert "cannot list a task's images" in text
        # No spur known yet: the marker file is refused, with the reason.
        assert screen.check_action("marker", ()) is None
        await pilot.press("m")
        await pilot.pause()
        assert any("add spurs first" in n for n in notices(pilot))
        assert sim.request_log.count(operation="CreateMarkerInfo") == 0

        await answer_prompt(pilot, "o", IMAGE)
        await wait_for(pilot, lambda: len(all_rows(screen.table_for("spurs"))) == 1)
        await wait_for(pilot, lambda: "3 images" in screen_text(pilot))
        text = screen_text(pilot)
        assert f"Spurs on image {IMAGE}" in text
        assert "1024.50000" in text and "768.25000" in text  # pixel coordinates
        assert "114.0578123" in text and "22.5431456" in text
        assert sim.request_log.count(operation="ListSpurPoints") >= 1
        assert sim.request_log.count(operation="ShowSpurCount") >= 1

        assert screen.check_action("marker", ()) is True
        await pilot.press("m")
        await wait_for(pilot, lambda: any("marker file generated" in n for n in notices(pilot)))

        await answer_prompt(pilot, "o", "17900000000000000XX")  # a typo: forget it again
        assert screen.selected_image() == "17900000000000000XX"
        await pilot.press("f")
        await pilot.pause()
        assert screen.workbench.images == [IMAGE]
        assert any("forgotten" in n for n in notices(pilot))
    assert ("CreateMarkerInfo", "ok") in audit_ops(tmp_path)


async def test_editing_is_refused_outside_bundle_success_with_the_reason(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 44)) as pilot:
        screen = await open_spurs(pilot, "east_block_mesh")  # UNCTRL, SUCCESS
        assert "needs a REAL3D-CTRL task" in screen_text(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, SpurForm)
        assert any("edit spurs needs a REAL3D-CTRL task" in n for n in notices(pilot))
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TasksScreen")
        await select(pilot, "east_block_ctrl_at")  # CTRL, RUNNING (AT only)
        assert navigate(app, "spurs")
        await wait_for(pilot, lambda: isinstance(app.screen, SpursScreen) and app.screen.loaded)
        screen = app.screen
        assert isinstance(screen, SpursScreen)
        for action in ("add", "marker"):
            assert screen.check_action(action, ()) is None
        await pilot.press("a")
        await pilot.pause()
        assert any("cannot edit spurs" in n and "运行中" in n for n in notices(pilot))


async def test_read_only_refuses_spur_edits(make_app: Any) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(160, 44)) as pilot:
        screen = await push_spurs(pilot, EAST, CTRL)
        assert screen.check_action("add", ()) is None
        await pilot.press("a")
        await pilot.pause()
        assert any("read-only" in n for n in notices(pilot))


async def test_add_spur_validates_then_adds_and_delete_asks_first(
    make_app: Any, sim: Any, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 44)) as pilot:
        screen = await push_spurs(pilot, EAST, CTRL)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, SpurForm))
        form = app.screen
        values = {
            "image_code": "1790000000000000099",
            "point_width": "-1",
            "point_height": "200.5",
            "longitude": "114.2",
            "latitude": "22.6",
            "height": "20000000",
            "accuracy": "100",
        }
        for field, value in values.items():
            form.query_one(f"#{field}").value = value  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        errors = str(form.query_one("#errors").render())
        assert "Pixel position must be between 0" in errors
        assert "Height must be between" in errors and "Accuracy must be between 0 and 100" in errors
        assert sim.request_log.count(operation="AddSpurPoint") == 0
        form.query_one("#point_width").value = "512"  # type: ignore[attr-defined]
        form.query_one("#height").value = "12.5"  # type: ignore[attr-defined]
        form.query_one("#accuracy").value = "0.5"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(all_rows(screen.table_for("spurs"))) == 1)
        spur = all_rows(screen.table_for("spurs"))[0]
        assert spur.image_code == "1790000000000000099" and str(spur.point_width) == "512"
        assert screen.selected_image() == "1790000000000000099"  # remembered and selected
        await wait_for(pilot, lambda: "1 image" in screen_text(pilot))

        screen.table_for("spurs").focus()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await pilot.pause(0.2)
        assert sim.request_log.count(operation="DeleteSpurPoint") == 0
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: len(all_rows(screen.table_for("spurs"))) == 0)
        assert screen.check_action("delete", ()) is None
        await pilot.press("d")
        await pilot.pause()
        assert any("select a spur" in n for n in notices(pilot))
    assert audit_ops(tmp_path) == [("AddSpurPoint", "ok"), ("DeleteSpurPoint", "ok")]


async def test_gcp_import_refuses_bad_rows_then_imports_and_remembers(
    make_app: Any, tmp_path: Path
) -> None:
    gcp_dir = tmp_path / "gcp"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,x,y,height,accuracy\nGCP1,114.0578123,22.5431456,41.200,0.05\n"
        "GCP2,114.1,22.6,10,120\nGCP3,abc,22.6,10,1\n",
        encoding="utf-8",
    )
    good = tmp_path / "good.txt"
    good.write_bytes(
        "\ufeff点名\t经度\t纬度\t高程\t精度\nGCP1\t114.0578123\t22.5431456\t41.200\t0.05\n"
        "新点\t114.3\t22.7\t15\t0.5\n".encode()
    )
    app = make_app(gcp_dir=gcp_dir)
    async with app.run_test(size=(160, 44)) as pilot:
        screen = await push_spurs(pilot, EAST, CTRL)
        await answer_prompt(pilot, "i", str(bad))
        await wait_for(pilot, lambda: bool(screen.import_errors))
        assert "line 3: accuracy 120 is out of range (0, 100)" in screen.import_errors
        assert "line 4: x 'abc' is not a number" in screen.import_errors
        assert any("nothing imported" in n for n in notices(pilot))
        assert all_rows(screen.table_for("points")) == []  # all or nothing
        assert "line 3: accuracy 120" in screen_text(pilot)

        await answer_prompt(pilot, "i", str(tmp_path / "missing.csv"))
        assert any("Import failed" in n for n in notices(pilot))

        await answer_prompt(pilot, "i", str(good))
        await wait_for(pilot, lambda: len(all_rows(screen.table_for("points"))) == 2)
        assert screen.import_errors == []
        await wait_for(pilot, lambda: "3 images" in screen_text(pilot))
        text = screen_text(pilot)
        assert "GCP1" in text and "新点" in text and "0 images" in text
        assert screen.check_action("marker", ()) is True  # GCP1 is spurred on the server
        saved = json.loads((gcp_dir / f"{screen.task_obj.task_id}.json").read_text())
        assert [p["name"] for p in saved["points"]] == ["GCP1", "新点"]
        assert oct((gcp_dir / f"{screen.task_obj.task_id}.json").stat().st_mode & 0o777) == "0o600"
        await answer_prompt(pilot, "o", IMAGE)
        await pilot.press("escape")
        again = await push_spurs(pilot, EAST, CTRL)  # a new screen reads the workbench file
        assert again is not screen
        assert [p.name for p in again.workbench.points] == ["GCP1", "新点"]
        assert again.workbench.images == [IMAGE]


async def test_a_workbench_file_that_cannot_be_read_or_written_is_a_notice(
    make_app: Any, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    app = make_app(gcp_dir=damaged)
    async with app.run_test(size=(160, 44)) as pilot:
        task_id = (await push_spurs(pilot, EAST, CTRL)).task_obj.task_id
        await pilot.press("escape")
        saved = damaged / f"{task_id}.json"
        saved.write_text("{not json", encoding="utf-8")
        screen = await push_spurs(pilot, EAST, CTRL)
        ignored = f"Saved control points ignored: {saved}: nothing imported: "
        assert any(n.startswith(ignored) for n in notices(pilot))
        assert screen.workbench.images == [] and "No image known yet" in screen_text(pilot)
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")  # the directory to write in is a file
    app = make_app(gcp_dir=blocker)
    async with app.run_test(size=(160, 44)) as pilot:
        screen = await push_spurs(pilot, EAST, CTRL)
        assert not any("control points" in n for n in notices(pilot))
        await answer_prompt(pilot, "o", IMAGE)
        await wait_for(pilot, lambda: len(all_rows(screen.table_for("spurs"))) == 1)
        unsaved = f"Could not save control points: {blocker / task_id}.json: "
        assert any(n.startswith(unsaved) for n in notices(pilot))
        assert screen.workbench.images == [IMAGE]  # kept for the session all the same
