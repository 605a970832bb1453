"""In-memory store records and their documented JSON shapes.

Records are mutable plain objects; `gen` counts changes so stale scheduled transitions can
recognise that the record moved on. Serialised JSON of idle records is cached because list
pages are the simulator's hot path.
"""

from __future__ import annotations

import json
from typing import Any

from koomap_tui.sim.clock import fmt_utc

REAL3D_ACTIVE = frozenset({"PENDING", "STARTING", "RUNNING", "STOPPING"})
SUB_ACTIVE = frozenset({"PENDING", "STARTING", "RUNNING", "STOPPING"})
SAT_ACTIVE = frozenset({"START_RUNNING", "RUNNING", "STOPPING"})


def progress_text(value: float | None) -> str | None:
    if value is None:
        return None
    return f"{min(max(value, 0.0), 1.0):.2f}"


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


class Workspace:
    __slots__ = (
        "create_time",
        "creator",
        "description",
        "id",
        "latest_operator",
        "name",
        "seq",
        "star",
        "tenant_domain_id",
        "update_time",
    )

    create_time: float
    creator: str
    description: str
    id: str
    latest_operator: str
    name: str
    seq: int
    star: int
    tenant_domain_id: str
    update_time: float

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)

    def to_json(self, task_count: int, invert_can_delete: bool = False) -> dict[str, Any]:
        can_delete = self.star == 0 and task_count == 0
        return {
            "workspace_id": self.id,
            "workspace_name": self.name,
            "workspace_description": self.description,
            "tenant_domain_id": self.tenant_domain_id,
            "creator": self.creator,
            "latest_operator": self.latest_operator,
            "create_time": fmt_utc(self.create_time),
            "update_time": fmt_utc(self.update_time),
            "star": self.star,
            "can_delete": (not can_delete) if invert_can_delete else can_delete,
        }


class Run:
    """Timing of one execution (task or subtask), enough to derive progress at any instant."""

    __slots__ = ("at_only", "duration", "frozen", "outcome", "started")

    def __init__(self, started: float, duration: float, at_only: bool, outcome: str) -> None:
        self.started = started
        self.duration = duration
        self.at_only = at_only
        self.outcome = outcome
        self.frozen: float | None = None

    def fraction(self, now: float) -> float:
        if self.frozen is not None:
            return self.frozen
        if self.duration <= 0:
            return 1.0
        return min(max((now - self.started) / self.duration, 0.0), 1.0)


