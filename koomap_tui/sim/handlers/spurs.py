"""Spur / control-point editing (SPEC §5); camelCase fields, numbers as strings."""

from __future__ import annotations

from typing import Any

from koomap_tui.sim import errors as E
from koomap_tui.sim.core import Simulator
from koomap_tui.sim.errors import SimError, bad_param
from koomap_tui.sim.params import page, paging, require
from koomap_tui.sim.records import Real3DTask, Spur
from koomap_tui.sim.request import Req
from koomap_tui.sim.store import TenantStore

COORD_LIMIT = 10_000_000.0


def _number(
    body: dict[str, Any], name: str, lo: float, hi: float, *, open_range: bool = False
) -> tuple[str, float]:
    raw = require(body, name)
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise bad_param(name)
    try:
        value = float(raw)
    except ValueError as exc:
        raise bad_param(name) from exc
    ok = lo < value < hi if open_range else lo <= value <= hi
    if not ok:
        raise bad_param(f"{name} out of range")
    return str(raw), value


def _task(store: TenantStore, task_id: Any) -> Real3DTask:
    task = store.tasks.get(str(task_id))
    if task is None:
        raise SimError(E.TASK_NOT_FOUND, "The Real3D task does not exist.")
    return task


EDITABLE_TYPE = "REAL3D-CTRL"
EDITABLE_STATE = "BUNDLE_SUCCESS"


def _check_editable(sim: Simulator, task: Real3DTask) -> None:
    """states.json (inferred): edit_spurs only for REAL3D-CTRL in BUNDLE_SUCCESS, where AT
    has run and the full modeling has not; `--any-state-spurs` switches the rule off."""
    if not sim.config.spur_state_gate:
        return
    if task.task_type != EDITABLE_TYPE or task.status != EDITABLE_STATE:
        raise SimError(
            E.SPUR_TASK_STATE,
            f"Spurs can only be edited on a {EDITABLE_TYPE} task in {EDITABLE_STATE} "
            f"(this task is {task.task_type} in {task.status}).",
        )


def add(sim: Simulator, req: Req) -> Any:
    store = req.store
    body = req.json(required=True)
    image = require(body, "imageCode")
    if not isinstance(image, (str, int)) or not str(image):
        raise bad_param("imageCode")
    task = _task(store, require(body, "taskId"))
    _check_editable(sim, task)
    width, _ = _number(body, "pointWidth", 0.0, 1e6)
    height_px, _ = _number(body, "pointHeight", 0.0, 1e6)
    lon, _ = _number(body, "longitude", -COORD_LIMIT, COORD_LIMIT)
    lat, _ = _number(body, "latitude", -COORD_LIMIT, COORD_LIMIT)
    height, _ = _number(body, "height", -COORD_LIMIT, COORD_LIMIT)
    accuracy, _ = _number(body, "accuracy", 0.0, 100.0, open_range=True)
    spur = Spur(
        id=store.new_numeric_id(),
        image_code=str(image),
        task_id=task.id,
        point_width=width,
        point_height=height_px,
        longitude=lon,
        latitude=lat,
        height=height,
        accuracy=accuracy,
    )
    store.spurs[spur.id] = spur
    store.spurs_by_task.setdefault(task.id, {})[spur.id] = spur
    if not task.has_marker:
        task.has_marker = True
        task.update_time = req.now
        task.touch()
    return spur.to_json()


def delete(sim: Simulator, req: Req) -> Any:
    store = req.store
    body = req.json(required=True)
    spur = store.spurs.get(str(require(body, "id")))
    if spur is None:
        raise SimError(E.SPUR_NOT_FOUND, "The spur does not exist.")
    owner = store.tasks.get(spur.task_id)
    if owner is not None:
        _check_editable(sim, owner)
    store.spurs.pop(spur.id, None)
    store.spurs_by_task.get(spur.task_id, {}).pop(spur.id, None)
    return True


def list_(sim: Simulator, req: Req) -> Any:
    store = req.store
    body = req.json(required=True)
    image = str(require(body, "imageCode"))
    task = _task(store, require(body, "taskId"))
    offset, limit = paging(body)
    items = [s for s in store.spurs_by_task.get(task.id, {}).values() if s.image_code == image]
    chunk, pg = page(items, offset, limit)
    return {"spurInfos": [s.to_json() for s in chunk], "page": pg}


def count(sim: Simulator, req: Req) -> Any:
    store = req.store
    body = req.json(required=True)
    task = _task(store, require(body, "taskId"))
    _, lon = _number(body, "longitude", -COORD_LIMIT, COORD_LIMIT)
    _, lat = _number(body, "latitude", -COORD_LIMIT, COORD_LIMIT)
    _, height = _number(body, "height", -COORD_LIMIT, COORD_LIMIT)
    _, accuracy = _number(body, "accuracy", 0.0, 100.0, open_range=True)
    images = {
        s.image_code
        for s in store.spurs_by_task.get(task.id, {}).values()
        if float(s.longitude) == lon
        and float(s.latitude) == lat
        and float(s.height) == height
        and float(s.accuracy) == accuracy
    }
    return {"count": len(images)}


def marker_info(sim: Simulator, req: Req) -> Any:
    store = req.store
    task = _task(store, req.params["task_id"])
    # The official SDK sends CreateMarkerInfo without a body; the reference asks for {}. Accept
    # both (a body, when present, must still be JSON).
    req.json(required=False)
    if not store.spurs_by_task.get(task.id):
        raise SimError(E.NO_SPURS, "The task has no spurs; the marker file cannot be generated.")
    return True
