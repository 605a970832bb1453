"""Satellite imagery: ORSIP tasks, image data and usage (SPEC §8-§10)."""

from __future__ import annotations

from typing import Any

from koomap_tui.sim import errors as E
from koomap_tui.sim.clock import fmt_utc
from koomap_tui.sim.core import Simulator
from koomap_tui.sim.errors import SimError, bad_param
from koomap_tui.sim.handlers.workspaces import get_workspace
from koomap_tui.sim.params import (
    IMAGE_NAME_CHARS,
    WS_ID,
    bool_param,
    in_range,
    name_param,
    opt_name,
    page,
    paging,
    parse_form,
    require,
    time_param,
)
from koomap_tui.sim.records import Image, SatTask
from koomap_tui.sim.request import Raw, Req
from koomap_tui.sim.store import TenantStore

LEVELS = ("L2", "L3", "L4", "L5")
IMAGE_LEVELS = ("L1", "L1A", "L1B", "L2", "L3", "L4", "L5")
STATUSES = frozenset(
    {
        "INIT",
        "START_RUNNING",
        "RUNNING",
        "SUCCESS",
        "FAILED",
        "STOPPING",
        "STOP_SUCCESS",
        "STOP_FAILED",
        "ARCHIVED",
    }
)
IMAGE_ORDERS = {
    "1": ("name", False),
    "-1": ("name", True),
    "2": ("alias", False),
    "-2": ("alias", True),
    "3": ("upload_date", False),
    "-3": ("upload_date", True),
}
USAGE_ITEMS = (
    ("基础处理：色彩增强与粗纠正L2", "L2"),
    ("基础处理：色彩增强与精纠正L3", "L3"),
    ("基础处理：正射纠正L4", "L4"),
    ("基础处理：影像镶嵌L5", "L5"),
)


def _ws_id(value: Any) -> str:
    if not isinstance(value, str) or not WS_ID.match(value):
        raise bad_param("workspace_id must be 32 lowercase letters/digits")
    return value


def get_sat(store: TenantStore, body: dict[str, Any]) -> SatTask:
    task_id = require(body, "id")
    task = store.sat_tasks.get(str(task_id))
    if task is None or task.deleted:
        raise SimError(E.SAT_NOT_FOUND, "The satellite task does not exist.")
    return task


def create(sim: Simulator, req: Req) -> Any:
    store = req.store
    body = req.json(required=True)
    name = name_param(require(body, "task_name"), "task_name", 1, 50)
    if require(body, "task_type") != "ORSIP":
        raise bad_param("task_type must be ORSIP")
    ws = get_workspace(store, _ws_id(require(body, "workspace_id")))
    data_ids = require(body, "data_ids")
    if (
        not isinstance(data_ids, list)
        or not data_ids
        or not all(isinstance(d, str) for d in data_ids)
    ):
        raise bad_param("data_ids")
    level = require(body, "production_level")
    if level not in LEVELS:
        raise bad_param("production_level")
    desc = opt_name(body.get("task_description"), "task_description", 255)
    for field in ("data_alias", "data_description"):
        if not isinstance(require(body, field), dict):
            raise bad_param(field)
    coordination = require(body, "coordination")
    if not isinstance(coordination, str):
        raise bad_param("coordination")
    csv_ids = require(body, "csv_ids")
    if not isinstance(csv_ids, list):
        raise bad_param("csv_ids")
    is_clip = body.get("isClip", body.get("is_clip"))
    is_tile = body.get("isTile", body.get("is_tile"))
    for field, value in (("isClip", is_clip), ("isTile", is_tile)):
        if str(value) not in ("0", "1"):
            raise bad_param(f'{field} must be "0" or "1"')
    shape_id = body.get("shape_id")
    if str(is_clip) == "1" and not shape_id:
        raise SimError(E.SAT_SHAPE_REQUIRED, "shape_id is required when isClip is 1.")
    if shape_id is not None and (not isinstance(shape_id, str) or len(shape_id) != 32):
        raise bad_param("shape_id")
    images = []
    for data_id in data_ids:
        image = store.images.get(data_id)
        if image is None or image.status != "0":
            raise SimError(
                E.SAT_IMAGE_UNUSABLE, "An image file is unknown or not ready (image_status 0)."
            )
        images.append(image)
    aliases = list(body["data_alias"].values())
    task = SatTask(
        id=store.new_id(),
        workspace_id=ws.id,
        data_ids=list(data_ids),
        name=name,
        creator=req.user,
        create_time=req.now,
        status="INIT",
        description=desc or "",
        origin_data_alias=str(aliases[0]) if aliases else images[0].alias,
        production_level=level,
        shape_id=shape_id,
        domain_id=store.tenant.domain_id,
        is_clip=str(is_clip),
        is_tile=str(is_tile),
        data_alias=dict(body["data_alias"]),
        data_description=dict(body["data_description"]),
        coordination=coordination,
        csv_ids=list(csv_ids),
        seq=store.next_seq(),
    )
    store.add_sat_task(task)
    return task.to_json(req.now)


