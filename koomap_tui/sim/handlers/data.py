"""Real3D data management and usage (SPEC §6, §7)."""

from __future__ import annotations

from typing import Any

from koomap_tui.sim import errors as E
from koomap_tui.sim.clock import fmt_utc, parse_utc
from koomap_tui.sim.core import Simulator
from koomap_tui.sim.errors import SimError, bad_param
from koomap_tui.sim.params import (
    FOLDER_CHARS,
    fuzzy,
    in_range,
    json_body,
    opt_name,
    page,
    paging,
    time_param,
)
from koomap_tui.sim.records import Product
from koomap_tui.sim.request import Req

FOLDER_ORDERS = {
    "1": ("name", False),
    "-1": ("name", True),
    "2": ("alias", False),
    "-2": ("alias", True),
    "3": ("create_time", False),
    "-3": ("create_time", True),
}
REFINE_ORDERS = {
    "task_name_asc": (lambda p: p.task_info["task_name"], False),
    "task_name_desc": (lambda p: p.task_info["task_name"], True),
    "subtask_name_asc": (lambda p: (p.subtask_info or {})["subtask_name"], False),
    "subtask_name_desc": (lambda p: (p.subtask_info or {})["subtask_name"], True),
}


def list_folders(sim: Simulator, req: Req) -> Any:
    """GET with a JSON body; offset/limit may also come from the query (the body wins)."""
    body = json_body(req.body, required=False) or {}
    source = {"offset": req.query.get("offset"), "limit": req.query.get("limit")}
    for key in ("offset", "limit"):
        if body.get(key) is not None:
            source[key] = body[key]
    offset, limit = paging(source, required=True)
    cond = body.get("condition") or {}
    if not isinstance(cond, dict):
        raise bad_param("condition")
    items = list(req.store.folders.values())
    for field, attr in (("folder_name", "name"), ("folder_alias", "alias")):
        value = cond.get(field)
        if value:
            opt_name(value, field, 100, FOLDER_CHARS)
            needle = value.lower()
            items = [f for f in items if needle in getattr(f, attr).lower()]
    desc = cond.get("folder_desc")
    if desc:
        opt_name(desc, "folder_desc", 255, FOLDER_CHARS)
        items = [f for f in items if desc.lower() in f.desc.lower()]
    items = in_range(
        items,
        (time_param(cond.get("from"), "from"), time_param(cond.get("to"), "to")),
        "create_time",
    )
    status = cond.get("status")
    if status is not None and status != "":
        if str(status) not in ("0", "1", "2"):
            raise bad_param("condition.status")
        items = [f for f in items if f.status == int(status)]
    order = str(cond.get("order") or "-3")
    if order not in FOLDER_ORDERS:
        raise bad_param("condition.order")
    attr, reverse = FOLDER_ORDERS[order]
    items.sort(key=lambda f: getattr(f, attr), reverse=reverse)
    chunk, pg = page(items, offset, limit)
    return {"folders": [f.to_json() for f in chunk], "page": pg}


def list_products(sim: Simulator, req: Req) -> Any:
    q = req.query
    offset, limit = paging(q)
    items = list(req.store.products.values())
    pid = q.get("product_id")
    if pid:
        items = [p for p in items if p.id == pid]
    name = fuzzy(q.get("product_name"))
    if name:
        items = [p for p in items if name in p.name.lower()]
    items.sort(key=lambda p: p.update_time, reverse=True)
    chunk, pg = page(items, offset, limit)
    key = sim.config.product_detail_key
    return {"products": [p.to_json(key) for p in chunk], "page": pg}


def _delete(sim: Simulator, req: Req, table: dict[str, Product], product_id: str) -> Any:
    product = table.get(product_id)
    if product is None:
        raise SimError(E.PRODUCT_NOT_FOUND, "The product does not exist.")
    if product.status != "available":
        raise SimError(E.PRODUCT_STATE, f"The product is {product.status} and cannot be deleted.")
    sim.machines.delete_product(req.store, product, req.now)
    return True


