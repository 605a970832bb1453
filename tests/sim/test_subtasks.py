"""Refinement subtasks: creation rules, the upload flow, start/stop/delete, refined products."""

from __future__ import annotations

import httpx

from koomap_tui.sim.server import SimServer
from tests.sim.conftest import assert_error, task_by_name, ws_id


def base(api: httpx.Client, task_name: str = "西区_nerf_建模") -> str:
    ws = ws_id(api, "城市更新_一期")
    task = task_by_name(api, ws, task_name)
    return f"/v1/real3d/{ws}/tasks/{task['task_id']}/subtasks"


def subtasks(api: httpx.Client, url: str, **params: object) -> list[dict]:
    return api.get(url, params={"limit": 100, **params}).json()["subtasks"]


def by_name(api: httpx.Client, url: str, name: str) -> dict:
    return next(s for s in subtasks(api, url) if s["subtask_name"] == name)


def test_create_only_on_finished_nerf_tasks_with_quota_and_unique_names(api: httpx.Client) -> None:
    mesh = base(api, "西区_倾斜建模")
    assert_error(api.post(mesh, json={"subtask_name": "r1"}), 400, "KMP.99990202")
    running = base(api, "西区_停止中")
    assert_error(api.post(running, json={"subtask_name": "r1"}), 400, "KMP.99990202")
    url = base(api)
    for bad in ({}, {"subtask_name": ""}, {"subtask_name": "x" * 51}, {"subtask_name": "a b"}):
        assert_error(api.post(url, json=bad), 400, "KMP.00011004")
    assert_error(api.post(url, json={"subtask_name": "REFINE_INIT"}), 400, "KMP.99990204")
    created = api.post(url, json={"subtask_name": "精修_第二轮"})
    assert created.status_code == 200, created.text
    sub = created.json()
    assert sub["subtask_status"] == "INIT" and sub["model_path"].startswith("obs://")
    assert len(sub["refine_product_id"]) == 32 and sub["subtask_progress"] is None
    assert sub["modeling_params"]["accuracy"] == "High" and sub["task_name"] == "西区_nerf_建模"
    for i in range(2):
        assert api.post(url, json={"subtask_name": f"more_{i}"}).status_code == 200
    assert len(subtasks(api, url)) == 10
    assert_error(api.post(url, json={"subtask_name": "eleventh"}), 400, "KMP.99990203")


def test_upload_flow_and_its_documented_codes(api: httpx.Client) -> None:
    url = base(api)
    sub = by_name(api, url, "refine_init")
    upload = f"{url}/{sub['subtask_id']}/upload-status"
    assert_error(api.put(upload, json={"subtask_status": "UPLOAD_SUCCESS"}), 400, "KMP.00021148")
    assert_error(api.put(upload, json={"subtask_status": "RUNNING"}), 400, "KMP.00021149")
    assert (
        api.put(upload, json={"subtask_status": "UPLOADING"}).json()["subtask_status"]
        == "UPLOADING"
    )
    assert_error(api.put(upload, json={"subtask_status": "UPLOADING"}), 400, "KMP.00021148")
    assert_error(api.request("DELETE", f"{url}/{sub['subtask_id']}", json={}), 400, "KMP.99990217")
    assert (
        api.put(upload, json={"subtask_status": "UPLOAD_FAILED"}).json()["subtask_status"]
        == "UPLOAD_FAILED"
    )
    assert api.put(upload, json={"subtask_status": "UPLOADING"}).status_code == 200
    done = api.put(upload, json={"subtask_status": "UPLOAD_SUCCESS"}).json()
    assert done["subtask_status"] == "UPLOAD_SUCCESS"


def test_start_run_success_creates_refined_product(api: httpx.Client, sim: SimServer) -> None:
    url = base(api)
    sub = by_name(api, url, "refine_uploaded")
    sid = sub["subtask_id"]
    assert_error(api.post(f"{url}/{sid}/start"), 400, "KMP.00011004")
    started = api.post(f"{url}/{sid}/start", json={})
    assert started.json()["subtask_status"] == "PENDING"
    sim.advance(10)
    assert by_name(api, url, "refine_uploaded")["subtask_status"] == "STARTING"
    sim.advance(10 + 150)
    running = by_name(api, url, "refine_uploaded")
    assert running["subtask_status"] == "RUNNING" and 0 < float(running["subtask_progress"]) < 1
    sim.advance(400)
    done = by_name(api, url, "refine_uploaded")
    assert done["subtask_status"] == "SUCCESS" and done["subtask_progress"] == "1.00"
    refine = api.get(
        "/v1/real3d/refineproducts", params={"refine_product_id": sub["refine_product_id"]}
    )
    product = refine.json()["refine_products"][0]
    assert product["subtask_info"]["subtask_id"] == sid
    assert product["product_details"][0]["type"] == "nerf_osgb"
    assert product["status"] in ("preparing", "available")
    sim.advance(200)
    refine = api.get(
        "/v1/real3d/refineproducts", params={"refine_product_id": sub["refine_product_id"]}
    )
    assert refine.json()["refine_products"][0]["status"] == "available"