def overview(sim: Simulator, req: Req) -> Any:
    store = req.store
    ws = get_workspace(store, _ws_id(req.query.get("workspace_id")))
    total = finished = unfinished = 0
    for task in store.sat_by_ws.get(ws.id, {}).values():
        if task.deleted:
            continue
        total += 1
        if task.status in ("SUCCESS", "STOP_SUCCESS", "FAILED", "ARCHIVED"):
            finished += 1
        elif task.status in ("START_RUNNING", "RUNNING", "STOPPING"):
            unfinished += 1
    return {"total": total, "finished": finished, "unfinished": unfinished}


def list_(sim: Simulator, req: Req) -> Any:
    store = req.store
    q = req.query
    ws = get_workspace(store, _ws_id(q.get("workspace_id")))
    offset, limit = paging(q, required=True)
    statuses = ["STOP_FAILED" if s == "STOP_FAILD" else s for s in q.list("task_status")]
    if any(s not in STATUSES for s in statuses):
        raise bad_param("task_status")
    name = q.get("task_name")
    if name is not None and not 1 <= len(name) <= 50:
        raise bad_param("task_name")
    needle = name.lower() if name else None
    created = (
        time_param(q.get("create_time_start"), "create_time_start"),
        time_param(q.get("create_time_end"), "create_time_end"),
    )
    counts = {"totalNum": 0, "failedNum": 0, "archivedNum": 0, "successNum": 0, "runningNum": 0}
    wanted = set(statuses)
    items = []
    ordered = sorted(
        store.sat_by_ws.get(ws.id, {}).values(), key=lambda t: (t.create_time, t.seq), reverse=True
    )
    for task in ordered:
        if task.deleted:
            continue
        s = task.status
        counts["totalNum"] += 1
        if s in ("STOPPING", "START_RUNNING", "RUNNING"):
            counts["runningNum"] += 1
        elif s in ("SUCCESS", "STOP_SUCCESS"):
            counts["successNum"] += 1
        elif s in ("FAILED", "STOP_FAILED"):
            counts["failedNum"] += 1
        elif s == "ARCHIVED":
            counts["archivedNum"] += 1
        if wanted and s not in wanted:
            continue
        if s == "ARCHIVED" and "ARCHIVED" not in wanted:
            continue
        if needle and needle not in task.name.lower():
            continue
        items.append(task)
    items = in_range(items, created, "create_time")
    chunk, pg = page(items, offset, limit)
    return {"page": pg, "data": [t.to_json(req.now) for t in chunk], "taskNumVo": counts}


def start(sim: Simulator, req: Req) -> Any:
    task = get_sat(req.store, req.json(required=True))
    if task.status not in ("INIT", "STOP_SUCCESS", "FAILED"):
        raise SimError(
            E.SAT_START_STATE,
            f"The satellite task status {task.status} does not allow starting it.",
        )
    sim.machines.start_sat(req.store, task, req.now)
    return True


