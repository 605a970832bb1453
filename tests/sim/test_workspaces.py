"""Workspaces: validation, uniqueness, quotas, pinning, deletion rules, filters, order, paging."""

from __future__ import annotations

import httpx

from koomap_tui.sim.records import Workspace
from koomap_tui.sim.server import SimServer
from tests.sim.conftest import assert_error, ws_id


def test_create_returns_the_documented_object(api: httpx.Client) -> None:
    response = api.post(
        "/v1/workspaces", json={"workspace_name": "新区_survey_1", "workspace_description": "批次A"}
    )
    assert response.status_code == 200
    ws = response.json()
    assert set(ws) == {
        "workspace_id",
        "workspace_name",
        "workspace_description",
        "tenant_domain_id",
        "creator",
        "latest_operator",
        "create_time",
        "update_time",
        "star",
        "can_delete",
    }
    assert len(ws["workspace_id"]) == 32 and ws["workspace_id"].isalnum()
    assert ws["star"] == 0 and ws["can_delete"] is True
    assert ws["create_time"] == "2024-06-03T08:00:00Z"


def test_create_validates_names_and_is_case_insensitively_unique(api: httpx.Client) -> None:
    for bad in ("a", "x" * 51, "has space", "dash-name", ""):
        assert_error(api.post("/v1/workspaces", json={"workspace_name": bad}), 400, "KMP.00011004")
    assert_error(api.post("/v1/workspaces", json={}), 400, "KMP.00011004")
    assert_error(
        api.post(
            "/v1/workspaces", json={"workspace_name": "ok_name", "workspace_description": "d" * 201}
        ),
        400,
        "KMP.00011004",
    )
    assert_error(
        api.post("/v1/workspaces", json={"workspace_name": "SURVEY_EAST_2024"}), 400, "KMP.99990002"
    )
    assert_error(api.post("/v1/workspaces", content=b"[1]"), 400, "KMP.00011004")


def test_quota_of_500_workspaces(api: httpx.Client, sim: SimServer) -> None:
    store = sim.core.stores["demo"]
    for i in range(500 - len(store.workspaces)):
        store.add_workspace(
            Workspace(
                id=f"{i:032x}",
                name=f"bulk_{i}",
                description="",
                tenant_domain_id="d",
                creator="u",
                latest_operator="u",
                create_time=0.0,
                update_time=0.0,
                star=0,
                seq=i,
            )
        )
    assert_error(
        api.post("/v1/workspaces", json={"workspace_name": "one_too_many"}), 400, "KMP.99990003"
    )


def test_update_renames_pins_and_enforces_four_pins(api: httpx.Client) -> None:
    river = ws_id(api, "river_corridor")
    response = api.put(
        f"/v1/workspaces/{river}", json={"workspace_name": "river_renamed", "star": 1}
    )
    assert response.status_code == 200
    assert response.json()["workspace_name"] == "river_renamed" and response.json()["star"] == 1
    assert_error(
        api.put(f"/v1/workspaces/{river}", json={"workspace_name": "Survey_East_2024"}),
        400,
        "KMP.99990002",
    )
    # Renaming to its own name in another case is allowed.
    assert (
        api.put(f"/v1/workspaces/{river}", json={"workspace_name": "RIVER_renamed"}).status_code
        == 200
    )
    sat = ws_id(api, "卫星影像_华北")
    assert api.put(f"/v1/workspaces/{sat}", json={"star": 1}).status_code == 200  # 4 pinned now
    sandbox = ws_id(api, "sandbox_empty")
    assert_error(api.put(f"/v1/workspaces/{sandbox}", json={"star": 1}), 400, "KMP.99990004")
    assert_error(api.put(f"/v1/workspaces/{sandbox}", json={"star": 2}), 400, "KMP.00011004")
    assert_error(api.put("/v1/workspaces/" + "0" * 32, json={}), 400, "KMP.99990001")


