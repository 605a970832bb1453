"""Folders (GET with a body), products, refined products and Real3D usage."""

from __future__ import annotations

import httpx

from koomap_tui.sim.server import SimServer
from tests.sim.conftest import assert_error


def folders(api: httpx.Client, body: dict | None = None, **params: object) -> httpx.Response:
    return api.request("GET", "/v1/real3d/folders", json=body, params=params or None)


def test_folder_list_body_query_and_conditions(api: httpx.Client) -> None:
    default = folders(api, {"offset": 0, "limit": 100}).json()
    assert default["page"]["total"] == 7
    names = [f["folder_name"] for f in default["folders"]]
    assert names[0] == "north_block_new"  # newest upload first
    assert {f["status"] for f in default["folders"]} == {0, 1, 2}
    folder = default["folders"][0]
    assert set(folder) == {
        "folder_code",
        "folder_name",
        "folder_alias",
        "folder_desc",
        "obs_endpoint",
        "obs_path",
        "create_time",
        "status",
    }
    by_query = api.get("/v1/real3d/folders", params={"offset": 1, "limit": 2}).json()
    assert by_query["page"] == {"offset": 1, "limit": 2, "total": 7}
    body_wins = folders(api, {"offset": 0, "limit": 3}, offset=5, limit=1).json()
    assert body_wins["page"] == {"offset": 0, "limit": 3, "total": 7}
    assert_error(api.get("/v1/real3d/folders"), 400, "KMP.00011004")
    done = folders(
        api, {"offset": 0, "limit": 100, "condition": {"status": "1", "order": "1"}}
    ).json()
    assert [f["folder_name"] for f in done["folders"]] == sorted(
        f["folder_name"] for f in done["folders"]
    )
    assert all(f["status"] == 1 for f in done["folders"])
    alias = folders(api, {"offset": 0, "limit": 10, "condition": {"folder_alias": "西区"}}).json()
    assert [f["folder_name"] for f in alias["folders"]] == ["西区_倾斜_20240315"]
    timed = folders(
        api, {"offset": 0, "limit": 10, "condition": {"from": "2024-05-01T00:00:00Z"}}
    ).json()
    assert {f["folder_name"] for f in timed["folders"]} == {
        "north_block_new",
        "south_block_corrupt",
    }
    for cond in ({"status": "5"}, {"order": "4"}, {"folder_name": "bad name!"}, {"to": "june"}):
        assert_error(
            folders(api, {"offset": 0, "limit": 10, "condition": cond}), 400, "KMP.00011004"
        )


def test_importing_folder_finishes_with_the_clock(api: httpx.Client, sim: SimServer) -> None:
    body = {"offset": 0, "limit": 10, "condition": {"folder_name": "north_block_new"}}
    assert folders(api, body).json()["folders"][0]["status"] == 0
    sim.advance(400)
    assert folders(api, body).json()["folders"][0]["status"] == 1


def test_products_list_filters_and_delete_lifecycle(api: httpx.Client, sim: SimServer) -> None:
    listed = api.get("/v1/real3d/products", params={"limit": 100}).json()
    statuses = {p["name"]: p["status"] for p in listed["products"]}
    assert set(statuses.values()) == {"preparing", "available", "deleting"}
    times = [p["update_time"] for p in listed["products"]]
    assert times == sorted(times, reverse=True)
    product = next(p for p in listed["products"] if p["name"] == "east_block_mesh")
    assert set(product["task_info"]) == {
        "task_id",
        "task_name",
        "task_params",
        "task_exec_start_time",
        "task_exec_end_time",
    }
    assert product["storage_size_byte"] == sum(
        d["storage_size_byte"] for d in product["product_detail"]
    )
    assert (
        api.get("/v1/real3d/products", params={"product_id": product["id"]}).json()["page"]["total"]
        == 1
    )
    assert (
        api.get("/v1/real3d/products", params={"product_name": "EAST"}).json()["page"]["total"] == 2
    )
    preparing = next(p for p in listed["products"] if p["status"] == "preparing")
    assert_error(
        api.request("DELETE", f"/v1/real3d/products/{preparing['id']}", json={}),
        400,
        "KMP.99990402",
    )
    assert_error(api.delete(f"/v1/real3d/products/{product['id']}"), 400, "KMP.00011004")
    assert api.request("DELETE", f"/v1/real3d/products/{product['id']}", json={}).json() is True
    again = api.get("/v1/real3d/products", params={"product_id": product["id"]}).json()["products"]
    assert again[0]["status"] == "deleting"
    sim.advance(30)
    assert (
        api.get("/v1/real3d/products", params={"product_id": product["id"]}).json()["page"]["total"]
        == 0
    )
    assert_error(
        api.request("DELETE", f"/v1/real3d/products/{product['id']}", json={}), 400, "KMP.99990401"
    )