def stop(sim: Simulator, req: Req) -> Any:
    task = get_sat(req.store, req.json(required=True))
    if task.status not in ("RUNNING", "START_RUNNING", "STOP_FAILED"):
        raise SimError(
            E.SAT_STOP_STATE, f"The satellite task status {task.status} does not allow stopping it."
        )
    sim.machines.stop_sat(task, req.now)
    return True


def archive(sim: Simulator, req: Req) -> Any:
    raw = req.query.get("archived")
    if raw is None:
        raise bad_param("archived is required")
    flag = bool_param(raw, "archived")
    task = get_sat(req.store, req.json(required=True))
    if flag and task.status == "SUCCESS":
        task.status = "ARCHIVED"
    elif not flag and task.status == "ARCHIVED":
        task.status = "SUCCESS"
    else:
        raise SimError(
            E.SAT_ARCHIVE_STATE,
            "Only SUCCESS tasks can be archived and only ARCHIVED tasks un-archived.",
        )
    task.touch()
    return True


def delete(sim: Simulator, req: Req) -> Any:
    task = get_sat(req.store, req.json(required=True))
    if task.status not in ("FAILED", "INIT", "STOP_SUCCESS"):
        raise SimError(
            E.SAT_DELETE_STATE,
            f"The satellite task status {task.status} does not allow deleting it.",
        )
    task.deleted = True
    task.touch()
    return True


def validate_image(sim: Simulator, req: Req) -> Any:
    store = req.store
    body = req.json(required=True)
    data_ids = require(body, "data_ids")
    if not isinstance(data_ids, list) or not data_ids:
        raise bad_param("data_ids")
    level = require(body, "production_level")
    if level not in LEVELS:
        raise bad_param("production_level")
    name_param(require(body, "task_name"), "task_name", 1, 50)
    if not isinstance(require(body, "coordination"), str):
        raise bad_param("coordination")
    results = []
    images = [store.images.get(str(d)) for d in data_ids]
    known = [i for i in images if i is not None]
    first_sat = known[0].satellite if known else None
    pans = sum(1 for i in known if i.image_type == "0")
    mss = len(known) - pans
    for data_id, image in zip(data_ids, images, strict=True):
        error = None
        if image is None:
            name = str(data_id)
            error = "影像不存在"
        else:
            name = f"{image.name.rsplit('_', 1)[0]}_{level}"
            if image.status != "0":
                error = "影像状态不可用"
            elif image.satellite != first_sat:
                error = "卫星型号不一致"
            elif pans and pans != mss:
                error = "全色与多光谱影像无法一一配对"
        results.append({"name": name, "data_id": str(data_id), "error_message": error})
    from koomap_tui.sim.records import dumps

    failed = any(r["error_message"] for r in results)
    return Raw(dumps(results), 400 if failed else 200)


def list_images(sim: Simulator, req: Req) -> Any:
    form = parse_form(req.headers.get("content-type", ""), req.body)
    offset, limit = paging(form, required=True)
    order = form.get("order") or "-3"
    if order not in IMAGE_ORDERS:
        raise bad_param("order")
    attr, reverse = IMAGE_ORDERS[order]
    by_upload = req.store.images_by_upload()
    filters = {k: v for k, v in form.items() if v and k not in ("offset", "limit", "order")}
    if not filters and attr == "upload_date":
        # Hot path (100,000 images): slice the cached upload order, O(page).
        total = len(by_upload)
        if reverse:
            stop = max(total - offset, 0)
            chunk = by_upload[max(stop - limit, 0) : stop][::-1]
        else:
            chunk = by_upload[offset : offset + limit]
        page_info = {"offset": offset, "limit": limit, "total": total}
        return {"data_info": [i.to_json() for i in chunk], "page": page_info}
    items = _filter_images(by_upload, form)
    if attr == "upload_date":
        if reverse:
            items.reverse()
    else:
        items.sort(key=lambda i: (getattr(i, attr), i.seq), reverse=reverse)
    chunk, pg = page(items, offset, limit)
    return {"data_info": [i.to_json() for i in chunk], "page": pg}


