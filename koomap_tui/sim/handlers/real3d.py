"""Real3D modeling tasks (SPEC §2.6, §3)."""

from __future__ import annotations

from typing import Any

from koomap_tui.sim import errors as E
from koomap_tui.sim.core import Simulator
from koomap_tui.sim.errors import SimError, bad_param
from koomap_tui.sim.handlers.workspaces import get_workspace
from koomap_tui.sim.params import (
    bool_param,
    fuzzy,
    in_range,
    name_param,
    opt_name,
    paging,
    require,
    time_param,
    to_int,
)
from koomap_tui.sim.records import Real3DTask, dumps
from koomap_tui.sim.request import Raw, Req
from koomap_tui.sim.store import TenantStore

MAX_TASKS = 500
TASK_TYPES = ("REAL3D-CTRL", "REAL3D-UNCTRL")
MODELING_TYPES = ("Mesh", "Nerf")
ACCURACIES = ("Highest", "High", "Medium", "Low", "Lowest")
STATUSES = frozenset(
    {
        "INIT",
        "PENDING",
        "STARTING",
        "START_FAILED",
        "RUNNING",
        "SUCCESS",
        "FAILED",
        "STOPPING",
        "STOP_SUCCESS",
        "ARCHIVED",
        "BUNDLE_SUCCESS",
    }
)
DEFAULT_PARAMS = {
    "accuracy": "High",
    "key_point_limit": "40000",
    "tie_point_limit": "4000",
    "mesh_accuracy": "0",
}
COORDINATE_SYS = "WGS84-UTM"
UPDATABLE = ("INIT", "START_FAILED", "FAILED", "STOP_SUCCESS")
STARTABLE = ("INIT", "STOP_SUCCESS", "FAILED", "BUNDLE_SUCCESS")
STOPPABLE = ("PENDING", "STARTING", "RUNNING")
DELETABLE = ("INIT", "START_FAILED", "FAILED", "STOP_SUCCESS", "SUCCESS")
SUB_BLOCKING = ("UPLOADING", "PENDING", "STARTING", "RUNNING", "STOPPING")


def get_task(store: TenantStore, ws_id: str, task_id: str) -> Real3DTask:
    get_workspace(store, ws_id)
    task = store.tasks_by_ws.get(ws_id, {}).get(task_id)
    if task is None:
        raise SimError(E.TASK_NOT_FOUND, "The Real3D task does not exist in this workspace.")
    return task


def modeling_params(value: Any) -> dict[str, str]:
    if value is None:
        return dict(DEFAULT_PARAMS)
    if not isinstance(value, dict):
        raise bad_param("modeling_params")
    for key in DEFAULT_PARAMS:
        if value.get(key) is None:
            raise bad_param(f"modeling_params.{key} is required")
    if value["accuracy"] not in ACCURACIES:
        raise bad_param("modeling_params.accuracy")
    return {
        "accuracy": value["accuracy"],
        "key_point_limit": str(to_int(value["key_point_limit"], "key_point_limit", 1000, 1000000)),
        "tie_point_limit": str(to_int(value["tie_point_limit"], "tie_point_limit", 100, 100000)),
        "mesh_accuracy": str(to_int(value["mesh_accuracy"], "mesh_accuracy", 0, 2)),
    }


