"""Real3D tasks: create/update validation, list filters, and the live state machine."""

from __future__ import annotations

import httpx
import pytest

from koomap_tui.sim.server import SimServer
from tests.sim.conftest import assert_error, get_task, task_by_name, ws_id

PARAMS = {
    "accuracy": "High",
    "key_point_limit": "40000",
    "tie_point_limit": "4000",
    "mesh_accuracy": "0",
}


def folder_code(api: httpx.Client, name: str) -> str:
    body = {"offset": 0, "limit": 100, "condition": {"folder_name": name}}
    return api.request("GET", "/v1/real3d/folders", json=body).json()["folders"][0]["folder_code"]


def new_task(api: httpx.Client, ws: str, name: str, **extra: object) -> dict:
    body = {"task_name": name, "folder_code": folder_code(api, "east_block_photos"), **extra}
    response = api.post(f"/v1/real3d/{ws}/tasks", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def start(api: httpx.Client, ws: str, task_id: str, body: dict | None = None) -> httpx.Response:
    return api.post(f"/v1/real3d/{ws}/tasks/{task_id}/start", json=body if body is not None else {})


def test_create_defaults_and_documented_fields(api: httpx.Client) -> None:
    ws = ws_id(api, "sandbox_empty")
    task = new_task(api, ws, "新任务_1")
    assert task["task_status"] == "INIT"
    assert task["task_type"] == "REAL3D-UNCTRL" and task["modeling_type"] == "Mesh"
    assert task["modeling_params"] == PARAMS
    assert task["coordinate_sys"] == "WGS84-UTM"
    assert task["complete_stage"] == 0 and task["total_stage"] == 0
    assert task["task_progress"] is None and task["AT_progress"] is None
    assert task["has_marker"] is False and task["creator"] == "demo_operator"
    numbers = {
        "accuracy": "Low",
        "key_point_limit": 5000,
        "tie_point_limit": 500,
        "mesh_accuracy": 2,
    }
    typed = new_task(api, ws, "typed_numbers", modeling_params=numbers, task_type="REAL3D-CTRL")
    assert typed["modeling_params"]["key_point_limit"] == "5000"


def test_create_validation_uniqueness_and_quota(api: httpx.Client, sim: SimServer) -> None:
    ws = ws_id(api, "sandbox_empty")
    url = f"/v1/real3d/{ws}/tasks"
    for body in (
        {},
        {"task_name": "x" * 51},
        {"task_name": "bad name"},
        {"task_name": "ok", "task_type": "REAL3D"},
        {"task_name": "ok", "modeling_type": "Voxel"},
        {"task_name": "ok", "modeling_params": {"accuracy": "High"}},
        {"task_name": "ok", "modeling_params": {**PARAMS, "key_point_limit": "999"}},
        {"task_name": "ok", "modeling_params": {**PARAMS, "mesh_accuracy": "3"}},
        {"task_name": "ok", "coordinate_sys": "WGS84"},
        {"task_name": "ok", "task_description": "d" * 256},
    ):
        assert_error(api.post(url, json=body), 400, "KMP.00011004")
    assert_error(
        api.post(url, json={"task_name": "ok", "folder_code": "nope"}), 400, "KMP.99990110"
    )
    assert_error(
        api.post("/v1/real3d/" + "f" * 32 + "/tasks", json={"task_name": "ok"}), 400, "KMP.99990001"
    )
    new_task(api, ws, "Unique_Name")
    assert_error(api.post(url, json={"task_name": "unique_name"}), 400, "KMP.99990102")
    # The same name is fine in another workspace (uniqueness is per workspace).
    new_task(api, ws_id(api, "river_corridor"), "unique_name")
    store = sim.core.stores["demo"]
    from koomap_tui.sim.records import Real3DTask

    for i in range(499):
        store.add_task(
            Real3DTask(
                id=f"{i:032x}",
                name=f"bulk_{i}",
                workspace_id=ws,
                status="INIT",
                task_type="REAL3D-UNCTRL",
                modeling_type="Mesh",
                seq=0,
                create_time=0.0,
                update_time=0.0,
            )
        )
    assert_error(api.post(url, json={"task_name": "one_too_many"}), 400, "KMP.99990103")


def test_list_filters_archived_visibility_and_order(api: httpx.Client) -> None:
    ws = ws_id(api, "survey_east_2024")
    url = f"/v1/real3d/{ws}/tasks"
    default = api.get(url).json()
    names = [t["task_name"] for t in default["tasks"]]
    assert "east_block_2023" not in names  # archived hidden by default
    assert names == [  # create_time descending
        "east_block_draft",
        "east_block_ctrl_at",
        "east_block_fine",
        "east_block_ctrl",
        "east_block_mesh",
    ]
    archived = api.get(url, params={"task_status": "ARCHIVED"}).json()["tasks"]
    assert [t["task_name"] for t in archived] == ["east_block_2023"]
    by_id = api.get(url, params={"task_ids": archived[0]["task_id"]}).json()["tasks"]
    assert by_id[0]["task_status"] == "ARCHIVED"
    repeated = api.get(url, params=[("task_status", "RUNNING"), ("task_status", "INIT")]).json()
    comma = api.get(url, params={"task_status": "RUNNING,INIT"}).json()
    assert repeated["page"]["total"] == comma["page"]["total"] == 3
    ctrl = api.get(url, params={"task_type": "REAL3D-CTRL"}).json()["tasks"]
    assert {t["task_name"] for t in ctrl} == {"east_block_ctrl", "east_block_ctrl_at"}
    assert api.get(url, params={"modeling_type": "Nerf"}).json()["page"]["total"] == 0
    assert (
        api.get(url, params={"task_name": "FINE"}).json()["tasks"][0]["task_name"]
        == "east_block_fine"
    )
    recent = api.get(url, params={"create_time_from": "2024-06-02T00:00:00Z"}).json()["tasks"]
    assert {t["task_name"] for t in recent} == {"east_block_ctrl_at", "east_block_draft"}
    paged = api.get(url, params={"offset": 4, "limit": 2}).json()
    assert paged["page"] == {"offset": 4, "limit": 2, "total": 5}
    assert [t["task_name"] for t in paged["tasks"]] == ["east_block_mesh"]
    filtered = api.get(url, params={"task_status": "RUNNING,INIT,SUCCESS"}).json()["tasks"]
    assert [t["task_name"] for t in filtered] == [
        "east_block_draft",
        "east_block_ctrl_at",
        "east_block_fine",
        "east_block_mesh",
    ]
    for params in (
        {"task_status": "DONE"},
        {"task_type": "X"},
        {"limit": 101},
        {"modeling_type": "x"},
        {"update_time_to": "yesterday"},
    ):
        assert_error(api.get(url, params=params), 400, "KMP.00011004")


def test_overview_buckets(api: httpx.Client) -> None:
    ws = ws_id(api, "城市更新_一期")
    overview = api.get(f"/v1/real3d/{ws}/tasks/overview").json()
    assert overview == {
        "workspace_id": ws,
        "total_count": 9,
        "running_count": 3,
        "success_count": 4,
        "failed_count": 2,
        "archived_count": 0,
    }


def test_full_run_goes_pending_starting_running_success_and_makes_a_product(
    api: httpx.Client, sim: SimServer
) -> None:
    ws = ws_id(api, "sandbox_empty")
    task = new_task(api, ws, "full_run")
    started = start(api, ws, task["task_id"])
    assert started.status_code == 200 and started.json()["task_status"] == "PENDING"
    tid = task["task_id"]
    sim.advance(30)
    assert get_task(api, ws, tid)["task_status"] == "STARTING"
    sim.advance(20)
    running = get_task(api, ws, tid)
    assert running["task_status"] == "RUNNING"
    assert (
        running["task_progress"] == "0.00" and running["exec_start_time"] == "2024-06-03T08:00:50Z"
    )
    sim.advance(700)
    mid = get_task(api, ws, tid)
    assert 0.25 < float(mid["task_progress"]) < 0.6
    assert 0 < mid["complete_stage"] < mid["total_stage"] == 5
    for _ in range(100):
        sim.advance(60)
        done = get_task(api, ws, tid)
        if done["task_status"] != "RUNNING":
            break
    assert done["task_status"] == "SUCCESS" and done["task_progress"] == "1.00"
    assert done["complete_stage"] == done["total_stage"] and done["exec_stop_time"] is not None
    products = api.get("/v1/real3d/products", params={"product_name": "full_run"}).json()[
        "products"
    ]
    assert len(products) == 1 and products[0]["status"] == "preparing"
    assert products[0]["task_info"]["task_id"] == tid
    assert {d["type"] for d in products[0]["product_detail"]} == {
        "mesh_osgb",
        "mesh_obj",
        "metadata",
    }
    sim.advance(120)
    products = api.get("/v1/real3d/products", params={"product_name": "full_run"}).json()[
        "products"
    ]
    assert products[0]["status"] == "available"


def test_at_only_run_ends_in_bundle_success_with_at_progress(
    api: httpx.Client, sim: SimServer
) -> None:
    ws = ws_id(api, "sandbox_empty")
    ctrl = new_task(api, ws, "ctrl_task", task_type="REAL3D-CTRL")
    unctrl = new_task(api, ws, "unctrl_task")
    assert_error(start(api, ws, unctrl["task_id"], {"run_AT_only": True}), 400, "KMP.99990109")
    assert start(api, ws, ctrl["task_id"], {"run_AT_only": True}).status_code == 200
    sim.advance(50 + 300)
    mid = get_task(api, ws, ctrl["task_id"])
    assert mid["task_status"] == "RUNNING" and mid["AT_progress"] == mid["task_progress"]
    sim.advance(1000)
    done = get_task(api, ws, ctrl["task_id"])
    assert done["task_status"] == "BUNDLE_SUCCESS" and done["AT_progress"] == "1.00"
    assert (
        api.get("/v1/real3d/products", params={"product_name": "ctrl_task"}).json()["page"]["total"]
        == 0
    )
    # Full modeling after the AT run keeps AT_progress at 1.00.
    assert start(api, ws, ctrl["task_id"]).status_code == 200
    sim.advance(50 + 100)
    assert get_task(api, ws, ctrl["task_id"])["AT_progress"] == "1.00"


def test_stop_from_pending_returns_to_init_and_from_running_goes_through_stopping(
    api: httpx.Client, sim: SimServer
) -> None:
    ws = ws_id(api, "sandbox_empty")
    task = new_task(api, ws, "stop_me")
    tid = task["task_id"]
    assert_error(api.post(f"/v1/real3d/{ws}/tasks/{tid}/stop", json={}), 400, "KMP.99990105")
    start(api, ws, tid)
    assert_error(
        api.post(f"/v1/real3d/{ws}/tasks/{tid}/stop"), 400, "KMP.00011004"
    )  # body required
    stopped = api.post(f"/v1/real3d/{ws}/tasks/{tid}/stop", json={})
    assert stopped.status_code == 200 and stopped.json() is True
    assert get_task(api, ws, tid)["task_status"] == "INIT"
    sim.advance(100)  # the cancelled run must not resurrect
    assert get_task(api, ws, tid)["task_status"] == "INIT"
    start(api, ws, tid)
    sim.advance(50 + 600)
    assert api.post(f"/v1/real3d/{ws}/tasks/{tid}/stop", json={}).status_code == 200
    stopping = get_task(api, ws, tid)
    assert stopping["task_status"] == "STOPPING"
    sim.advance(15)
    final = get_task(api, ws, tid)
    assert (
        final["task_status"] == "STOP_SUCCESS"
        and final["task_progress"] == stopping["task_progress"]
    )
    sim.advance(5000)
    assert get_task(api, ws, tid)["task_status"] == "STOP_SUCCESS"


def test_start_failure_and_run_failure_carry_fail_message(
    api: httpx.Client, sim: SimServer
) -> None:
    ws = ws_id(api, "sandbox_empty")
    timings = sim.core.config.timings
    timings.real3d_start_fail_rate = 1.0
    a = new_task(api, ws, "will_not_start")
    start(api, ws, a["task_id"])
    sim.advance(60)
    failed_start = get_task(api, ws, a["task_id"])
    assert failed_start["task_status"] == "START_FAILED" and failed_start["fail_message"]
    assert failed_start["exec_start_time"] is None and failed_start["exec_stop_time"]
    assert_error(start(api, ws, a["task_id"]), 400, "KMP.99990104")  # update first
    timings.real3d_start_fail_rate = 0.0
    timings.real3d_fail_rate = 1.0
    updated = api.put(f"/v1/real3d/{ws}/tasks/{a['task_id']}", json={"task_description": "retry"})
    assert updated.json()["task_status"] == "INIT" and updated.json()["fail_message"] is None
    restarted = start(api, ws, a["task_id"]).json()
    assert restarted["exec_start_time"] is None and restarted["exec_stop_time"] is None
    sim.advance(5000)
    failed = get_task(api, ws, a["task_id"])
    assert failed["task_status"] == "FAILED" and failed["fail_message"]
    assert 0 < float(failed["task_progress"]) < 1


def test_outcomes_are_seeded_and_independent_of_request_order() -> None:
    def outcome(seed: int) -> list[str]:
        with (
            SimServer(seed=seed, qps_limit=0) as sim,
            httpx.Client(base_url=sim.base_url, headers={"X-Auth-Token": sim.demo_token}) as api,
        ):
            ws = ws_id(api, "river_corridor")
            sim.advance(20000)
            tasks = api.get(f"/v1/real3d/{ws}/tasks").json()["tasks"]
            return [f"{t['task_name']}={t['task_status']}:{t['fail_message']}" for t in tasks]

    assert outcome(7) == outcome(7)


def test_update_delete_and_archive_rules(api: httpx.Client, sim: SimServer) -> None:
    ws = ws_id(api, "survey_east_2024")
    running = task_by_name(api, ws, "east_block_fine")
    success = task_by_name(api, ws, "east_block_mesh")
    bundle = task_by_name(api, ws, "east_block_ctrl")
    url = f"/v1/real3d/{ws}/tasks"
    assert_error(
        api.put(f"{url}/{running['task_id']}", json={"task_name": "x"}), 400, "KMP.99990106"
    )
    assert_error(api.put(f"{url}/{success['task_id']}", json={}), 400, "KMP.99990106")
    assert_error(api.request("DELETE", f"{url}/{running['task_id']}", json={}), 400, "KMP.99990107")
    assert_error(api.request("DELETE", f"{url}/{bundle['task_id']}", json={}), 400, "KMP.99990107")
    assert_error(
        api.post(f"{url}/{running['task_id']}/archive", json={"archive": True}), 400, "KMP.99990108"
    )
    assert_error(api.post(f"{url}/{success['task_id']}/archive", json={}), 400, "KMP.00011004")
    archived = api.post(f"{url}/{success['task_id']}/archive", json={"archive": True})
    assert archived.status_code == 200 and archived.json()["task_status"] == "ARCHIVED"
    assert_error(
        api.post(f"{url}/{success['task_id']}/archive", json={"archive": True}), 400, "KMP.99990108"
    )
    restored = api.post(f"{url}/{success['task_id']}/archive", json={"archive": False})
    assert restored.json()["task_status"] == "SUCCESS"
    products_before = api.get("/v1/real3d/products", params={"limit": 100}).json()["page"]["total"]
    assert api.request("DELETE", f"{url}/{success['task_id']}", json={}).json() is True
    assert api.get(url, params={"task_ids": success["task_id"]}).json()["page"]["total"] == 0
    assert (
        api.get("/v1/real3d/products", params={"limit": 100}).json()["page"]["total"]
        == products_before
    )
    assert_error(api.request("DELETE", f"{url}/{success['task_id']}", json={}), 400, "KMP.99990101")


def test_start_requires_a_finished_folder(api: httpx.Client) -> None:
    ws = ws_id(api, "sandbox_empty")
    url = f"/v1/real3d/{ws}/tasks"
    bare = api.post(url, json={"task_name": "no_folder"}).json()
    assert_error(start(api, ws, bare["task_id"]), 400, "KMP.99990110")
    importing = api.post(
        url, json={"task_name": "importing", "folder_code": folder_code(api, "north_block_new")}
    ).json()
    assert_error(start(api, ws, importing["task_id"]), 400, "KMP.99990110")


@pytest.mark.parametrize("status", ["PENDING", "STARTING", "RUNNING", "STOPPING"])
def test_active_demo_tasks_progress_with_the_clock(
    api: httpx.Client, sim: SimServer, status: str
) -> None:
    tasks = []
    for name in ("survey_east_2024", "城市更新_一期", "river_corridor"):
        ws = ws_id(api, name)
        tasks += [
            (ws, t)
            for t in api.get(f"/v1/real3d/{ws}/tasks", params={"task_status": status}).json()[
                "tasks"
            ]
        ]
    assert tasks, f"demo has a task in {status}"
    sim.advance(4 * 3600)
    for ws, task in tasks:
        assert get_task(api, ws, task["task_id"])["task_status"] != status
