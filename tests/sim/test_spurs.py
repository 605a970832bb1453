"""Spur points: add/list/count/delete, ranges, marker file, has_marker side effect."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sim.conftest import assert_error, task_by_name, ws_id

SPUR = {
    "imageCode": "1790000000000000099",
    "pointWidth": "5120.50000",
    "pointHeight": "3311.25000",
    "longitude": "114.0578123",
    "latitude": "22.5431456",
    "height": "41.200",
    "accuracy": "0.05",
}


def ctrl_task(api: httpx.Client, name: str = "east_block_ctrl") -> dict:
    return task_by_name(api, ws_id(api, "survey_east_2024"), name)


def test_demo_spurs_list_and_count(api: httpx.Client) -> None:
    task = ctrl_task(api)
    assert task["has_marker"] is True
    listed = api.post(
        "/v1/real3d/spurs", json={"imageCode": "1790000000000000001", "taskId": task["task_id"]}
    )
    body = listed.json()
    assert body["page"] == {"offset": 0, "limit": 10, "total": 1}
    spur = body["spurInfos"][0]
    assert set(spur) == {
        "imageCode",
        "id",
        "taskId",
        "pointWidth",
        "pointHeight",
        "longitude",
        "latitude",
        "height",
        "accuracy",
    }
    assert all(isinstance(v, str) for v in spur.values())
    count = api.post(
        "/v1/real3d/spur/count",
        json={
            "taskId": task["task_id"],
            "longitude": "114.0578123",
            "latitude": "22.5431456",
            "height": "41.2",
            "accuracy": 0.05,
        },
    )
    assert count.json() == {"count": 3}
    none = api.post(
        "/v1/real3d/spur/count",
        json={"taskId": task["task_id"], "longitude": 1, "latitude": 2, "height": 3, "accuracy": 1},
    )
    assert none.json() == {"count": 0}


def test_spur_edits_only_on_ctrl_in_bundle_success(api: httpx.Client, sim: Any) -> None:
    """states.json (inferred): edit_spurs only for REAL3D-CTRL in BUNDLE_SUCCESS."""
    ws = ws_id(api, "survey_east_2024")
    ctrl = ctrl_task(api)
    assert ctrl["task_status"] == "BUNDLE_SUCCESS"
    added = api.post("/v1/real3d/spur", json={**SPUR, "taskId": ctrl["task_id"]})
    assert added.status_code == 200, added.text
    others = api.get(f"/v1/real3d/{ws}/tasks", params={"limit": 100}).json()["tasks"]
    other = next(t for t in others if t["task_status"] != "BUNDLE_SUCCESS")
    refused = api.post("/v1/real3d/spur", json={**SPUR, "taskId": other["task_id"]})
    assert_error(refused, 400, "KMP.99990303")
    assert other["task_status"] in refused.json()["error_msg"]
    # Configurable like the other inferred rules (--any-state-spurs).
    sim.core.config.spur_state_gate = False
    assert api.post("/v1/real3d/spur", json={**SPUR, "taskId": other["task_id"]}).status_code == 200


def test_add_delete_and_marker_info(api: httpx.Client, sim: Any) -> None:
    sim.core.config.spur_state_gate = False  # a fresh INIT task shows the has_marker effect
    task = api.post(
        f"/v1/real3d/{ws_id(api, 'sandbox_empty')}/tasks",
        json={"task_name": "ctrl_new", "task_type": "REAL3D-CTRL"},
    ).json()
    tid = task["task_id"]
    assert_error(api.post(f"/v1/real3d/spur/{tid}/markerinfo", json={}), 400, "KMP.99990302")
    added = api.post("/v1/real3d/spur", json={**SPUR, "taskId": tid})
    assert added.status_code == 200, added.text
    spur = added.json()
    assert spur["id"].isdigit() and spur["taskId"] == tid and spur["pointWidth"] == "5120.50000"
    ws = ws_id(api, "sandbox_empty")
    assert (
        api.get(f"/v1/real3d/{ws}/tasks", params={"task_ids": tid}).json()["tasks"][0]["has_marker"]
        is True
    )
    # No body, as the official SDK sends it, and {} as the reference shows: both accepted.
    assert api.post(f"/v1/real3d/spur/{tid}/markerinfo").json() is True
    assert api.post(f"/v1/real3d/spur/{tid}/markerinfo", json={}).json() is True
    bad = api.post(
        f"/v1/real3d/spur/{tid}/markerinfo",
        content=b"not json",
        headers={"Content-Type": "application/json"},
    )
    assert_error(bad, 400, "KMP.00011004")
    assert api.request("DELETE", "/v1/real3d/spur", json={"id": spur["id"]}).json() is True
    assert_error(
        api.request("DELETE", "/v1/real3d/spur", json={"id": spur["id"]}), 400, "KMP.99990301"
    )
    assert_error(api.request("DELETE", "/v1/real3d/spur", json={}), 400, "KMP.00011004")


def test_ranges_and_required_fields(api: httpx.Client) -> None:
    tid = ctrl_task(api)["task_id"]
    for change in (
        {"accuracy": "0"},
        {"accuracy": "100"},
        {"longitude": "10000001"},
        {"height": "-1e8"},
        {"latitude": "north"},
        {"pointWidth": "-1"},
        {"imageCode": None},
    ):
        assert_error(
            api.post("/v1/real3d/spur", json={**SPUR, "taskId": tid, **change}), 400, "KMP.00011004"
        )
    assert_error(
        api.post("/v1/real3d/spur", json={**SPUR, "taskId": "0" * 32}), 400, "KMP.99990101"
    )
    assert (
        api.post("/v1/real3d/spur", json={**SPUR, "taskId": tid, "accuracy": "99.9"}).status_code
        == 200
    )
    assert_error(api.post("/v1/real3d/spurs", json={"taskId": tid}), 400, "KMP.00011004")
    assert_error(
        api.post("/v1/real3d/spurs", json={"taskId": tid, "imageCode": "1", "limit": 101}),
        400,
        "KMP.00011004",
    )


def test_list_paging(api: httpx.Client) -> None:
    tid = ctrl_task(api)["task_id"]
    for i in range(12):
        api.post("/v1/real3d/spur", json={**SPUR, "taskId": tid, "longitude": str(100 + i)})
    first = api.post(
        "/v1/real3d/spurs", json={"imageCode": SPUR["imageCode"], "taskId": tid, "limit": 5}
    ).json()
    rest = api.post(
        "/v1/real3d/spurs",
        json={"imageCode": SPUR["imageCode"], "taskId": tid, "offset": 10, "limit": 5},
    ).json()
    assert (
        first["page"]["total"] == 12
        and len(first["spurInfos"]) == 5
        and len(rest["spurInfos"]) == 2
    )
    assert first["spurInfos"][0]["longitude"] == "100"