def test_product_details_key_switch() -> None:
    with (
        SimServer(product_detail_key="product_details") as sim,
        httpx.Client(base_url=sim.base_url) as c,
    ):
        product = c.get("/v1/real3d/products", headers={"X-Auth-Token": sim.demo_token}).json()[
            "products"
        ][0]
        assert "product_details" in product and "product_detail" not in product


def test_refine_products_filters_order_and_delete(api: httpx.Client, sim: SimServer) -> None:
    listed = api.get("/v1/real3d/refineproducts", params={"limit": 100}).json()
    assert listed["page"]["total"] == 2
    item = listed["refine_products"][0]
    assert set(item) >= {
        "id",
        "name",
        "status",
        "subtask_info",
        "task_info",
        "product_details",
        "storage_size_byte",
        "create_time",
        "update_time",
        "tenant_domain_id",
    }
    assert set(item["task_info"]) >= {"task_id", "task_name", "workspace_id", "task_params"}
    asc = api.get("/v1/real3d/refineproducts", params={"order_by": "subtask_name_asc"}).json()[
        "refine_products"
    ]
    names = [p["subtask_info"]["subtask_name"] for p in asc]
    assert names == sorted(names)
    assert (
        api.get("/v1/real3d/refineproducts", params={"subtask_name": "精修"}).json()["page"][
            "total"
        ]
        == 1
    )
    assert (
        api.get("/v1/real3d/refineproducts", params={"task_name": "老城区"}).json()["page"]["total"]
        == 1
    )
    window = {"subtask_completed_time_from": "2024-06-03T00:00:00Z"}
    assert api.get("/v1/real3d/refineproducts", params=window).json()["page"]["total"] == 1
    window = {"subtask_create_time_to": "2024-06-02T12:00:00Z"}
    assert api.get("/v1/real3d/refineproducts", params=window).json()["page"]["total"] == 1
    assert_error(
        api.get("/v1/real3d/refineproducts", params={"order_by": "x"}), 400, "KMP.00011004"
    )
    target = asc[0]["id"]
    assert api.delete(f"/v1/real3d/refineproducts/{target}").json() is True  # body optional
    sim.advance(30)
    assert (
        api.get("/v1/real3d/refineproducts", params={"refine_product_id": target}).json()["page"][
            "total"
        ]
        == 0
    )


def test_real3d_usage(api: httpx.Client) -> None:
    assert_error(api.get("/v1/real3d/usages"), 400, "KMP.00011004")
    data = api.get("/v1/real3d/usages", params={"usage_type": "DATA"}).json()["data"]
    assert data[0]["usage_measure_name"] == "时空专属存储" and data[0]["unit"] == "GB"
    real3d = api.get("/v1/real3d/usages", params={"usage_type": "REAL3D"}).json()["data"]
    assert {u["usage_subtype"] for u in real3d} == {"REAL3D_BASIC", "REAL3D_PRO"}
    for row in real3d:
        assert {
            "usage_measure_name",
            "usage",
            "capacity",
            "unit",
            "created_time",
            "update_time",
        } <= set(row)
        assert isinstance(row["usage"], float)
