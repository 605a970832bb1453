"""Workspaces (SPEC §2)."""

from __future__ import annotations

from typing import Any

from koomap_tui.sim import errors as E
from koomap_tui.sim.core import Simulator
from koomap_tui.sim.errors import SimError, bad_param
from koomap_tui.sim.params import (
    bool_param,
    fuzzy,
    in_range,
    name_param,
    opt_name,
    page,
    paging,
    require,
    time_param,
    to_int,
)
from koomap_tui.sim.records import Workspace
from koomap_tui.sim.request import Req
from koomap_tui.sim.store import TenantStore

MAX_WORKSPACES = 500
MAX_PINNED = 4


def get_workspace(store: TenantStore, ws_id: str) -> Workspace:
    ws = store.workspaces.get(ws_id)
    if ws is None:
        raise SimError(E.WS_NOT_FOUND, "The workspace does not exist.")
    return ws


def ws_json(sim: Simulator, store: TenantStore, ws: Workspace) -> dict[str, Any]:
    return ws.to_json(store.workspace_task_count(ws.id), sim.config.invert_can_delete)


def create(sim: Simulator, req: Req) -> Any:
    body = req.json(required=True)
    store = req.store
    name = name_param(require(body, "workspace_name"), "workspace_name", 2, 50)
    desc = opt_name(body.get("workspace_description"), "workspace_description", 200)
    if len(store.workspaces) >= MAX_WORKSPACES:
        raise SimError(E.WS_QUOTA, "The tenant already has 500 workspaces.")
    if name.lower() in store.ws_names:
        raise SimError(E.WS_DUP_NAME, "A workspace with the same name already exists.")
    ws = Workspace(
        id=store.new_id(),
        name=name,
        description=desc or "",
        tenant_domain_id=store.tenant.domain_id,
        creator=req.user,
        latest_operator=req.user,
        create_time=req.now,
        update_time=req.now,
        star=0,
        seq=store.next_seq(),
    )
    store.add_workspace(ws)
    return ws_json(sim, store, ws)


def list_(sim: Simulator, req: Req) -> Any:
    q = req.query
    store = req.store
    offset, limit = paging(q)
    items = list(store.workspaces.values())
    ids = q.list("workspace_ids")
    if ids:
        wanted = set(ids)
        items = [w for w in items if w.id in wanted]
    name = fuzzy(q.get("workspace_name"))
    if name:
        items = [w for w in items if name in w.name.lower()]
    star = bool_param(q.get("star"), "star")
    if star is not None:
        items = [w for w in items if (w.star == 1) == star]
    items = in_range(
        items,
        (
            time_param(q.get("create_time_from"), "create_time_from"),
            time_param(q.get("create_time_to"), "create_time_to"),
        ),
        "create_time",
    )
    items = in_range(
        items,
        (
            time_param(q.get("update_time_from"), "update_time_from"),
            time_param(q.get("update_time_to"), "update_time_to"),
        ),
        "update_time",
    )
    order = q.get("order_by") or "create_time_desc"
    if order not in ("create_time_asc", "create_time_desc"):
        raise bad_param("order_by")
    desc = order == "create_time_desc"
    items.sort(key=lambda w: (w.create_time, w.seq), reverse=desc)
    items.sort(key=lambda w: -w.star)  # stable: pinned first, then the requested order
    chunk, pg = page(items, offset, limit)
    return {"data": [ws_json(sim, store, w) for w in chunk], "page": pg}


def update(sim: Simulator, req: Req) -> Any:
    store = req.store
    ws = get_workspace(store, req.params["workspace_id"])
    body = req.json(required=True)
    name = body.get("workspace_name")
    if name is not None:
        name = name_param(name, "workspace_name", 2, 50)
        other = store.ws_names.get(name.lower())
        if other is not None and other != ws.id:
            raise SimError(E.WS_DUP_NAME, "A workspace with the same name already exists.")
    desc = opt_name(body.get("workspace_description"), "workspace_description", 200)
    star = body.get("star")
    if star is not None:
        star = to_int(star, "star", 0, 1)
        pinned = sum(1 for w in store.workspaces.values() if w.star == 1 and w.id != ws.id)
        if star == 1 and ws.star == 0 and pinned >= MAX_PINNED:
            raise SimError(E.WS_PIN_QUOTA, "At most 4 workspaces can be pinned.")
    if name is not None:
        store.ws_names.pop(ws.name.lower(), None)
        ws.name = name
        store.ws_names[name.lower()] = ws.id
    if desc is not None:
        ws.description = desc
    if star is not None:
        ws.star = star
    ws.latest_operator = req.user
    ws.update_time = req.now
    return ws_json(sim, store, ws)


def delete(sim: Simulator, req: Req) -> Any:
    store = req.store
    ws = get_workspace(store, req.params["workspace_id"])
    req.json(required=True)
    if ws.star != 0 or store.workspace_task_count(ws.id):
        raise SimError(E.WS_NOT_DELETABLE, "The workspace is pinned or still contains tasks.")
    store.remove_workspace(ws)
    return True
