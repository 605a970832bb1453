"""Per-tenant data with the indexes that keep list requests O(workspace) or better."""

from __future__ import annotations

import random

from koomap_tui.sim.records import (
    Folder,
    Image,
    Product,
    Real3DTask,
    SatTask,
    Spur,
    SubTask,
    Workspace,
)
from koomap_tui.sim.tenants import Tenant


class TenantStore:
    def __init__(self, tenant: Tenant, seed: int) -> None:
        self.tenant = tenant
        self.rng = random.Random(f"{seed}:{tenant.key}:ids")
        self._seq = 0
        self.workspaces: dict[str, Workspace] = {}
        self.ws_names: dict[str, str] = {}
        self.tasks: dict[str, Real3DTask] = {}
        self.tasks_by_ws: dict[str, dict[str, Real3DTask]] = {}
        self.subtasks: dict[str, dict[str, SubTask]] = {}
        self.spurs: dict[str, Spur] = {}
        self.spurs_by_task: dict[str, dict[str, Spur]] = {}
        self.folders: dict[str, Folder] = {}
        self.products: dict[str, Product] = {}
        self.refine_products: dict[str, Product] = {}
        self.sat_tasks: dict[str, SatTask] = {}
        self.sat_by_ws: dict[str, dict[str, SatTask]] = {}
        self.images: dict[str, Image] = {}
        self.images_by_name: dict[str, Image] = {}
        self.usage_base: dict[str, float] = {}
        # Newest-first, non-archived tasks per workspace: the unfiltered list page (hot path).
        self._visible: dict[str, list[Real3DTask]] = {}
        self._ordered: dict[str, list[Real3DTask]] = {}
        self._images_by_upload: list[Image] | None = None

    def new_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def new_numeric_id(self) -> str:
        return str(1790000000000000000 + self.rng.getrandbits(56))

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # --- workspaces -------------------------------------------------------------------
    def add_workspace(self, ws: Workspace) -> None:
        self.workspaces[ws.id] = ws
        self.ws_names[ws.name.lower()] = ws.id
        self.tasks_by_ws.setdefault(ws.id, {})
        self.sat_by_ws.setdefault(ws.id, {})

    def workspace_task_count(self, ws_id: str) -> int:
        sat = sum(1 for t in self.sat_by_ws.get(ws_id, {}).values() if not t.deleted)
        return len(self.tasks_by_ws.get(ws_id, {})) + sat

    def remove_workspace(self, ws: Workspace) -> None:
        del self.workspaces[ws.id]
        self.ws_names.pop(ws.name.lower(), None)
        self.tasks_by_ws.pop(ws.id, None)
        self.sat_by_ws.pop(ws.id, None)

    # --- Real3D tasks -------------------------------------------------------------------
    def tasks_newest_first(self, ws_id: str) -> list[Real3DTask]:
        """All tasks of a workspace by create_time descending (cached until one changes)."""
        cached = self._ordered.get(ws_id)
        if cached is None:
            tasks = self.tasks_by_ws.get(ws_id, {}).values()
            cached = sorted(tasks, key=lambda t: (t.create_time, t.seq), reverse=True)
            self._ordered[ws_id] = cached
        return cached

    def visible_tasks(self, ws_id: str) -> list[Real3DTask]:
        """The unfiltered list page's rows: newest first, archived hidden (cached)."""
        cached = self._visible.get(ws_id)
        if cached is None:
            cached = [t for t in self.tasks_newest_first(ws_id) if t.status != "ARCHIVED"]
            self._visible[ws_id] = cached
        return cached

    def tasks_changed(self, ws_id: str) -> None:
        """Call when a task of `ws_id` is added, removed, archived or un-archived."""
        self._visible.pop(ws_id, None)
        self._ordered.pop(ws_id, None)

    def add_task(self, task: Real3DTask) -> None:
        self.tasks_changed(task.workspace_id)
        self.tasks[task.id] = task
        self.tasks_by_ws.setdefault(task.workspace_id, {})[task.id] = task
        self.subtasks.setdefault(task.id, {})

    def task_name_taken(self, ws_id: str, name: str, except_id: str | None = None) -> bool:
        low = name.lower()
        return any(
            t.name.lower() == low and t.id != except_id
            for t in self.tasks_by_ws.get(ws_id, {}).values()
        )

    def remove_task(self, task: Real3DTask) -> None:
        self.tasks_changed(task.workspace_id)
        task.touch()
        self.tasks.pop(task.id, None)
        self.tasks_by_ws.get(task.workspace_id, {}).pop(task.id, None)
        self.subtasks.pop(task.id, None)
        for spur_id in list(self.spurs_by_task.pop(task.id, {})):
            self.spurs.pop(spur_id, None)

    # --- satellite ----------------------------------------------------------------------
    def add_sat_task(self, task: SatTask) -> None:
        self.sat_tasks[task.id] = task
        self.sat_by_ws.setdefault(task.workspace_id, {})[task.id] = task

    def add_image(self, image: Image) -> None:
        self.images[image.id] = image
        self.images_by_name[image.name] = image
        self._images_by_upload = None

    def remove_image(self, image: Image) -> None:
        self.images.pop(image.id, None)
        self.images_by_name.pop(image.name, None)
        self._images_by_upload = None

    def images_by_upload(self) -> list[Image]:
        """Images oldest upload first (cached): list pages slice it instead of sorting 10^5."""
        if self._images_by_upload is None or len(self._images_by_upload) != len(self.images):
            self._images_by_upload = sorted(
                self.images.values(), key=lambda i: (i.upload_date, i.seq)
            )
        return self._images_by_upload