class Real3DTask:
    __slots__ = (
        "_cache",
        "_cache_at",
        "at_done",
        "at_progress",
        "complete_stage",
        "coordinate_sys",
        "create_time",
        "creator",
        "exec_start_time",
        "exec_stop_time",
        "fail_message",
        "folder_code",
        "gen",
        "has_marker",
        "id",
        "latest_operator",
        "modeling_params",
        "modeling_type",
        "name",
        "progress",
        "run",
        "run_count",
        "seq",
        "status",
        "task_description",
        "task_type",
        "tenant_domain_id",
        "total_stage",
        "update_time",
        "workspace_id",
    )

    _cache: bytes | None
    _cache_at: float | None
    at_done: bool
    at_progress: float | None
    complete_stage: int
    coordinate_sys: str
    create_time: float
    creator: str
    exec_start_time: float | None
    exec_stop_time: float | None
    fail_message: str | None
    folder_code: str | None
    gen: int
    has_marker: bool
    id: str
    latest_operator: str
    modeling_params: dict[str, str]
    modeling_type: str
    name: str
    progress: float | None
    run: Run | None
    run_count: int
    seq: int
    status: str
    task_description: str
    task_type: str
    tenant_domain_id: str
    total_stage: int
    update_time: float
    workspace_id: str

    def __init__(self, **kw: Any) -> None:
        self._cache = None
        self._cache_at = None
        self.gen = 0
        self.run = None
        self.run_count = 0
        self.at_done = False
        self.at_progress = None
        self.progress = None
        self.complete_stage = 0
        self.total_stage = 0
        self.exec_start_time = None
        self.exec_stop_time = None
        self.fail_message = None
        self.has_marker = False
        for k, v in kw.items():
            setattr(self, k, v)

    def touch(self) -> None:
        self._cache = None
        self.gen += 1

    @property
    def is_ctrl(self) -> bool:
        return self.task_type == "REAL3D-CTRL"

    def live_progress(self, now: float) -> tuple[float | None, float | None, int]:
        """(task_progress, AT_progress, complete_stage) at `now`."""
        run = self.run
        if run is None or self.status not in ("RUNNING", "STOPPING"):
            return self.progress, self.at_progress, self.complete_stage
        frac = run.fraction(now)
        at = self.at_progress
        if self.is_ctrl:
            if run.at_only:
                at = frac
            elif not self.at_done:
                at = min(frac / 0.3, 1.0)
        stage = min(int(frac * self.total_stage), self.total_stage)
        return frac, at, stage

    def to_bytes(self, now: float) -> bytes:
        """Serialised JSON, cached until the record changes (or, while running, the clock)."""
        stamp = now if self.status in ("RUNNING", "STOPPING") else None
        if self._cache is not None and self._cache_at == stamp:
            return self._cache
        data = dumps(self.to_json(now))
        self._cache = data
        self._cache_at = stamp
        return data

    def to_json(self, now: float) -> dict[str, Any]:
        progress, at_progress, stage = self.live_progress(now)
        return {
            "task_id": self.id,
            "task_name": self.name,
            "task_type": self.task_type,
            "modeling_type": self.modeling_type,
            "task_description": self.task_description,
            "workspace_id": self.workspace_id,
            "modeling_params": dict(self.modeling_params),
            "coordinate_sys": self.coordinate_sys,
            "has_marker": self.has_marker,
            "folder_code": self.folder_code,
            "create_time": fmt_utc(self.create_time),
            "update_time": fmt_utc(self.update_time),
            "tenant_domain_id": self.tenant_domain_id,
            "creator": self.creator,
            "latest_operator": self.latest_operator,
            "task_status": self.status,
            "complete_stage": stage,
            "total_stage": self.total_stage,
            "task_progress": progress_text(progress),
            "exec_start_time": fmt_utc(self.exec_start_time),
            "exec_stop_time": fmt_utc(self.exec_stop_time),
            "fail_message": self.fail_message,
            "AT_progress": progress_text(at_progress) if self.is_ctrl else None,
        }


class SubTask:
    __slots__ = (
        "create_time",
        "creator",
        "exec_start_time",
        "exec_stop_time",
        "fail_message",
        "gen",
        "id",
        "latest_operator",
        "model_path",
        "name",
        "progress",
        "refine_product_id",
        "run",
        "run_count",
        "seq",
        "status",
        "task",
        "tenant_domain_id",
        "update_time",
    )

    create_time: float
    creator: str
    exec_start_time: float | None
    exec_stop_time: float | None
    fail_message: str | None
    gen: int
    id: str
    latest_operator: str
    model_path: str
    name: str
    progress: float | None
    refine_product_id: str | None
    run: Run | None
    run_count: int
    seq: int
    status: str
    task: Real3DTask
    tenant_domain_id: str
    update_time: float

    def __init__(self, **kw: Any) -> None:
        self.gen = 0
        self.run = None
        self.run_count = 0
        self.progress = None
        self.exec_start_time = None
        self.exec_stop_time = None
        self.fail_message = None
        for k, v in kw.items():
            setattr(self, k, v)

    def touch(self) -> None:
        self.gen += 1

    def to_json(self, now: float) -> dict[str, Any]:
        progress = self.progress
        if self.run is not None and self.status in ("RUNNING", "STOPPING"):
            progress = self.run.fraction(now)
        task: Real3DTask = self.task
        return {
            "subtask_id": self.id,
            "task_id": task.id,
            "subtask_name": self.name,
            "task_name": task.name,
            "workspace_id": task.workspace_id,
            "modeling_params": dict(task.modeling_params),
            "subtask_status": self.status,
            "model_path": self.model_path,
            "refine_product_id": self.refine_product_id,
            "create_time": fmt_utc(self.create_time),
            "update_time": fmt_utc(self.update_time),
            "tenant_domain_id": self.tenant_domain_id,
            "creator": self.creator,
            "latest_operator": self.latest_operator,
            "subtask_progress": progress_text(progress),
            "exec_start_time": fmt_utc(self.exec_start_time),
            "exec_stop_time": fmt_utc(self.exec_stop_time),
            "fail_message": self.fail_message,
        }