def test_delete_needs_body_unpinned_and_empty(api: httpx.Client) -> None:
    sandbox = ws_id(api, "sandbox_empty")
    assert_error(api.delete(f"/v1/workspaces/{sandbox}"), 400, "KMP.00011004")
    pinned = ws_id(api, "survey_east_2024")
    assert_error(api.request("DELETE", f"/v1/workspaces/{pinned}", json={}), 400, "KMP.99990005")
    busy = ws_id(api, "river_corridor")
    assert_error(api.request("DELETE", f"/v1/workspaces/{busy}", json={}), 400, "KMP.99990005")
    response = api.request("DELETE", f"/v1/workspaces/{sandbox}", json={})
    assert response.status_code == 200 and response.json() is True
    names = [
        w["workspace_name"] for w in api.get("/v1/workspaces", params={"limit": 100}).json()["data"]
    ]
    assert "sandbox_empty" not in names


def test_can_delete_flag_and_inverted_switch(api: httpx.Client) -> None:
    data = {
        w["workspace_name"]: w
        for w in api.get("/v1/workspaces", params={"limit": 100}).json()["data"]
    }
    assert data["sandbox_empty"]["can_delete"] is True
    assert data["river_corridor"]["can_delete"] is False
    with (
        SimServer(invert_can_delete=True) as inverted,
        httpx.Client(base_url=inverted.base_url) as c,
    ):
        rows = c.get("/v1/workspaces", headers={"X-Auth-Token": inverted.demo_token}).json()["data"]
        assert {w["workspace_name"]: w["can_delete"] for w in rows}["sandbox_empty"] is False


def test_list_order_filters_and_paging(api: httpx.Client) -> None:
    body = api.get("/v1/workspaces").json()
    assert body["page"] == {"offset": 0, "limit": 10, "total": 5}
    names = [w["workspace_name"] for w in body["data"]]
    # Pinned first (newest first among them), then the rest newest first.
    assert names == [
        "城市更新_一期",
        "survey_east_2024",
        "sandbox_empty",
        "卫星影像_华北",
        "river_corridor",
    ]
    asc = [
        w["workspace_name"]
        for w in api.get("/v1/workspaces", params={"order_by": "create_time_asc"}).json()["data"]
    ]
    assert asc == [
        "survey_east_2024",
        "城市更新_一期",
        "river_corridor",
        "卫星影像_华北",
        "sandbox_empty",
    ]
    page = api.get("/v1/workspaces", params={"offset": 1, "limit": 2}).json()
    assert [w["workspace_name"] for w in page["data"]] == names[1:3]
    assert page["page"] == {"offset": 1, "limit": 2, "total": 5}
    assert [
        w["star"] for w in api.get("/v1/workspaces", params={"star": "true"}).json()["data"]
    ] == [1, 1]
    assert api.get("/v1/workspaces", params={"star": "false"}).json()["page"]["total"] == 3
    fuzzy = api.get("/v1/workspaces", params={"workspace_name": "EAST"}).json()["data"]
    assert [w["workspace_name"] for w in fuzzy] == ["survey_east_2024"]
    ids = [ws_id(api, "river_corridor"), ws_id(api, "sandbox_empty")]
    repeated = api.get(
        "/v1/workspaces", params=[("workspace_ids", ids[0]), ("workspace_ids", ids[1])]
    )
    comma = api.get("/v1/workspaces", params={"workspace_ids": ",".join(ids)})
    assert repeated.json()["page"]["total"] == comma.json()["page"]["total"] == 2
    recent = api.get("/v1/workspaces", params={"create_time_from": "2024-04-20T00:00:00Z"}).json()
    assert {w["workspace_name"] for w in recent["data"]} == {"卫星影像_华北", "sandbox_empty"}
    older = api.get("/v1/workspaces", params={"update_time_to": "2024-04-01T00:00:00Z"}).json()
    assert {w["workspace_name"] for w in older["data"]} == {"survey_east_2024", "城市更新_一期"}


def test_list_rejects_bad_paging_and_filters(api: httpx.Client) -> None:
    for params in (
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"offset": "x"},
        {"order_by": "name"},
        {"create_time_from": "2024-01-01"},
        {"star": "maybe"},
    ):
        assert_error(api.get("/v1/workspaces", params=params), 400, "KMP.00011004")
    assert api.get("/v1/workspaces", params={"limit": 100}).status_code == 200
