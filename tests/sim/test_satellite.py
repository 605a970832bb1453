"""Satellite tasks, image validation, image listing (form encodings) and usage."""

from __future__ import annotations

import httpx
import pytest

from koomap_tui.sim.server import SimServer
from tests.sim.conftest import assert_error, ws_id

SAT_WS = "卫星影像_华北"


def images(api: httpx.Client, **fields: object) -> dict:
    data = {"offset": "0", "limit": "100", **{k: str(v) for k, v in fields.items()}}
    return api.post("/v1/kmp-data/imageinfo", data=data).json()


def ready_pair(api: httpx.Client) -> list[str]:
    found = images(api, image_name="GF2_20240401_scene07", is_product="0")["data_info"]
    return [i["image_id"] for i in found]


def create_body(ws: str, ids: list[str], **extra: object) -> dict:
    return {
        "task_name": "new_sat_task",
        "task_type": "ORSIP",
        "workspace_id": ws,
        "data_ids": ids,
        "production_level": "L2",
        "data_alias": {"GF2_20240401_scene07_L2": "city_centre"},
        "coordination": "WGS84",
        "data_description": {"GF2_20240401_scene07_L2": None},
        "csv_ids": [],
        "isClip": "0",
        "isTile": "0",
        **extra,
    }


def sat_list(api: httpx.Client, ws: str, **params: object) -> dict:
    return api.get(
        "/v1/kmp-control/tasks", params={"workspace_id": ws, "offset": 0, "limit": 100, **params}
    ).json()


def sat_task(api: httpx.Client, ws: str, task_id: str) -> dict:
    listed = sat_list(
        api,
        ws,
        task_status="INIT,START_RUNNING,RUNNING,SUCCESS,FAILED,STOPPING,STOP_SUCCESS,"
        "STOP_FAILED,ARCHIVED",
    )
    return next(t for t in listed["data"] if t["task_id"] == task_id)


def test_list_hides_archived_counts_buckets_and_accepts_stop_faild(api: httpx.Client) -> None:
    ws = ws_id(api, SAT_WS)
    body = sat_list(api, ws)
    statuses = {t["task_status"] for t in body["data"]}
    assert "ARCHIVED" not in statuses and len(statuses) == 8
    assert body["taskNumVo"] == {
        "totalNum": 10,
        "failedNum": 2,
        "archivedNum": 1,
        "successNum": 3,
        "runningNum": 3,
    }
    task = body["data"][0]
    assert {"isClip", "isTile", "task_progress", "data_id", "is_deleted", "frozen_tag"} <= set(task)
    assert isinstance(task["task_progress"], str) and isinstance(task["data_id"], str)
    times = [t["create_time"] for t in body["data"]]
    assert times == sorted(times, reverse=True)
    assert [t["task_status"] for t in sat_list(api, ws, task_status="STOP_FAILD")["data"]] == [
        "STOP_FAILED"
    ]
    assert [t["task_status"] for t in sat_list(api, ws, task_status="ARCHIVED")["data"]] == [
        "ARCHIVED"
    ]
    assert sat_list(api, ws, task_name="GF2_CITY")["page"]["total"] == 1
    assert sat_list(api, ws, create_time_start="2024-06-03T00:00:00Z")["page"]["total"] == 0
    url = "/v1/kmp-control/tasks"
    assert_error(
        api.get(url, params={"workspace_id": ws}), 400, "KMP.00011004"
    )  # offset/limit required
    assert_error(api.get(url, params={"offset": 0, "limit": 10}), 400, "KMP.00011004")
    assert_error(
        api.get(url, params={"workspace_id": ws, "offset": 0, "limit": 10, "task_status": "X"}),
        400,
        "KMP.00011004",
    )
    overview = api.get("/v1/kmp-control/tasks/overview", params={"workspace_id": ws}).json()
    assert overview == {"total": 10, "finished": 5, "unfinished": 3}
    assert_error(
        api.get("/v1/kmp-control/tasks/overview", params={"workspace_id": "short"}),
        400,
        "KMP.00011004",
    )