def _enum(value: Any, name: str, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise bad_param(f"{name} must be one of {', '.join(allowed)}")
    return str(value)


def _folder(store: TenantStore, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in store.folders:
        raise SimError(E.TASK_NO_FOLDER, "The oblique image set does not exist.")
    return value


def _coordinate(value: Any) -> str:
    if value is None:
        return COORDINATE_SYS
    if value != COORDINATE_SYS:
        raise bad_param("coordinate_sys must be WGS84-UTM")
    return COORDINATE_SYS


def overview(sim: Simulator, req: Req) -> Any:
    store = req.store
    ws = get_workspace(store, req.params["workspace_id"])
    counts = {"running": 0, "success": 0, "failed": 0, "archived": 0}
    tasks = store.tasks_by_ws.get(ws.id, {})
    for task in tasks.values():
        s = task.status
        if s in ("PENDING", "STARTING", "RUNNING", "STOPPING"):
            counts["running"] += 1
        elif s in ("SUCCESS", "STOP_SUCCESS"):
            counts["success"] += 1
        elif s in ("START_FAILED", "FAILED"):
            counts["failed"] += 1
        elif s == "ARCHIVED":
            counts["archived"] += 1
    return {
        "workspace_id": ws.id,
        "total_count": len(tasks),
        "running_count": counts["running"],
        "success_count": counts["success"],
        "failed_count": counts["failed"],
        "archived_count": counts["archived"],
    }


def create(sim: Simulator, req: Req) -> Any:
    store = req.store
    ws = get_workspace(store, req.params["workspace_id"])
    body = req.json(required=True)
    name = name_param(require(body, "task_name"), "task_name", 1, 50)
    desc = opt_name(body.get("task_description"), "task_description", 255)
    task_type = _enum(body.get("task_type"), "task_type", TASK_TYPES) or "REAL3D-UNCTRL"
    modeling_type = _enum(body.get("modeling_type"), "modeling_type", MODELING_TYPES) or "Mesh"
    params = modeling_params(body.get("modeling_params"))
    coordinate = _coordinate(body.get("coordinate_sys"))
    folder = _folder(store, body.get("folder_code"))
    tasks = store.tasks_by_ws.get(ws.id, {})
    if len(tasks) >= MAX_TASKS:
        raise SimError(E.TASK_QUOTA, "The workspace already holds 500 Real3D tasks.")
    if store.task_name_taken(ws.id, name):
        raise SimError(E.TASK_DUP_NAME, "A Real3D task with the same name already exists.")
    task = Real3DTask(
        id=store.new_id(),
        name=name,
        task_type=task_type,
        modeling_type=modeling_type,
        task_description=desc or "",
        workspace_id=ws.id,
        modeling_params=params,
        coordinate_sys=coordinate,
        folder_code=folder,
        create_time=req.now,
        update_time=req.now,
        tenant_domain_id=store.tenant.domain_id,
        creator=req.user,
        latest_operator=req.user,
        status="INIT",
        seq=store.next_seq(),
    )
    store.add_task(task)
    return task.to_json(req.now)


def list_(sim: Simulator, req: Req) -> Any:
    q = req.query
    store = req.store
    ws = get_workspace(store, req.params["workspace_id"])
    offset, limit = paging(q)
    statuses = q.list("task_status")
    for s in statuses:
        if s not in STATUSES:
            raise bad_param("task_status")
    ids = q.list("task_ids")
    types = q.list("task_type")
    for t in types:
        if t not in TASK_TYPES:
            raise bad_param("task_type")
    modeling = q.get("modeling_type")
    if modeling is not None and modeling not in MODELING_TYPES:
        raise bad_param("modeling_type")
    name = q.get("task_name")
    if name is not None and len(name) > 50:
        raise bad_param("task_name")
    name = fuzzy(name)
    created = (
        time_param(q.get("create_time_from"), "create_time_from"),
        time_param(q.get("create_time_to"), "create_time_to"),
    )
    updated = (
        time_param(q.get("update_time_from"), "update_time_from"),
        time_param(q.get("update_time_to"), "update_time_to"),
    )
    unfiltered = not (statuses or ids or types or modeling or name) and created == updated == (
        None,
        None,
    )
    if unfiltered:
        return _page_bytes(store.visible_tasks(ws.id), offset, limit, req.now)
    show_archived = bool(ids) or "ARCHIVED" in statuses
    status_set = set(statuses)
    id_set = set(ids)
    type_set = set(types)
    items: list[Real3DTask] = []
    for task in store.tasks_newest_first(ws.id):
        if task.status == "ARCHIVED" and not show_archived:
            continue
        if status_set and task.status not in status_set:
            continue
        if id_set and task.id not in id_set:
            continue
        if type_set and task.task_type not in type_set:
            continue
        if modeling and task.modeling_type != modeling:
            continue
        if name and name not in task.name.lower():
            continue
        items.append(task)
    items = in_range(in_range(items, created, "create_time"), updated, "update_time")
    return _page_bytes(items, offset, limit, req.now)


def _page_bytes(items: list[Real3DTask], offset: int, limit: int, now: float) -> Raw:
    chunk = items[offset : offset + limit]
    body = b'{"tasks":[' + b",".join(t.to_bytes(now) for t in chunk) + b'],"page":'
    body += dumps({"offset": offset, "limit": limit, "total": len(items)}) + b"}"
    return Raw(body)


def update(sim: Simulator, req: Req) -> Any:
    store = req.store
    task = get_task(store, req.params["workspace_id"], req.params["task_id"])
    body = req.json(required=True)
    name = body.get("task_name")
    if name is not None:
        name = name_param(name, "task_name", 1, 50)
    desc = opt_name(body.get("task_description"), "task_description", 255)
    task_type = _enum(body.get("task_type"), "task_type", TASK_TYPES)
    modeling_type = _enum(body.get("modeling_type"), "modeling_type", MODELING_TYPES)
    params = (
        modeling_params(body["modeling_params"])
        if body.get("modeling_params") is not None
        else None
    )
    coordinate = _coordinate(body.get("coordinate_sys")) if "coordinate_sys" in body else None
    folder = _folder(store, body.get("folder_code")) if body.get("folder_code") else None
    if task.status not in UPDATABLE:
        raise SimError(
            E.TASK_UPDATE_STATE, f"The task status {task.status} does not allow updating it."
        )
    if name is not None and store.task_name_taken(task.workspace_id, name, task.id):
        raise SimError(E.TASK_DUP_NAME, "A Real3D task with the same name already exists.")
    if name is not None:
        task.name = name
    if desc is not None:
        task.task_description = desc
    if task_type is not None:
        task.task_type = task_type
    if modeling_type is not None:
        task.modeling_type = modeling_type
    if params is not None:
        task.modeling_params = params
    if coordinate is not None:
        task.coordinate_sys = coordinate
    if folder is not None:
        task.folder_code = folder
    task.status = "INIT"
    task.fail_message = None
    task.progress = None
    task.at_progress = None
    task.at_done = False
    task.complete_stage = 0
    task.total_stage = 0
    task.latest_operator = req.user
    task.update_time = req.now
    task.touch()
    return task.to_json(req.now)


def start(sim: Simulator, req: Req) -> Any:
    store = req.store
    task = get_task(store, req.params["workspace_id"], req.params["task_id"])
    body = req.json(required=True)
    at_only = bool_param(body.get("run_AT_only"), "run_AT_only") or False
    if task.status not in STARTABLE:
        raise SimError(
            E.TASK_START_STATE, f"The task status {task.status} does not allow starting it."
        )
    if at_only and not task.is_ctrl:
        raise SimError(E.TASK_AT_ONLY_TYPE, "run_AT_only is only allowed for REAL3D-CTRL tasks.")
    folder = store.folders.get(task.folder_code or "")
    if folder is None or folder.status != 1:
        raise SimError(E.TASK_NO_FOLDER, "The task has no usable oblique image set.")
    task.latest_operator = req.user
    sim.machines.start_task(store, task, req.now, at_only)
    return task.to_json(req.now)


def stop(sim: Simulator, req: Req) -> Any:
    store = req.store
    task = get_task(store, req.params["workspace_id"], req.params["task_id"])
    req.json(required=True)
    if task.status not in STOPPABLE:
        raise SimError(
            E.TASK_STOP_STATE, f"The task status {task.status} does not allow stopping it."
        )
    task.latest_operator = req.user
    sim.machines.stop_task(task, req.now)
    return True


def delete(sim: Simulator, req: Req) -> Any:
    store = req.store
    task = get_task(store, req.params["workspace_id"], req.params["task_id"])
    req.json(required=True)
    if task.status not in DELETABLE:
        raise SimError(
            E.TASK_DELETE_STATE, f"The task status {task.status} does not allow deleting it."
        )
    if any(s.status in SUB_BLOCKING for s in store.subtasks.get(task.id, {}).values()):
        raise SimError(E.TASK_DELETE_STATE, "A refinement subtask of this task is still active.")
    store.remove_task(task)
    return True


def archive(sim: Simulator, req: Req) -> Any:
    store = req.store
    task = get_task(store, req.params["workspace_id"], req.params["task_id"])
    body = req.json(required=True)
    flag = bool_param(require(body, "archive"), "archive")
    if flag and task.status == "SUCCESS":
        task.status = "ARCHIVED"
    elif not flag and task.status == "ARCHIVED":
        task.status = "SUCCESS"
    else:
        raise SimError(
            E.TASK_ARCHIVE_STATE,
            "Only SUCCESS tasks can be archived and only ARCHIVED tasks un-archived.",
        )
    store.tasks_changed(task.workspace_id)
    task.latest_operator = req.user
    task.update_time = req.now
    task.touch()
    return task.to_json(req.now)