class Spur:
    __slots__ = (
        "accuracy",
        "height",
        "id",
        "image_code",
        "latitude",
        "longitude",
        "point_height",
        "point_width",
        "task_id",
    )

    accuracy: str
    height: str
    id: str
    image_code: str
    latitude: str
    longitude: str
    point_height: str
    point_width: str
    task_id: str

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)

    def to_json(self) -> dict[str, Any]:
        return {
            "imageCode": self.image_code,
            "id": self.id,
            "taskId": self.task_id,
            "pointWidth": self.point_width,
            "pointHeight": self.point_height,
            "longitude": self.longitude,
            "latitude": self.latitude,
            "height": self.height,
            "accuracy": self.accuracy,
        }


class Folder:
    __slots__ = (
        "alias",
        "code",
        "create_time",
        "desc",
        "gen",
        "name",
        "obs_endpoint",
        "obs_path",
        "status",
    )

    alias: str
    code: str
    create_time: float
    desc: str
    gen: int
    name: str
    obs_endpoint: str
    obs_path: str
    status: int

    def __init__(self, **kw: Any) -> None:
        self.gen = 0
        for k, v in kw.items():
            setattr(self, k, v)

    def to_json(self) -> dict[str, Any]:
        return {
            "folder_code": self.code,
            "folder_name": self.name,
            "folder_alias": self.alias,
            "folder_desc": self.desc,
            "obs_endpoint": self.obs_endpoint,
            "obs_path": self.obs_path,
            "create_time": fmt_utc(self.create_time),
            "status": self.status,
        }


class Product:
    """A Real3D product or a refined product (`refine` True)."""

    __slots__ = (
        "create_time",
        "details",
        "folder_code",
        "gen",
        "id",
        "name",
        "refine",
        "status",
        "subtask_info",
        "task_info",
        "tenant_domain_id",
        "update_time",
    )

    create_time: float
    details: list[dict[str, Any]]
    folder_code: str | None
    gen: int
    id: str
    name: str
    refine: bool
    status: str
    subtask_info: dict[str, Any] | None
    task_info: dict[str, Any]
    tenant_domain_id: str
    update_time: float

    def __init__(self, **kw: Any) -> None:
        self.gen = 0
        self.subtask_info = None
        self.refine = False
        for k, v in kw.items():
            setattr(self, k, v)

    def storage_size(self) -> float:
        return float(sum(d["storage_size_byte"] for d in self.details))

    def to_json(self, detail_key: str = "product_detail") -> dict[str, Any]:
        base: dict[str, Any] = {"id": self.id, "name": self.name, "status": self.status}
        if self.refine:
            base["subtask_info"] = dict(self.subtask_info or {})
            base["task_info"] = dict(self.task_info)
            base["product_details"] = [dict(d) for d in self.details]
        else:
            base["folder_code"] = self.folder_code
            base["task_info"] = dict(self.task_info)
            base[detail_key] = [dict(d) for d in self.details]
        base["storage_size_byte"] = self.storage_size()
        base["create_time"] = fmt_utc(self.create_time)
        base["update_time"] = fmt_utc(self.update_time)
        base["tenant_domain_id"] = self.tenant_domain_id
        return base