def _filter_images(images: list[Image], form: dict[str, str]) -> list[Image]:
    items = list(images)
    name = form.get("image_name")
    if name:
        if not IMAGE_NAME_CHARS.match(name):
            raise bad_param("image_name")
        low = name.lower()
        items = [i for i in items if low in i.name.lower()]
    lo = form.get("image_date_from")
    hi = form.get("image_date_to")
    for field, value in (("image_date_from", lo), ("image_date_to", hi)):
        if value and len(value) != 20:
            raise bad_param(field)
    items = in_range(
        items, (time_param(lo, "image_date_from"), time_param(hi, "image_date_to")), "upload_date"
    )
    status = form.get("image_status")
    if status:
        wanted = {s.strip() for s in status.split(",") if s.strip()}
        if wanted - {"0", "1", "2", "3", "4", "6", "7", "8"}:
            raise bad_param("image_status")
        items = [i for i in items if i.status in wanted]
    raw_alias = form.get("raw_alias")
    if raw_alias:
        low = raw_alias.lower()
        items = [i for i in items if i.is_product == "0" and low in i.alias.lower()]
    aliases = form.get("image_alias")
    if aliases:
        wanted = {a.strip() for a in aliases.split(",") if a.strip()}
        items = [i for i in items if i.alias in wanted]
    levels = form.get("image_levels")
    if levels:
        wanted = {v.strip() for v in levels.split(",") if v.strip()}
        if wanted - set(IMAGE_LEVELS):
            raise bad_param("image_levels")
        items = [i for i in items if i.level in wanted]
    is_product = form.get("is_product")
    if is_product:
        if is_product not in ("0", "1"):
            raise bad_param("is_product")
        items = [i for i in items if i.is_product == is_product]
    description = form.get("description")
    if description:
        if len(description) > 255:
            raise bad_param("description")
        low = description.lower()
        items = [i for i in items if low in i.description.lower()]
    image_type = form.get("image_type")
    if image_type:
        if image_type not in ("0", "1"):
            raise bad_param("image_type")
        items = [i for i in items if i.image_type == image_type]
    return items


def usage(sim: Simulator, req: Req) -> Any:
    q = req.query
    usage_type = q.get("usage_type")
    if usage_type not in ("DATA", "TASK"):
        raise bad_param("usage_type must be DATA or TASK")
    offset, limit = paging(q)
    store = req.store
    domain = store.tenant.domain_id
    created = fmt_utc(sim.epoch - 90 * 86400)
    updated = fmt_utc(req.now)
    rows: list[dict[str, Any]] = []
    if usage_type == "DATA":
        rows.append(
            {
                "usage_measure_name": "时空专属存储",
                "usage_unit_type": "VOLUME",
                "usage_type": "DATA",
                "domain_id": domain,
                "usage_subtype": "",
                "usage": round(
                    len(store.images) * 0.0123 + store.usage_base.get("sat_data_gb", 0.0), 2
                ),
                "capacity": 0.0,
                "unit": "GB",
                "created_time": created,
                "update_time": updated,
            }
        )
    else:
        for measure, level in USAGE_ITEMS:
            done = sum(
                1
                for t in store.sat_tasks.values()
                if t.production_level == level and t.status in ("SUCCESS", "ARCHIVED")
            )
            rows.append(
                {
                    "usage_measure_name": measure,
                    "usage_unit_type": "TIME",
                    "usage_type": "TASK",
                    "domain_id": domain,
                    "usage_subtype": level,
                    "usage": float(done),
                    "capacity": 0.0,
                    "unit": "次",
                    "created_time": created,
                    "update_time": updated,
                }
            )
    chunk, pg = page(rows, offset, limit)
    return {"data": chunk, "page": pg}
