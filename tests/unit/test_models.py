"""Contract tests of koomap_tui.api.models against the SPEC examples and its documented quirks."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

import koomap_tui.api.models as m

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
ENDPOINTS = Path(__file__).resolve().parents[1] / "data" / "endpoints.json"


def load(name: str) -> Any:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def project(dumped: Any, example: Any) -> Any:
    """``dumped`` reduced to the keys the example has, recursively."""
    if isinstance(example, dict) and isinstance(dumped, dict):
        return {key: project(dumped.get(key, "<missing>"), value) for key, value in example.items()}
    if isinstance(example, list) and isinstance(dumped, list) and len(example) == len(dumped):
        return [project(d, e) for d, e in zip(dumped, example, strict=True)]
    return dumped


# --- every SPEC example, parsed by its model, with the values that matter checked ----------


def check_error(o: Any) -> None:
    assert o.error_code == "KMP.00011004"
    assert o.error_msg == "request parameter is invalid"


def check_ws_create_req(o: Any) -> None:
    assert o.workspace_name == "survey_east_2024"
    assert o.workspace_description == "drone_batch_A"


def check_workspace(o: Any) -> None:
    assert o.workspace_id == "5f0a9c2e7b3d4e61a8c9d0e1f2a3b4c5"
    assert o.create_time == utc(2024, 3, 18, 2, 15, 40)
    assert o.create_time.tzinfo is not None
    assert o.star == 0 and not o.pinned
    assert o.can_delete is True


def check_ws_list(o: Any) -> None:
    (ws,) = o.data
    assert ws.pinned and ws.can_delete is False
    assert ws.tenant_domain_id is None  # omitted in the published example
    assert (o.page.offset, o.page.limit, o.page.total) == (0, 10, 1)


def check_overview(o: Any) -> None:
    assert (o.total_count, o.running_count, o.success_count) == (4, 1, 1)
    assert (o.failed_count, o.archived_count) == (1, 0)


def check_real3d_task(o: Any) -> None:
    assert o.task_status is m.Real3DTaskStatus.INIT
    assert o.task_type is m.Real3DTaskType.UNCTRL
    assert o.modeling_type is m.ModelingType.MESH
    # Response side: the SDK's optional strings, as sent.
    assert o.modeling_params.accuracy == m.Accuracy.HIGH
    assert o.modeling_params.key_point_limit == "40000"
    assert o.modeling_params.tie_point_limit == "4000"
    assert o.modeling_params.mesh_accuracy == "0"
    assert o.modeling_params.to_request() == m.ModelingParams.defaults()
    assert o.task_progress is None and o.at_progress is None
    assert o.exec_start_time is None
    assert o.update_time == utc(2024, 3, 18, 3)
    assert o.has_marker is False


def check_real3d_create(o: Any) -> None:
    assert o.task_type is m.Real3DTaskType.UNCTRL
    assert str(o.modeling_params.key_point_limit) == "40000"
    assert o.coordinate_sys is m.CoordinateSystem.WGS84_UTM


def check_empty(o: Any) -> None:
    assert o.model_dump() == {}


def check_subtask_create(o: Any) -> None:
    assert o.subtask_name == "refine_round1"


def check_subtask_list(o: Any) -> None:
    (sub,) = o.subtasks
    assert sub.subtask_status is m.SubTaskStatus.INIT
    assert sub.model_path == "obs://real3d-bucket/refine/a1b2c3d4"
    assert sub.subtask_progress is None
    assert sub.create_time == utc(2024, 6, 2, 8, 10)
    assert o.page.total == 1


def check_spur_add(o: Any) -> None:
    assert o.image_code == "1790000000000000001"
    assert o.point_width == Decimal("5120.50000")
    assert o.longitude == Decimal("114.0578123")
    assert o.accuracy == Decimal("0.05")


def check_spur_list(o: Any) -> None:
    (spur,) = o.spur_infos
    assert spur.id == "1790000000000000777"
    assert spur.task_id == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert spur.point_height == Decimal("3311.25000")
    assert spur.height == Decimal("41.200")


def check_folders(o: Any) -> None:
    (folder,) = o.folders
    assert folder.status is m.FolderStatus.DONE
    assert folder.create_time == utc(2024, 3, 10, 9, 12)
    assert folder.obs_path == "survey-bucket/east_block/"


def check_products(o: Any) -> None:
    (product,) = o.products
    assert product.status is m.ProductStatus.AVAILABLE
    assert [d.type for d in product.product_detail] == [
        m.ProductDetailType.MESH_OSGB,
        m.ProductDetailType.METADATA,
    ]
    assert product.product_detail[0].storage_size_byte == pytest.approx(1.2884901888e9)
    assert product.task_info is not None
    assert product.task_info.task_exec_end_time == utc(2024, 3, 18, 9, 41)
    params = product.task_info.modeling_params()
    assert params is not None and params.tie_point_limit == 4000


def check_real3d_usage(o: Any) -> None:
    (usage,) = o.data
    assert usage.usage_type is m.UsageType.REAL3D
    assert usage.usage_unit_type is m.UsageUnitType.NUMBER
    assert usage.usage == 12.5 and usage.capacity == 0.0
    assert usage.usage_measure_name == "实景三维生产服务基础版"


def check_sat_overview(o: Any) -> None:
    assert (o.total, o.finished, o.unfinished) == (10, 8, 2)


def check_sat_create(o: Any) -> None:
    assert o.is_clip is False and o.is_tile is False
    assert o.production_level is m.ProductionLevel.L2
    assert o.data_description == {"GF2_20240401_scene07_L2": None}
    assert o.shape_id is None


def check_sat_list(o: Any) -> None:
    (task,) = o.data
    assert task.task_status is m.SatelliteTaskStatus.RUNNING
    assert task.task_progress == pytest.approx(0.35)
    assert task.exec_start_time == utc(2024, 4, 2, 1, 5)
    assert task.exec_stop_time is None
    assert task.is_clip is False
    assert o.task_num_vo is not None
    assert (o.task_num_vo.total_num, o.task_num_vo.running_num) == (1, 1)


def check_validate(o: Any) -> None:
    first, second = o.root
    assert first.ok and first.error_message is None
    assert not second.ok and second.error_message == "卫星型号不一致"
    assert not o.ok


def check_images(o: Any) -> None:
    (image,) = o.data_info
    assert image.image_status is m.ImageStatus.DONE
    assert image.image_type is m.ImageType.PANCHROMATIC
    assert image.image_date == utc(2024, 4, 1, 2, 31, 10)
    assert image.product_clip == 0


def check_usage_info(o: Any) -> None:
    (usage,) = o.data
    assert usage.usage_type is m.UsageType.DATA
    assert usage.usage == pytest.approx(1.8)
    assert o.page.total == 1


CASES: dict[str, tuple[type[BaseModel], Callable[[Any], None]]] = {
    "Error_response": (m.ErrorBody, check_error),
    "CreateCommonWorkspace_request": (m.WorkspaceCreate, check_ws_create_req),
    "CreateCommonWorkspace_response": (m.Workspace, check_workspace),
    "ListCommonWorkspace_response": (m.WorkspaceList, check_ws_list),
    "ShowTaskOverviewInWorkspace_response": (m.Real3DTaskOverview, check_overview),
    "CreateReal3DTask_response": (m.Real3DTask, check_real3d_task),
    "CreateReal3DTask_request": (m.Real3DTaskCreate, check_real3d_create),
    "StopReal3DTask_request": (m.EmptyBody, check_empty),
    "CreateReal3DSubTask_request": (m.Real3DSubTaskCreate, check_subtask_create),
    "ListReal3DSubTasks_response": (m.Real3DSubTaskList, check_subtask_list),
    "AddSpurPoint_request": (m.SpurInfo, check_spur_add),
    "ListSpurPoints_response": (m.SpurList, check_spur_list),
    "ListFolder_response": (m.FolderList, check_folders),
    "ListReal3DProducts_response": (m.Real3DProductList, check_products),
    "ShowReal3DUsage_response": (m.Real3DUsageList, check_real3d_usage),
    "ShowTaskOverview_response": (m.SatelliteTaskOverview, check_sat_overview),
    "CreateTask_request": (m.SatelliteTaskCreate, check_sat_create),
    "ListTaskInfo_response": (m.SatelliteTaskList, check_sat_list),
    "ValidateImage_response": (m.ImageCheckResultList, check_validate),
    "ListImageBaseInfo_response": (m.ImageInfoList, check_images),
    "ListUsageInfo_response": (m.UsageInfoList, check_usage_info),
}


def test_every_example_file_has_a_case() -> None:
    assert {p.stem for p in EXAMPLES.glob("*.json")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_parses_with_expected_values(name: str) -> None:
    model, check = CASES[name]
    parsed = model.model_validate_json((EXAMPLES / f"{name}.json").read_bytes())
    check(parsed)


@pytest.mark.parametrize("name", sorted(n for n in CASES if n.endswith("_request")))
def test_request_example_serialises_to_exact_wire_json(name: str) -> None:
    model, _ = CASES[name]
    example = load(name)
    body = model.model_validate(example)
    dumped = body.model_dump(by_alias=True, mode="json", exclude_none=True)
    # exclude_none drops top-level nulls such as CreateTask's "shape_id": null; everything else
    # must be byte-for-byte the documented JSON (strings stay strings, names stay wire names).
    assert dumped == {k: v for k, v in example.items() if v is not None}
    assert json.dumps(dumped, sort_keys=True) == json.dumps(
        {k: v for k, v in example.items() if v is not None}, sort_keys=True
    )


@pytest.mark.parametrize("name", sorted(n for n in CASES if n.endswith("_response")))
def test_response_round_trips_to_the_same_wire_names_and_values(name: str) -> None:
    model, _ = CASES[name]
    example = load(name)
    dumped = model.model_validate(example).model_dump(by_alias=True, mode="json")
    assert project(dumped, example) == example


def test_operation_table_covers_all_current_operations() -> None:
    operations = json.loads(ENDPOINTS.read_text(encoding="utf-8"))["operations"]
    current = {op["operation_id"] for op in operations if op["status"] == "current"}
    sim_only = {op["operation_id"] for op in operations if op["status"] == "simulator_only"}
    assert len(current) == 38
    assert set(m.OPERATIONS) == current | sim_only
    with_body = {
        op["operation_id"]
        for op in operations
        if op["request_body"] is not None and op["operation_id"] in m.OPERATIONS
    }
    assert {op for op, models in m.OPERATIONS.items() if models.body is not None} == with_body


# --- progress --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0.35", 0.35), ("1.00", 1.0), ("0.0", 0.0), (0.5, 0.5), (1, 1.0), (None, None), ("", None)],
)
def test_progress_parses_to_float_or_none(raw: Any, expected: float | None) -> None:
    task = m.Real3DTask.model_validate(
        {"task_id": "t", "task_status": "RUNNING", "task_progress": raw}
    )
    assert task.task_progress == expected


@pytest.mark.parametrize("raw", ["abc", "35%", "NaN", "inf", True, [0.1]])
def test_progress_garbage_is_a_validation_error(raw: Any) -> None:
    with pytest.raises(ValidationError) as info:
        m.Real3DTask.model_validate({"task_id": "t", "task_status": "RUNNING", "AT_progress": raw})
    assert info.value.errors()[0]["loc"] == ("AT_progress",)
    assert "between 0 and 1" in info.value.errors()[0]["msg"]


def test_progress_serialises_as_two_decimal_string() -> None:
    task = m.Real3DTask(task_id="t", task_status="RUNNING", task_progress=0.5, at_progress=1)
    dumped = task.model_dump(by_alias=True, mode="json")
    assert dumped["task_progress"] == "0.50"
    assert dumped["AT_progress"] == "1.00"
    assert "at_progress" not in dumped


# --- time --------------------------------------------------------------------------------------


def test_times_are_aware_utc_and_serialise_back_to_wire_format() -> None:
    ws = m.Workspace.model_validate(
        {
            "workspace_id": "w",
            "create_time": "2024-03-18T10:15:40+08:00",
            "update_time": "2024-03-18T02:15:40",
        }
    )
    assert ws.create_time == utc(2024, 3, 18, 2, 15, 40)
    assert ws.create_time is not None and ws.create_time.utcoffset() == timedelta(0)
    assert ws.update_time == utc(2024, 3, 18, 2, 15, 40)  # naive is read as UTC
    dumped = ws.model_dump(mode="json")
    assert dumped["create_time"] == "2024-03-18T02:15:40Z"
    assert dumped["update_time"] == "2024-03-18T02:15:40Z"


def test_time_garbage_is_an_error_and_null_is_none() -> None:
    with pytest.raises(ValidationError, match="UTC time"):
        m.Workspace.model_validate({"workspace_id": "w", "create_time": "yesterday"})
    assert (
        m.Workspace.model_validate({"workspace_id": "w", "create_time": None}).create_time is None
    )


def test_query_times_are_sent_in_utc_wire_format() -> None:
    beijing = timezone(timedelta(hours=8))
    query = m.Real3DTaskListQuery(create_time_from=datetime(2024, 3, 1, 8, 0, tzinfo=beijing))
    assert ("create_time_from", "2024-03-01T00:00:00Z") in query.to_query()


# --- statuses ----------------------------------------------------------------------------------


def test_unknown_status_is_kept_as_raw_string() -> None:
    task = m.Real3DTask.model_validate({"task_id": "t", "task_status": "QUEUED_FOR_GPU"})
    assert task.task_status == "QUEUED_FOR_GPU"
    assert not isinstance(task.task_status, m.Real3DTaskStatus)
    assert task.model_dump(mode="json")["task_status"] == "QUEUED_FOR_GPU"
    product = m.Real3DProduct.model_validate({"id": "p", "status": "frozen"})
    assert product.status == "frozen"


def test_known_status_is_the_enum_member() -> None:
    sub = m.Real3DSubTask.model_validate({"subtask_id": "s", "subtask_status": "UPLOAD_FAILED"})
    assert sub.subtask_status is m.SubTaskStatus.UPLOAD_FAILED


def test_stop_faild_spelling_parses_as_stop_failed() -> None:
    task = m.SatelliteTask.model_validate({"task_id": "t", "task_status": "STOP_FAILD"})
    assert task.task_status is m.SatelliteTaskStatus.STOP_FAILED
    assert m.SatelliteTaskStatus("STOP_FAILD") is m.SatelliteTaskStatus.STOP_FAILED
    query = m.SatelliteTaskListQuery(workspace_id="w", task_status=["STOP_FAILD"])
    assert ("task_status", "STOP_FAILED") in query.to_query()


def test_folder_and_image_codes_tolerate_other_json_types() -> None:
    folder = m.Folder.model_validate({"folder_code": "f", "status": "2"})
    assert folder.status is m.FolderStatus.IMPORT_FAILED
    unknown = m.Folder.model_validate({"folder_code": "f", "status": 9})
    assert unknown.status == 9
    image = m.ImageInfo.model_validate({"image_id": "i", "image_status": 7, "image_type": 1})
    assert image.image_status is m.ImageStatus.DELETE_FAILED_IN_USE
    assert image.image_type is m.ImageType.MULTISPECTRAL
    assert m.ImageInfo.model_validate({"image_id": "i", "image_status": "5"}).image_status == "5"


def test_enum_sets_match_the_contract() -> None:
    assert len(m.Real3DTaskStatus) == 11
    assert len(m.SubTaskStatus) == 12
    assert len(m.SatelliteTaskStatus) == 9
    assert [s.value for s in m.ImageStatus] == ["0", "1", "2", "3", "4", "6", "7", "8"]
    assert [int(s) for s in m.FolderStatus] == [0, 1, 2]
    assert m.Real3DTaskType.CTRL.value == "REAL3D-CTRL"
    assert {s.value for s in m.ProductStatus} == {"preparing", "available", "deleting"}


# --- documented name conflicts -------------------------------------------------------------


@pytest.mark.parametrize("wire_name", ["product_detail", "product_details"])
def test_product_detail_accepts_both_names(wire_name: str) -> None:
    raw = {"id": "p", "status": "available", wire_name: [{"type": "nerf_osgb", "files": ["a"]}]}
    product = m.Real3DProduct.model_validate(raw)
    refine = m.Real3DRefineProduct.model_validate(raw)
    assert product.product_detail[0].files == ["a"]
    assert refine.product_detail[0].type is m.ProductDetailType.NERF_OSGB
    assert "product_detail" in product.model_dump(by_alias=True)
    assert "product_details" in refine.model_dump(by_alias=True)


@pytest.mark.parametrize(("clip_key", "tile_key"), [("isClip", "isTile"), ("is_clip", "is_tile")])
def test_clip_and_tile_accept_both_spellings(clip_key: str, tile_key: str) -> None:
    task = m.SatelliteTask.model_validate(
        {"task_id": "t", "task_status": "INIT", clip_key: "1", tile_key: "0"}
    )
    assert task.is_clip is True and task.is_tile is False
    dumped = task.model_dump(by_alias=True, mode="json", exclude_none=True)
    assert (dumped["isClip"], dumped["isTile"]) == ("1", "0")
    body = load("CreateTask_request")
    body.pop("isClip"), body.pop("isTile")
    body.update({clip_key: "0", tile_key: "1"})
    wire = m.SatelliteTaskCreate.model_validate(body).to_wire()
    assert (wire["isClip"], wire["isTile"]) == ("0", "1")
    assert "is_clip" not in wire


def test_modeling_params_accept_integers_and_send_strings() -> None:
    params = m.ModelingParams.model_validate(
        {"accuracy": "Low", "key_point_limit": 1000, "tie_point_limit": "100", "mesh_accuracy": 2}
    )
    assert params.key_point_limit == 1000 and params.mesh_accuracy is m.MeshAccuracy.LOW
    assert params.model_dump(mode="json") == {
        "accuracy": "Low",
        "key_point_limit": "1000",
        "tie_point_limit": "100",
        "mesh_accuracy": "2",
    }
    assert m.ModelingParams.defaults().model_dump(mode="json")["key_point_limit"] == "40000"


def test_spur_numbers_may_be_json_numbers_and_are_sent_as_strings() -> None:
    query = m.SpurCountQuery.model_validate(
        {"taskId": "t", "longitude": 114.0578123, "latitude": 22.5, "height": 41, "accuracy": 0.05}
    )
    assert query.longitude == Decimal("114.0578123")
    assert query.to_wire() == {
        "taskId": "t",
        "longitude": "114.0578123",
        "latitude": "22.5",
        "height": "41",
        "accuracy": "0.05",
    }
    assert m.SpurCount.model_validate({"count": "3"}).count == 3
    assert m.SpurCount.model_validate_json('{"count": 4}').count == 4
    detail = m.SpurInfoDetail.model_validate({"id": "1", "pointWidth": 12.5, "accuracy": "0.1"})
    assert detail.point_width == Decimal("12.5")


def test_spur_list_offset_minus_one_is_tolerated() -> None:
    spurs = m.SpurList.model_validate(
        {"spurInfos": [], "page": {"offset": -1, "limit": 10, "total": 0}}
    )
    assert spurs.page.offset == -1 and spurs.spur_infos == []


def test_satellite_data_id_array_is_joined() -> None:
    task = m.SatelliteTask.model_validate(
        {"task_id": "t", "task_status": "INIT", "data_id": ["a", "b"]}
    )
    assert task.data_id == "a,b"


# --- tolerance -------------------------------------------------------------------------------


def test_extra_fields_ignored_and_missing_optionals_are_none() -> None:
    task = m.Real3DTask.model_validate(
        {"task_id": "t", "task_status": "INIT", "brand_new_field": {"x": 1}}
    )
    assert not hasattr(task, "brand_new_field")
    assert task.task_name is None and task.modeling_params is None and task.create_time is None
    listing = m.Real3DTaskList.model_validate(
        {"tasks": None, "page": {"offset": 0, "limit": 10, "total": 0}, "extra": 1}
    )
    assert listing.tasks == []


def test_missing_identity_or_status_is_an_error() -> None:
    with pytest.raises(ValidationError):
        m.Real3DTask.model_validate({"task_status": "INIT"})
    with pytest.raises(ValidationError):
        m.Real3DTask.model_validate({"task_id": "t"})


def test_response_models_are_immutable_snapshots() -> None:
    ws = m.Workspace(workspace_id="w")
    with pytest.raises(ValidationError):
        ws.workspace_name = "x"  # type: ignore[misc]


# --- request validation (also used by the console's forms) -----------------------------------


def messages(call: Callable[[], Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        call()
    return m.validation_messages(info.value)


def test_workspace_name_rules() -> None:
    assert m.WorkspaceCreate(workspace_name="测绘_A1").workspace_name == "测绘_A1"
    assert messages(lambda: m.WorkspaceCreate(workspace_name="a")) == {
        "workspace_name": "Workspace name must be 2 to 50 characters long"
    }
    assert messages(lambda: m.WorkspaceCreate(workspace_name="x" * 51))["workspace_name"]
    assert messages(lambda: m.WorkspaceCreate(workspace_name="east block")) == {
        "workspace_name": "Workspace name may only contain Chinese characters, letters, digits and _"
    }
    assert messages(lambda: m.WorkspaceUpdate(workspace_description="d" * 201)) == {
        "workspace_description": "Workspace description must be at most 200 characters"
    }
    assert m.WorkspaceUpdate(star=1).to_wire() == {"star": 1}


def test_real3d_task_rules() -> None:
    assert "task_name" in messages(lambda: m.Real3DTaskCreate(task_name=""))
    assert "task_description" in messages(
        lambda: m.Real3DTaskCreate(task_name="t", task_description="x" * 256)
    )
    errors = messages(
        lambda: m.ModelingParams(
            accuracy="Best", key_point_limit=999, tie_point_limit="100001", mesh_accuracy=3
        )
    )
    assert errors == {
        "accuracy": "AT accuracy must be one of: Highest, High, Medium, Low, Lowest",
        "key_point_limit": "Key point limit must be between 1,000 and 1,000,000",
        "tie_point_limit": "Tie point limit must be between 100 and 100,000",
        "mesh_accuracy": "Mesh accuracy must be one of: 0 (high), 1 (medium), 2 (low)",
    }
    assert messages(
        lambda: m.ModelingParams(
            accuracy="High", key_point_limit="4e4", tie_point_limit=100, mesh_accuracy=0
        )
    ) == {"key_point_limit": "Key point limit must be a whole number"}
    bounds = m.ModelingParams(
        accuracy="Lowest", key_point_limit=1_000_000, tie_point_limit=100, mesh_accuracy="1"
    )
    assert bounds.key_point_limit == 1_000_000


def test_start_and_archive_bodies() -> None:
    assert m.Real3DTaskStart().to_wire() == {}
    assert m.Real3DTaskStart(run_at_only=True).to_wire() == {"run_AT_only": True}
    assert m.Real3DTaskStart.model_validate({"run_AT_only": False}).run_at_only is False
    assert m.Real3DTaskArchive(archive=False).to_wire() == {"archive": False}


def test_spur_rules() -> None:
    good = {
        "image_code": "i",
        "task_id": "t",
        "point_width": "1",
        "point_height": "2",
        "longitude": "-10000000",
        "latitude": "10000000",
        "height": "0",
        "accuracy": "99.99",
    }
    assert m.SpurInfo(**good).to_wire()["longitude"] == "-10000000"
    errors = messages(lambda: m.SpurInfo(**{**good, "longitude": "10000000.1", "accuracy": "0"}))
    assert errors == {
        "longitude": "Longitude must be between -10,000,000 and 10,000,000 (inclusive)",
        "accuracy": "Accuracy must be between 0 and 100 (exclusive)",
    }
    assert messages(lambda: m.SpurInfo(**{**good, "accuracy": 100})) == {
        "accuracy": "Accuracy must be between 0 and 100 (exclusive)"
    }
    assert messages(lambda: m.SpurInfo(**{**good, "height": "high"})) == {
        "height": "Expected a number"
    }
    assert messages(lambda: m.SpurInfo(**{**good, "latitude": ""})) == {
        "latitude": "A number is required"
    }


def test_satellite_create_rules() -> None:
    body = load("CreateTask_request")
    assert messages(lambda: m.SatelliteTaskCreate.model_validate({**body, "isClip": "1"})) == {
        "__root__": "A vector file (shape_id) is required to clip by vector"
    }
    clipped = m.SatelliteTaskCreate.model_validate({**body, "isClip": "1", "shape_id": "a" * 32})
    assert clipped.to_wire()["shape_id"] == "a" * 32
    errors = messages(
        lambda: m.SatelliteTaskCreate.model_validate(
            {**body, "task_name": "bad-name", "workspace_id": "ABC", "production_level": "L9"}
        )
    )
    assert errors == {
        "task_name": "Task name may only contain Chinese characters, letters, digits and _",
        "workspace_id": "Workspace id must be 32 lowercase letters or digits",
        "production_level": "Production level must be one of: L2, L3, L4, L5",
    }
    check = m.ImageCheckRequest(
        data_ids=["a"], production_level="L3", task_name="t", coordination="WGS84"
    )
    assert check.to_wire()["production_level"] == "L3"


def test_paging_rules() -> None:
    assert messages(lambda: m.WorkspaceListQuery(limit=0)) == {
        "limit": "Page size (limit) must be between 1 and 100"
    }
    assert messages(lambda: m.SpurListQuery(image_code="i", task_id="t", offset=-1)) == {
        "offset": "Offset must be between 0 and 2,147,483,647"
    }
    assert messages(lambda: m.FolderListQuery(limit=101)) == {
        "limit": "Page size (limit) must be between 1 and 100"
    }
    assert m.ImageInfoQuery(limit=100, offset=0).to_form() == {"limit": "100", "offset": "0"}


def test_request_models_reject_unknown_names() -> None:
    assert "workspace" in messages(
        lambda: m.WorkspaceCreate.model_validate({"workspace_name": "ab", "workspace": "x"})
    )


def test_upload_status_body_accepts_only_upload_states() -> None:
    body = m.Real3DSubTaskUploadStatus(subtask_status="UPLOAD_SUCCESS")
    assert body.to_wire() == {"subtask_status": "UPLOAD_SUCCESS"}
    assert messages(lambda: m.Real3DSubTaskUploadStatus(subtask_status="RUNNING")) == {
        "subtask_status": "Upload status must be one of: UPLOADING, UPLOAD_SUCCESS, UPLOAD_FAILED"
    }


# --- queries, forms, acks --------------------------------------------------------------------


def test_query_arrays_become_repeated_keys_and_bools_lowercase() -> None:
    query = m.Real3DTaskListQuery(task_status=["RUNNING", "FAILED"], task_ids=["a", "b"], limit=50)
    pairs = query.to_query()
    assert pairs.count(("task_status", "RUNNING")) == 1
    assert ("task_status", "FAILED") in pairs and ("task_ids", "b") in pairs
    assert ("limit", "50") in pairs
    assert ("star", "true") in m.WorkspaceListQuery(star=True).to_query()
    assert m.Real3DUsageQuery(usage_type="DATA").to_query() == [("usage_type", "DATA")]


def test_folder_query_body_uses_wire_names() -> None:
    body = m.FolderListQuery(
        offset=0,
        limit=20,
        condition=m.FolderQueryCondition(
            folder_name="east-block.v2", status=1, order="-3", from_time=utc(2024, 3, 1)
        ),
    )
    assert body.to_wire() == {
        "offset": 0,
        "limit": 20,
        "condition": {
            "folder_name": "east-block.v2",
            "status": "1",
            "order": "-3",
            "from": "2024-03-01T00:00:00Z",
        },
    }


def test_image_query_form_joins_lists() -> None:
    form = m.ImageInfoQuery(
        image_status=[m.ImageStatus.DONE, "1"], image_levels=["L1A", "L2"], is_product=False
    ).to_form()
    assert form["image_status"] == "0,1"
    assert form["image_levels"] == "L1A,L2"
    assert form["is_product"] == "0"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (True, True),
        ("true", True),
        (b"true", True),
        ('"true"', True),
        ("", True),
        (None, True),
        (False, False),
        ("false", False),
    ],
)
def test_parse_ack(body: Any, expected: bool) -> None:
    assert m.parse_ack(body) is expected


def test_parse_ack_rejects_other_bodies() -> None:
    with pytest.raises(ValueError):
        m.parse_ack({"task_id": "x"})
    with pytest.raises(ValueError):
        m.parse_ack("maybe")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("0", False),
        (1, True),
        (0.0, False),
        (True, True),
        ("false", False),
        (None, None),
    ],
)
def test_clip_flag_values(raw: Any, expected: bool | None) -> None:
    task = m.SatelliteTask.model_validate({"task_id": "t", "task_status": "INIT", "isClip": raw})
    assert task.is_clip is expected


def test_clip_flag_garbage_and_count_garbage_are_errors() -> None:
    with pytest.raises(ValidationError, match='Expected "0" or "1"'):
        m.SatelliteTask.model_validate({"task_id": "t", "task_status": "INIT", "isClip": "2"})
    with pytest.raises(ValidationError, match="Spur count must be a whole number"):
        m.SpurCount.model_validate({"count": "many"})


def test_decimal_with_absurd_exponent_is_rejected_not_expanded() -> None:
    with pytest.raises(ValidationError, match="out of range"):
        m.SpurInfoDetail.model_validate({"id": "1", "height": "1e999999999"})
    tiny = m.SpurInfoDetail.model_validate({"id": "1", "height": "0E-7", "latitude": "1E+7"})
    assert tiny.model_dump(mode="json")["latitude"] == "10000000"