def test_stop_rules(api: httpx.Client, sim: SimServer) -> None:
    url = base(api)
    queued = by_name(api, url, "refine_queued")
    assert api.post(f"{url}/{queued['subtask_id']}/stop", json={}).json() is True
    assert by_name(api, url, "refine_queued")["subtask_status"] == "UPLOAD_SUCCESS"
    other = base(api, "老城区_nerf")
    running = by_name(api, other, "精修_运行中")
    assert api.post(f"{other}/{running['subtask_id']}/stop", json={}).status_code == 200
    assert by_name(api, other, "精修_运行中")["subtask_status"] == "STOPPING"
    sim.advance(10)
    assert by_name(api, other, "精修_运行中")["subtask_status"] == "STOP_SUCCESS"
    init = by_name(api, url, "refine_init")
    assert_error(api.post(f"{url}/{init['subtask_id']}/stop", json={}), 400, "KMP.99990206")
    assert_error(api.post(f"{url}/{init['subtask_id']}/start", json={}), 400, "KMP.99990205")


def test_start_failure_and_run_failure(api: httpx.Client, sim: SimServer) -> None:
    url = base(api)
    timings = sim.core.config.timings
    timings.sub_start_fail_rate = 1.0
    sub = by_name(api, url, "refine_uploaded")
    api.post(f"{url}/{sub['subtask_id']}/start", json={})
    sim.advance(30)
    failed = by_name(api, url, "refine_uploaded")
    assert failed["subtask_status"] == "START_FAILED" and failed["fail_message"]
    other = base(api, "老城区_nerf")
    timings.sub_start_fail_rate = 0.0
    timings.sub_fail_rate = 1.0
    stopped = by_name(api, other, "精修_已停止")
    api.post(f"{other}/{stopped['subtask_id']}/start", json={})
    sim.advance(1000)
    assert by_name(api, other, "精修_已停止")["subtask_status"] == "FAILED"


def test_delete_removes_the_refined_product_and_list_filters(api: httpx.Client) -> None:
    other = base(api, "老城区_nerf")
    done = by_name(api, other, "精修_完成")
    assert (
        api.get(
            "/v1/real3d/refineproducts", params={"refine_product_id": done["refine_product_id"]}
        ).json()["page"]["total"]
        == 1
    )
    assert_error(
        api.request(
            "DELETE", f"{other}/{by_name(api, other, '精修_停止中')['subtask_id']}", json={}
        ),
        400,
        "KMP.99990217",
    )
    assert api.request("DELETE", f"{other}/{done['subtask_id']}", json={}).json() is True
    assert (
        api.get(
            "/v1/real3d/refineproducts", params={"refine_product_id": done["refine_product_id"]}
        ).json()["page"]["total"]
        == 0
    )
    assert_error(
        api.request("DELETE", f"{other}/{done['subtask_id']}", json={}), 400, "KMP.99990201"
    )
    url = base(api)
    assert {s["subtask_status"] for s in subtasks(api, url, subtask_status="INIT,UPLOADING")} == {
        "INIT",
        "UPLOADING",
    }
    repeated = api.get(
        url, params=[("subtask_status", "INIT"), ("subtask_status", "UPLOADING")]
    ).json()
    assert repeated["page"]["total"] == 2
    assert_error(api.get(url, params={"subtask_status": "NOPE"}), 400, "KMP.00021149")
    assert [s["subtask_name"] for s in subtasks(api, url, subtask_name="UPLOAD")] == [
        "refine_upload_bad",
        "refine_uploaded",
        "refine_uploading",
    ]
    one = subtasks(api, url, subtask_id=by_name(api, url, "refine_init")["subtask_id"])
    assert [s["subtask_name"] for s in one] == ["refine_init"]
    everything = subtasks(api, url)
    assert everything[-1]["subtask_name"] == "refine_round1"  # the oldest, created last
    times = [s["create_time"] for s in everything]
    assert times == sorted(times, reverse=True)
    paged = api.get(url, params={"offset": 2, "limit": 3}).json()
    assert paged["page"] == {"offset": 2, "limit": 3, "total": 7} and len(paged["subtasks"]) == 3


def test_every_subtask_status_exists_in_demo(api: httpx.Client) -> None:
    seen = {s["subtask_status"] for s in subtasks(api, base(api))}
    seen |= {s["subtask_status"] for s in subtasks(api, base(api, "老城区_nerf"))}
    assert seen == {
        "INIT",
        "UPLOADING",
        "UPLOAD_SUCCESS",
        "UPLOAD_FAILED",
        "PENDING",
        "STARTING",
        "START_FAILED",
        "RUNNING",
        "SUCCESS",
        "FAILED",
        "STOPPING",
        "STOP_SUCCESS",
    }