def test_create_validations(api: httpx.Client) -> None:
    ws = ws_id(api, SAT_WS)
    ids = ready_pair(api)
    url = "/v1/kmp-control/tasks"
    for change in (
        {"task_type": "OTHER"},
        {"production_level": "L6"},
        {"isClip": "2"},
        {"data_ids": []},
        {"task_name": "bad name"},
        {"workspace_id": "ABC"},
        {"data_alias": []},
    ):
        assert_error(api.post(url, json=create_body(ws, ids, **change)), 400, "KMP.00011004")
    assert_error(api.post(url, json=create_body(ws, ids, isClip="1")), 400, "KMP.99990507")
    unusable = images(api, image_status="2")["data_info"][0]["image_id"]
    assert_error(api.post(url, json=create_body(ws, [unusable])), 400, "KMP.99990506")
    snake = create_body(ws, ids)
    del snake["isClip"], snake["isTile"]
    snake.update(is_clip="1", is_tile="1", shape_id="a" * 32)
    created = api.post(url, json=snake)
    assert created.status_code == 200, created.text
    task = created.json()
    assert task["task_status"] == "INIT" and task["isClip"] == "1" and task["isTile"] == "1"
    assert task["exec_start_time"] is None and task["task_type"] == "ORSIP"


def test_lifecycle_start_run_success_archive_unarchive(api: httpx.Client, sim: SimServer) -> None:
    ws = ws_id(api, SAT_WS)
    task = api.post("/v1/kmp-control/tasks", json=create_body(ws, ready_pair(api))).json()
    tid = task["task_id"]
    assert_error(api.post("/v1/kmp-control/tasks/start", json={}), 400, "KMP.00011004")
    assert_error(
        api.post("/v1/kmp-control/tasks/start", json={"id": "0" * 32}), 400, "KMP.99990501"
    )
    assert api.post("/v1/kmp-control/tasks/start", json={"id": tid}).json() is True
    assert sat_task(api, ws, tid)["task_status"] == "START_RUNNING"
    assert_error(api.post("/v1/kmp-control/tasks/start", json={"id": tid}), 400, "KMP.99990502")
    sim.advance(30 + 200)
    running = sat_task(api, ws, tid)
    assert running["task_status"] == "RUNNING" and 0 < float(running["task_progress"]) < 1
    sim.advance(1000)
    done = sat_task(api, ws, tid)
    assert done["task_status"] == "SUCCESS" and done["image_url"].startswith(
        "obs://koomap-sat-products/"
    )
    assert_error(
        api.request("DELETE", "/v1/kmp-control/tasks", json={"id": tid}), 400, "KMP.99990505"
    )
    archive = "/v1/kmp-control/tasks/archive"
    assert_error(
        api.post(archive, json={"id": tid}), 400, "KMP.00011004"
    )  # archived query required
    assert api.post(archive, params={"archived": "true"}, json={"id": tid}).json() is True
    assert tid not in {t["task_id"] for t in sat_list(api, ws)["data"]}
    assert_error(
        api.post(archive, params={"archived": "true"}, json={"id": tid}), 400, "KMP.99990504"
    )
    assert api.post(archive, params={"archived": "false"}, json={"id": tid}).json() is True
    assert sat_task(api, ws, tid)["task_status"] == "SUCCESS"


def test_stop_paths_and_delete(api: httpx.Client, sim: SimServer) -> None:
    ws = ws_id(api, SAT_WS)
    task = api.post("/v1/kmp-control/tasks", json=create_body(ws, ready_pair(api))).json()
    tid = task["task_id"]
    assert_error(api.post("/v1/kmp-control/tasks/stop", json={"id": tid}), 400, "KMP.99990503")
    api.post("/v1/kmp-control/tasks/start", json={"id": tid})
    assert api.post("/v1/kmp-control/tasks/stop", json={"id": tid}).json() is True
    assert sat_task(api, ws, tid)["task_status"] == "STOPPING"
    sim.advance(15)
    assert sat_task(api, ws, tid)["task_status"] == "STOP_SUCCESS"
    assert api.request("DELETE", "/v1/kmp-control/tasks", json={"id": tid}).json() is True
    assert tid not in {t["task_id"] for t in sat_list(api, ws)["data"]}
    assert_error(
        api.request("DELETE", "/v1/kmp-control/tasks", json={"id": tid}), 400, "KMP.99990501"
    )
    sim.core.config.timings.sat_stop_fail_rate = 1.0
    task = api.post("/v1/kmp-control/tasks", json=create_body(ws, ready_pair(api))).json()
    api.post("/v1/kmp-control/tasks/start", json={"id": task["task_id"]})
    api.post("/v1/kmp-control/tasks/stop", json={"id": task["task_id"]})
    sim.advance(15)
    assert sat_task(api, ws, task["task_id"])["task_status"] == "STOP_FAILED"
    sim.core.config.timings.sat_stop_fail_rate = 0.0
    assert (
        api.post("/v1/kmp-control/tasks/stop", json={"id": task["task_id"]}).json() is True
    )  # retry
    sim.advance(15)
    assert sat_task(api, ws, task["task_id"])["task_status"] == "STOP_SUCCESS"


