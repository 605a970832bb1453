"""Refinement post-processing subtasks (SPEC §4), including the simulator-only upload status."""

from __future__ import annotations

from typing import Any

from koomap_tui.sim import errors as E
from koomap_tui.sim.core import Simulator
from koomap_tui.sim.errors import SimError
from koomap_tui.sim.handlers.real3d import get_task
from koomap_tui.sim.params import fuzzy, in_range, name_param, page, paging, require, time_param
from koomap_tui.sim.records import SubTask
from koomap_tui.sim.request import Req
from koomap_tui.sim.store import TenantStore

MAX_SUBTASKS = 10
STATUSES = frozenset(
    {
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
)
STARTABLE = ("UPLOAD_SUCCESS", "STOP_SUCCESS", "FAILED")
STOPPABLE = ("PENDING", "STARTING", "RUNNING")
DELETABLE = (
    "INIT",
    "UPLOAD_SUCCESS",
    "UPLOAD_FAILED",
    "START_FAILED",
    "SUCCESS",
    "FAILED",
    "STOP_SUCCESS",
)
UPLOAD_VALUES = ("UPLOADING", "UPLOAD_SUCCESS", "UPLOAD_FAILED")


def get_subtask(store: TenantStore, req: Req) -> SubTask:
    task = get_task(store, req.params["workspace_id"], req.params["task_id"])
    sub = store.subtasks.get(task.id, {}).get(req.params["subtask_id"])
    if sub is None:
        raise SimError(E.SUB_NOT_FOUND, "The refinement subtask does not exist under this task.")
    return sub


def create(sim: Simulator, req: Req) -> Any:
    store = req.store
    task = get_task(store, req.params["workspace_id"], req.params["task_id"])
    body = req.json(required=True)
    name = name_param(require(body, "subtask_name"), "subtask_name", 1, 50)
    if task.modeling_type != "Nerf" or task.status not in ("SUCCESS", "ARCHIVED"):
        raise SimError(E.SUB_PARENT_STATE, "Subtasks can only be created for a finished Nerf task.")
    subs = store.subtasks.setdefault(task.id, {})
    if len(subs) >= MAX_SUBTASKS:
        raise SimError(E.SUB_QUOTA, "The task already has 10 refinement subtasks.")
    if any(s.name.lower() == name.lower() for s in subs.values()):
        raise SimError(
            E.SUB_DUP_NAME, "A subtask with the same name already exists under this task."
        )
    sub_id = store.new_id()
    sub = SubTask(
        id=sub_id,
        task=task,
        name=name,
        status="INIT",
        model_path=f"obs://koomap-refine-upload/{sub_id}/",
        refine_product_id=store.new_id(),
        create_time=req.now,
        update_time=req.now,
        tenant_domain_id=store.tenant.domain_id,
        creator=req.user,
        latest_operator=req.user,
        seq=store.next_seq(),
    )
    subs[sub.id] = sub
    return sub.to_json(req.now)


def list_(sim: Simulator, req: Req) -> Any:
    store = req.store
    q = req.query
    task = get_task(store, req.params["workspace_id"], req.params["task_id"])
    offset, limit = paging(q)
    statuses = q.list("subtask_status")
    if any(s not in STATUSES for s in statuses):
        raise SimError(E.SUBTASK_STATUS_VALUE, "Invalid refinement subtask status value.")
    items = sorted(
        store.subtasks.get(task.id, {}).values(),
        key=lambda s: (s.create_time, s.seq),
        reverse=True,
    )
    sub_id = q.get("subtask_id")
    if sub_id:
        items = [s for s in items if s.id == sub_id]
    name = fuzzy(q.get("subtask_name"))
    if name:
        items = [s for s in items if name in s.name.lower()]
    if statuses:
        wanted = set(statuses)
        items = [s for s in items if s.status in wanted]
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
    chunk, pg = page(items, offset, limit)
    return {"subtasks": [s.to_json(req.now) for s in chunk], "page": pg}


def start(sim: Simulator, req: Req) -> Any:
    store = req.store
    sub = get_subtask(store, req)
    req.json(required=True)
    if sub.status not in STARTABLE:
        raise SimError(
            E.SUB_START_STATE, f"The subtask status {sub.status} does not allow starting it."
        )
    sub.latest_operator = req.user
    sim.machines.start_subtask(store, sub, req.now)
    return sub.to_json(req.now)


def stop(sim: Simulator, req: Req) -> Any:
    sub = get_subtask(req.store, req)
    req.json(required=True)
    if sub.status not in STOPPABLE:
        raise SimError(
            E.SUB_STOP_STATE, f"The subtask status {sub.status} does not allow stopping it."
        )
    sub.latest_operator = req.user
    sim.machines.stop_subtask(sub, req.now)
    return True


def delete(sim: Simulator, req: Req) -> Any:
    store = req.store
    sub = get_subtask(store, req)
    req.json(required=True)
    if sub.status not in DELETABLE:
        raise SimError(
            E.SUB_DELETE_STATE, f"The subtask status {sub.status} does not allow deleting it."
        )
    sub.touch()
    store.subtasks[sub.task.id].pop(sub.id, None)
    product = store.refine_products.pop(sub.refine_product_id or "", None)
    if product is not None:
        product.gen += 1
    return True


def upload_status(sim: Simulator, req: Req) -> Any:
    sub = get_subtask(req.store, req)
    body = req.json(required=True)
    value = body.get("subtask_status")
    if value not in UPLOAD_VALUES:
        raise SimError(E.SUBTASK_STATUS_VALUE, "Invalid refinement subtask status value.")
    allowed = ("INIT", "UPLOAD_FAILED") if value == "UPLOADING" else ("UPLOADING",)
    if sub.status not in allowed:
        raise SimError(
            E.SUBTASK_UPLOAD_STATE,
            "The subtask's current status does not allow updating the upload status.",
        )
    sub.status = value
    sub.latest_operator = req.user
    sub.update_time = req.now
    sub.touch()
    return sub.to_json(req.now)