def delete_product(sim: Simulator, req: Req) -> Any:
    req.json(required=True)
    return _delete(sim, req, req.store.products, req.params["product_id"])


def delete_refine_product(sim: Simulator, req: Req) -> Any:
    req.json(required=False)
    return _delete(sim, req, req.store.refine_products, req.params["refine_product_id"])


def list_refine_products(sim: Simulator, req: Req) -> Any:
    q = req.query
    offset, limit = paging(q)
    items = list(req.store.refine_products.values())
    rid = q.get("refine_product_id")
    if rid:
        items = [p for p in items if p.id == rid]
    task_name = fuzzy(q.get("task_name"))
    if task_name:
        items = [p for p in items if task_name in p.task_info["task_name"].lower()]
    sub_name = fuzzy(q.get("subtask_name"))
    if sub_name:
        items = [p for p in items if sub_name in (p.subtask_info or {})["subtask_name"].lower()]
    for prefix, field in (
        ("subtask_create_time", "create_time"),
        ("subtask_completed_time", "completed_time"),
    ):
        lo = time_param(q.get(prefix + "_from"), prefix + "_from")
        hi = time_param(q.get(prefix + "_to"), prefix + "_to")
        if lo is not None or hi is not None:
            kept = []
            for p in items:
                text = (p.subtask_info or {}).get(field)
                if text is None:
                    continue
                ts = parse_utc(text)
                if (lo is None or ts >= lo) and (hi is None or ts <= hi):
                    kept.append(p)
            items = kept
    order = q.get("order_by")
    items.sort(key=lambda p: p.update_time, reverse=True)
    if order:
        if order not in REFINE_ORDERS:
            raise bad_param("order_by")
        keyfn, reverse = REFINE_ORDERS[order]
        items.sort(key=keyfn, reverse=reverse)
    chunk, pg = page(items, offset, limit)
    return {"refine_products": [p.to_json() for p in chunk], "page": pg}


def real3d_usage(sim: Simulator, req: Req) -> Any:
    usage_type = req.query.get("usage_type")
    if usage_type not in ("DATA", "REAL3D"):
        raise bad_param("usage_type must be DATA or REAL3D")
    store = req.store
    base = store.usage_base
    created = fmt_utc(sim.epoch - 90 * 86400)
    updated = fmt_utc(req.now)
    domain = store.tenant.domain_id
    if usage_type == "DATA":
        stored = sum(p.storage_size() for p in store.products.values())
        stored += sum(p.storage_size() for p in store.refine_products.values())
        return {
            "data": [
                {
                    "usage_measure_name": "时空专属存储",
                    "usage_type": "DATA",
                    "domain_id": domain,
                    "usage_subtype": "",
                    "usage": round(base.get("data_gb", 0.0) + stored / 2**30, 2),
                    "capacity": 500.0,
                    "usage_unit_type": "VOLUME",
                    "unit": "GB",
                    "created_time": created,
                    "update_time": updated,
                }
            ]
        }
    runs = sum(t.run_count for t in store.tasks.values())
    return {
        "data": [
            {
                "usage_measure_name": "实景三维生产服务基础版",
                "usage_type": "REAL3D",
                "domain_id": domain,
                "usage_subtype": "REAL3D_BASIC",
                "usage": round(base.get("basic_gp", 0.0), 2),
                "capacity": 0.0,
                "usage_unit_type": "NUMBER",
                "unit": "GP",
                "created_time": created,
                "update_time": updated,
            },
            {
                "usage_measure_name": "实景三维生产服务专业版",
                "usage_type": "REAL3D",
                "domain_id": domain,
                "usage_subtype": "REAL3D_PRO",
                "usage": float(int(base.get("pro_runs", 0)) + runs),
                "capacity": 100.0,
                "usage_unit_type": "COUNT",
                "unit": "次",
                "created_time": created,
                "update_time": updated,
            },
        ]
    }