def test_workspace_with_satellite_tasks_cannot_be_deleted(api: httpx.Client) -> None:
    ws = ws_id(api, SAT_WS)
    assert_error(api.request("DELETE", f"/v1/workspaces/{ws}", json={}), 400, "KMP.99990005")


def test_validate_image_returns_array_with_200_or_400(api: httpx.Client) -> None:
    url = "/v1/kmp-control/tasks/image"
    body = {
        "data_ids": ready_pair(api),
        "production_level": "L3",
        "task_name": "check",
        "coordination": "WGS84",
    }
    ok = api.post(url, json=body)
    assert ok.status_code == 200
    assert [r["error_message"] for r in ok.json()] == [None, None]
    assert {r["name"] for r in ok.json()} == {"GF2_20240401_scene07_L3"}
    gf1 = images(api, image_name="GF1_20240402", image_type="1")["data_info"][0]["image_id"]
    mixed = api.post(url, json={**body, "data_ids": [*ready_pair(api), gf1]})
    assert mixed.status_code == 400 and isinstance(mixed.json(), list)
    assert "卫星型号不一致" in [r["error_message"] for r in mixed.json()]
    assert len(mixed.headers["X-request-id"]) == 32
    assert_error(api.post(url, json={**body, "production_level": "L1"}), 400, "KMP.00011004")


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded", "json"])
def test_image_list_accepts_every_form_encoding(api: httpx.Client, encoding: str) -> None:
    fields = {"offset": "0", "limit": "5", "image_type": "0", "order": "1"}
    url = "/v1/kmp-data/imageinfo"
    if encoding == "multipart":
        response = api.post(url, files={k: (None, v) for k, v in fields.items()})
    elif encoding == "urlencoded":
        response = api.post(url, data=fields)
    else:
        response = api.post(url, json={**fields, "offset": 0, "limit": 5})
    assert response.status_code == 200, response.text
    body = response.json()
    names = [i["image_name"] for i in body["data_info"]]
    assert names == sorted(names) and all(i["image_type"] == "0" for i in body["data_info"])
    assert body["page"] == {"offset": 0, "limit": 5, "total": 6}


def test_image_filters(api: httpx.Client) -> None:
    all_images = images(api)
    assert {i["image_status"] for i in all_images["data_info"]} == {
        "0",
        "1",
        "2",
        "3",
        "4",
        "6",
        "7",
        "8",
    }
    uploads = [i["upload_date"] for i in all_images["data_info"]]
    assert uploads == sorted(uploads, reverse=True)
    assert images(api, image_status="7,8")["page"]["total"] == 2
    assert images(api, image_levels="L4,L5")["page"]["total"] == 2
    assert images(api, is_product="1")["page"]["total"] == 4
    assert images(api, image_alias="city_centre_L2,scene07_pan")["page"]["total"] == 2
    assert images(api, raw_alias="SCENE08")["page"]["total"] == 2
    assert images(api, image_date_from="2024-05-30T00:00:00Z")["page"]["total"] == 7
    assert_error(api.post("/v1/kmp-data/imageinfo", data={"offset": "0"}), 400, "KMP.00011004")
    for bad in (
        {"image_status": "5"},
        {"image_levels": "L9"},
        {"order": "9"},
        {"image_date_from": "2024"},
    ):
        assert_error(
            api.post("/v1/kmp-data/imageinfo", data={"offset": "0", "limit": "5", **bad}),
            400,
            "KMP.00011004",
        )


def test_migrating_images_settle_with_the_clock(api: httpx.Client, sim: SimServer) -> None:
    assert images(api, image_status="1,3,6")["page"]["total"] == 3
    sim.advance(300)
    assert images(api, image_status="1,3,6")["page"]["total"] == 0
    assert images(api)["page"]["total"] == 22  # the one being deleted is gone


def test_satellite_usage(api: httpx.Client) -> None:
    task = api.get("/v1/kmp-control/usages", params={"usage_type": "TASK"}).json()
    assert {u["usage_subtype"] for u in task["data"]} == {"L2", "L3", "L4", "L5"}
    assert task["page"]["total"] == 4
    data = api.get("/v1/kmp-control/usages", params={"usage_type": "DATA", "limit": 1}).json()
    assert data["data"][0]["usage_unit_type"] == "VOLUME"
    assert_error(
        api.get("/v1/kmp-control/usages", params={"usage_type": "REAL3D"}), 400, "KMP.00011004"
    )