class SatTask:
    __slots__ = (
        "coordination",
        "create_time",
        "creator",
        "csv_ids",
        "data_alias",
        "data_description",
        "data_ids",
        "deleted",
        "description",
        "domain_id",
        "exec_start_time",
        "exec_stop_time",
        "fail_message",
        "gen",
        "id",
        "image_url",
        "is_clip",
        "is_tile",
        "name",
        "origin_data_alias",
        "production_level",
        "progress",
        "run",
        "run_count",
        "seq",
        "shape_id",
        "status",
        "workspace_id",
    )

    coordination: str
    create_time: float
    creator: str
    csv_ids: list[str]
    data_alias: dict[str, Any]
    data_description: dict[str, Any]
    data_ids: list[str]
    deleted: bool
    description: str
    domain_id: str
    exec_start_time: float | None
    exec_stop_time: float | None
    fail_message: str | None
    gen: int
    id: str
    image_url: str | None
    is_clip: str
    is_tile: str
    name: str
    origin_data_alias: str
    production_level: str
    progress: float | None
    run: Run | None
    run_count: int
    seq: int
    shape_id: str | None
    status: str
    workspace_id: str

    def __init__(self, **kw: Any) -> None:
        self.gen = 0
        self.run = None
        self.run_count = 0
        self.deleted = False
        self.progress = 0.0
        self.exec_start_time = None
        self.exec_stop_time = None
        self.fail_message = None
        self.image_url = None
        for k, v in kw.items():
            setattr(self, k, v)

    def touch(self) -> None:
        self.gen += 1

    def to_json(self, now: float) -> dict[str, Any]:
        progress = self.progress
        if self.run is not None and self.status in ("RUNNING", "STOPPING"):
            progress = self.run.fraction(now)
        return {
            "task_id": self.id,
            "workspace_id": self.workspace_id,
            "data_id": ",".join(self.data_ids),
            "task_name": self.name,
            "creator": self.creator,
            "create_time": fmt_utc(self.create_time),
            "task_status": self.status,
            "task_type": "ORSIP",
            "task_description": self.description,
            "exec_start_time": fmt_utc(self.exec_start_time),
            "exec_stop_time": fmt_utc(self.exec_stop_time),
            "origin_data_alias": self.origin_data_alias,
            "production_level": self.production_level,
            "task_progress": f"{min(max(progress or 0.0, 0.0), 1.0):.2f}",
            "shape_id": self.shape_id,
            "is_deleted": 1 if self.deleted else 0,
            "image_url": self.image_url,
            "domain_id": self.domain_id,
            "fail_message": self.fail_message,
            "frozen_tag": None,
            "isClip": self.is_clip,
            "isTile": self.is_tile,
        }


class Image:
    __slots__ = (
        "alias",
        "date",
        "description",
        "gen",
        "id",
        "image_type",
        "is_cog",
        "is_product",
        "level",
        "name",
        "product_clip",
        "product_tile",
        "resolution",
        "satellite",
        "seq",
        "status",
        "upload_date",
        "user_name",
    )

    def __init__(
        self,
        id: str,
        name: str,
        is_product: str,
        level: str,
        status: str,
        date: float,
        upload_date: float,
        resolution: str,
        description: str,
        image_type: str,
        user_name: str,
        alias: str,
        product_clip: int,
        product_tile: int,
        is_cog: int,
        satellite: str,
        seq: int,
    ) -> None:
        # Explicit assignments, not a kwargs loop: the scale scenario builds 100,000 of these.
        self.gen = 0
        self.id = id
        self.name = name
        self.is_product = is_product
        self.level = level
        self.status = status
        self.date = date
        self.upload_date = upload_date
        self.resolution = resolution
        self.description = description
        self.image_type = image_type
        self.user_name = user_name
        self.alias = alias
        self.product_clip = product_clip
        self.product_tile = product_tile
        self.is_cog = is_cog
        self.satellite = satellite
        self.seq = seq

    def to_json(self) -> dict[str, Any]:
        return {
            "image_name": self.name,
            "is_product": self.is_product,
            "image_level": self.level,
            "image_status": self.status,
            "image_date": fmt_utc(self.date),
            "upload_date": fmt_utc(self.upload_date),
            "image_resolution": self.resolution,
            "image_description": self.description,
            "image_id": self.id,
            "image_type": self.image_type,
            "user_name": self.user_name,
            "image_alias": self.alias,
            "product_clip": self.product_clip,
            "product_tile": self.product_tile,
            "is_cog": self.is_cog,
        }
