"""Seeded scenarios: `demo` (every state of every resource), `small`, `scale` and `fleet`
(benchmarks), `empty`.

All randomness comes from generators seeded with the simulator seed; times are relative to the
virtual clock's epoch, so the same seed always gives the same data.

`demo` with `scenario_params={"live": True}` (what `koomap-tui --demo` runs) adds a driver that
never lets the demo go still: see `LiveDriver`. Tests and snapshots use the plain demo, whose
data only changes when they act or advance the clock.
"""

from __future__ import annotations

import random
from collections import deque
from typing import TYPE_CHECKING, Any

from koomap_tui.sim.machines import (
    FAIL_MESSAGES,
    SAT_FAIL_MESSAGES,
    START_FAIL_MESSAGES,
    sat_product_url,
)
from koomap_tui.sim.records import (
    Folder,
    Image,
    Real3DTask,
    Run,
    SatTask,
    Spur,
    SubTask,
    Workspace,
)
from koomap_tui.sim.store import TenantStore

if TYPE_CHECKING:
    from koomap_tui.sim.core import Simulator

DAY = 86400.0
HOUR = 3600.0
SCENARIOS = ("demo", "small", "scale", "fleet", "empty")
SCALE_DEFAULTS: dict[str, int] = {
    "workspaces": 4,
    "tasks_per_workspace": 500,
    "active_tasks": 20,
    "images": 10000,
    "folders": 20,
}
PARAMS_DEFAULT = {
    "accuracy": "High",
    "key_point_limit": "40000",
    "tie_point_limit": "4000",
    "mesh_accuracy": "0",
}
PARAMS_FINE = {
    "accuracy": "Highest",
    "key_point_limit": "80000",
    "tie_point_limit": "8000",
    "mesh_accuracy": "0",
}
SATELLITES = ("GF2", "GF1", "ZY3", "GF7")
FLEET_DEFAULTS: dict[str, int] = {
    "workspaces": 50,
    "tasks_per_workspace": 40,
    "busy_workspaces": 5,
    "running_tasks": 20,
    "recent_failures": 6,
}


class Builder:
    def __init__(self, sim: Simulator, store: TenantStore, now: float) -> None:
        self.sim = sim
        self.store = store
        self.now = now
        self.rng = random.Random(f"{sim.config.seed}:{store.tenant.key}:scenario")
        self.user = store.tenant.user

    # ------------------------------------------------------------------ primitives
    def workspace(self, name: str, desc: str, age_days: float, star: int = 0) -> Workspace:
        s = self.store
        t = self.now - age_days * DAY
        ws = Workspace(
            id=s.new_id(),
            name=name,
            description=desc,
            tenant_domain_id=s.tenant.domain_id,
            creator=self.user,
            latest_operator=self.user,
            create_time=t,
            update_time=t,
            star=star,
            seq=s.next_seq(),
        )
        s.add_workspace(ws)
        return ws

    def folder(self, name: str, alias: str, desc: str, age_days: float, status: int = 1) -> Folder:
        s = self.store
        folder = Folder(
            code=s.new_numeric_id(),
            name=name,
            alias=alias,
            desc=desc,
            obs_endpoint="obs.cn-north-4.myhuaweicloud.com",
            obs_path=f"koomap-oblique/{name}/",
            create_time=self.now - age_days * DAY,
            status=status,
        )
        s.folders[folder.code] = folder
        return folder

    def task(
        self,
        ws: Workspace,
        name: str,
        *,
        ctrl: bool = False,
        nerf: bool = False,
        folder: Folder | None = None,
        age_days: float = 3.0,
        desc: str = "",
        params: dict[str, str] | None = None,
    ) -> Real3DTask:
        s = self.store
        t = self.now - age_days * DAY
        task = Real3DTask(
            id=s.new_id(),
            name=name,
            task_type="REAL3D-CTRL" if ctrl else "REAL3D-UNCTRL",
            modeling_type="Nerf" if nerf else "Mesh",
            task_description=desc,
            workspace_id=ws.id,
            modeling_params=dict(params or PARAMS_DEFAULT),
            coordinate_sys="WGS84-UTM",
            folder_code=folder.code if folder else None,
            create_time=t,
            update_time=t,
            tenant_domain_id=s.tenant.domain_id,
            creator=self.user,
            latest_operator=self.user,
            status="INIT",
            seq=s.next_seq(),
        )
        s.add_task(task)
        return task

    def finish(
        self,
        task: Real3DTask,
        status: str,
        *,
        hours_ago: float = 20.0,
        product: str | None = "available",
    ) -> None:
        """Put a task into a terminal state as if it had run in the past."""
        run_hours = self.rng.uniform(0.4, 0.8)
        end = self.now - hours_ago * HOUR
        task.run_count = 1
        task.exec_start_time = end - run_hours * HOUR
        task.exec_stop_time = end
        task.update_time = end
        task.total_stage = (
            1 if status == "BUNDLE_SUCCESS" else (5 if task.modeling_type == "Mesh" else 4)
        )
        if status in ("SUCCESS", "ARCHIVED", "BUNDLE_SUCCESS"):
            task.progress = 1.0
            task.complete_stage = task.total_stage
            if task.is_ctrl:
                task.at_progress = 1.0
                task.at_done = True
        elif status == "FAILED":
            task.progress = round(self.rng.uniform(0.2, 0.8), 2)
            task.complete_stage = int(task.progress * task.total_stage)
            task.fail_message = self.rng.choice(FAIL_MESSAGES)
            if task.is_ctrl:
                task.at_progress = min(task.progress / 0.3, 1.0)
        elif status == "START_FAILED":
            task.exec_start_time = None
            task.total_stage = 0
            task.fail_message = self.rng.choice(START_FAIL_MESSAGES)
        elif status == "STOP_SUCCESS":
            task.progress = round(self.rng.uniform(0.1, 0.6), 2)
            task.complete_stage = int(task.progress * task.total_stage)
        task.status = status
        task.touch()
        self.store.tasks_changed(task.workspace_id)
        if status in ("SUCCESS", "ARCHIVED") and product:
            p = self.sim.machines.create_product(self.store, task, end)
            p.status = product
            p.gen += 1
            if product == "preparing":
                self.sim.machines.schedule_prepared(p, self.now + self.rng.uniform(60, 180))
            elif product == "deleting":
                self.sim.machines.delete_product(self.store, p, self.now - 5)

    def running(
        self, task: Real3DTask, fraction: float, *, at_only: bool = False, fail: bool = False
    ) -> None:
        timings = self.sim.config.timings
        duration = (
            timings.real3d_run_at_only if at_only else timings.real3d_run
        ) * self.rng.uniform(0.8, 1.2)
        task.run_count = 1
        run = Run(
            self.now - fraction * duration, duration, at_only, "failed" if fail else "success"
        )
        if fail:
            run.frozen = min(fraction + self.rng.uniform(0.1, 0.3), 0.95)
        self.sim.machines.enter_running(self.store, task, self.now, run)

    def subtask(self, task: Real3DTask, name: str, status: str, age_hours: float = 10.0) -> SubTask:
        s = self.store
        sub_id = s.new_id()
        t = self.now - age_hours * HOUR
        sub = SubTask(
            id=sub_id,
            task=task,
            name=name,
            status="INIT",
            model_path=f"obs://koomap-refine-upload/{sub_id}/",
            refine_product_id=s.new_id(),
            create_time=t,
            update_time=t,
            tenant_domain_id=s.tenant.domain_id,
            creator=self.user,
            latest_operator=self.user,
            seq=s.next_seq(),
        )
        s.subtasks.setdefault(task.id, {})[sub.id] = sub
        machines = self.sim.machines
        timings = self.sim.config.timings
        if status in ("INIT", "UPLOADING", "UPLOAD_SUCCESS", "UPLOAD_FAILED"):
            sub.status = status
        elif status == "PENDING":
            sub.status = "UPLOAD_SUCCESS"
            machines.start_subtask(s, sub, self.now - 2)
        elif status == "STARTING":
            sub.status = "UPLOAD_SUCCESS"
            machines.start_subtask(s, sub, self.now - timings.sub_pending - 2)
        elif status in ("RUNNING", "STOPPING"):
            sub.run_count = 1
            run = Run(self.now - 0.4 * timings.sub_run, timings.sub_run, False, "success")
            machines.enter_sub_running(s, sub, self.now, run, None)
            if status == "STOPPING":
                machines.stop_subtask(sub, self.now - 2)
        else:
            sub.run_count = 1
            sub.exec_start_time = t + HOUR
            sub.exec_stop_time = t + 2 * HOUR
            sub.update_time = t + 2 * HOUR
            sub.status = status
            if status == "SUCCESS":
                sub.progress = 1.0
                product = machines.create_refine_product(s, sub, t + 2 * HOUR)
                product.status = "available"
                product.gen += 1
            elif status == "FAILED":
                sub.progress = 0.55
                sub.fail_message = (
                    "Post-processing failed: refined model does not match the parent task's extent."
                )
            elif status == "START_FAILED":
                sub.exec_start_time = None
                sub.fail_message = START_FAIL_MESSAGES[0]
            elif status == "STOP_SUCCESS":
                sub.progress = 0.3
        return sub

    def spur(
        self, task: Real3DTask, image: str, gcp: tuple[str, str, str], px: tuple[float, float]
    ) -> None:
        s = self.store
        spur = Spur(
            id=s.new_numeric_id(),
            image_code=image,
            task_id=task.id,
            point_width=f"{px[0]:.5f}",
            point_height=f"{px[1]:.5f}",
            longitude=gcp[0],
            latitude=gcp[1],
            height=gcp[2],
            accuracy="0.05",
        )
        s.spurs[spur.id] = spur
        s.spurs_by_task.setdefault(task.id, {})[spur.id] = spur
        task.has_marker = True
        task.touch()

    def image(
        self,
        name: str,
        *,
        status: str = "0",
        image_type: str = "1",
        level: str = "L1A",
        product: bool = False,
        satellite: str = "GF2",
        age_days: float = 10.0,
        alias: str | None = None,
    ) -> Image:
        s = self.store
        upload = self.now - age_days * DAY
        image = Image(
            id=s.new_id(),
            name=name,
            is_product="1" if product else "0",
            level=level,
            status=status,
            date=upload - 7 * HOUR,
            upload_date=upload,
            resolution="0.8" if image_type == "0" else "3.2",
            description="",
            image_type=image_type,
            user_name=self.user,
            alias=alias or name.lower(),
            product_clip=0,
            product_tile=1 if product and level == "L5" else 0,
            is_cog=1 if product else 0,
            satellite=satellite,
            seq=s.next_seq(),
        )
        s.add_image(image)
        return image

    def sat_task(
        self, ws: Workspace, name: str, status: str, images: list[Image], level: str = "L2"
    ) -> SatTask:
        s = self.store
        t = self.now - self.rng.uniform(1, 6) * DAY
        task = SatTask(
            id=s.new_id(),
            workspace_id=ws.id,
            data_ids=[i.id for i in images],
            name=name,
            creator=self.user,
            create_time=t,
            status="INIT",
            description="",
            origin_data_alias=images[0].alias,
            production_level=level,
            shape_id=None,
            domain_id=s.tenant.domain_id,
            is_clip="0",
            is_tile="0",
            data_alias={f"{images[0].name}_{level}": f"{name}_out"},
            data_description={f"{images[0].name}_{level}": None},
            coordination="WGS84",
            csv_ids=[],
            seq=s.next_seq(),
        )
        s.add_sat_task(task)
        machines = self.sim.machines
        timings = self.sim.config.timings
        if status == "START_RUNNING":
            machines.start_sat(s, task, self.now - 5)
        elif status in ("RUNNING", "STOPPING"):
            task.run_count = 1
            machines.enter_sat_running(
                task,
                self.now,
                Run(self.now - 0.35 * timings.sat_run, timings.sat_run, False, "x"),
                None,
            )
            if status == "STOPPING":
                machines.stop_sat(task, self.now - 2)
        elif status != "INIT":
            task.run_count = 1
            task.exec_start_time = t + HOUR
            task.exec_stop_time = t + 3 * HOUR
            task.status = status
            if status in ("SUCCESS", "ARCHIVED"):
                task.progress = 1.0
                task.image_url = sat_product_url(task)
            elif status == "FAILED":
                task.progress = 0.42
                task.fail_message = SAT_FAIL_MESSAGES[0]
            elif status == "STOP_SUCCESS":
                task.progress = 0.25
            elif status == "STOP_FAILED":
                task.progress = 0.6
                task.fail_message = "Stopping the processing job timed out; retry the stop."
        return task


# ====================================================================== scenarios
def build_scenario(sim: Simulator, store: TenantStore, name: str, now: float) -> None:
    builder = Builder(sim, store, now)
    if name == "demo":
        _demo(builder)
    elif name == "small":
        _small(builder)
    elif name == "scale":
        _scale(builder, {**SCALE_DEFAULTS, **sim.config.scenario_params})
    elif name == "fleet":
        _fleet(builder, {**FLEET_DEFAULTS, **sim.config.scenario_params})
    elif name == "empty":
        return
    else:
        raise ValueError(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")


def _demo(b: Builder) -> None:
    s = b.store
    s.usage_base.update({"data_gb": 37.5, "basic_gp": 128.4, "pro_runs": 12, "sat_data_gb": 4.2})
    east = b.folder("east_block_photos", "east_block", "flight_2024_03_10", 80)
    west = b.folder("西区_倾斜_20240315", "西区倾斜", "五镜头_航高120米", 75)
    river = b.folder("river_corridor_2024", "river", "corridor_flight", 60)
    campus = b.folder("campus_nerf_set", "campus", "nerf_capture", 45)
    b.folder("old_town_2023", "老城区", "archive_set", 300)
    importing = b.folder("north_block_new", "north_block", "uploading_now", 0.1, status=0)
    sim_t = b.sim.config.timings
    b.sim.machines.finish_folder_import(importing, b.now + sim_t.folder_import, ok=True)
    broken = b.folder("south_block_corrupt", "south_block", "import_failed", 2, status=2)
    del broken

    ws_east = b.workspace("survey_east_2024", "drone_batch_A", 90, star=1)
    ws_city = b.workspace("城市更新_一期", "老城区三维更新项目", 70, star=1)
    ws_river = b.workspace("river_corridor", "河道巡检", 50)
    ws_sat = b.workspace("卫星影像_华北", "GF2_GF1_北京周边", 40)
    b.workspace("sandbox_empty", "", 5)

    # Real3D tasks: every task_status at least once.
    b.task(ws_east, "east_block_draft", folder=east, age_days=0.2)  # INIT
    t = b.task(ws_east, "east_block_mesh", folder=east, age_days=9)
    b.finish(t, "SUCCESS", hours_ago=150)
    t = b.task(ws_east, "east_block_fine", folder=east, age_days=2, params=PARAMS_FINE)
    b.running(t, 0.42)
    t = b.task(ws_east, "east_block_ctrl", ctrl=True, folder=east, age_days=3)
    b.finish(t, "BUNDLE_SUCCESS", hours_ago=30, product=None)
    gcps = [("114.0578123", "22.5431456", "41.200"), ("114.0581999", "22.5429001", "39.850")]
    for i, gcp in enumerate(gcps):
        for j in range(3):
            b.spur(
                t, str(1790000000000000001 + j + 3 * i), gcp, (1024.5 + 300 * j, 768.25 + 200 * i)
            )
    t = b.task(ws_east, "east_block_ctrl_at", ctrl=True, folder=east, age_days=1)
    b.running(t, 0.6, at_only=True)
    t = b.task(ws_east, "east_block_2023", folder=east, age_days=200)
    b.finish(t, "ARCHIVED", hours_ago=4500)

    t = b.task(ws_city, "西区_倾斜建模", folder=west, age_days=6)
    b.finish(t, "SUCCESS", hours_ago=100)
    t = b.task(ws_city, "西区_nerf_建模", nerf=True, folder=west, age_days=5)
    b.finish(t, "SUCCESS", hours_ago=90)
    nerf_a = t
    t = b.task(ws_city, "老城区_nerf", nerf=True, folder=campus, age_days=4)
    b.finish(t, "SUCCESS", hours_ago=70, product="preparing")
    nerf_b = t
    t = b.task(ws_city, "西区_重建_v2", folder=west, age_days=1.5)
    b.finish(t, "FAILED", hours_ago=5)
    t = b.task(ws_city, "西区_资源不足", folder=west, age_days=1)
    b.finish(t, "START_FAILED", hours_ago=3)
    t = b.task(ws_city, "西区_停止测试", folder=west, age_days=1)
    b.finish(t, "STOP_SUCCESS", hours_ago=2)
    t = b.task(ws_city, "西区_排队中", folder=west, age_days=0.1)
    b.sim.machines.start_task(s, t, b.now - 5, False)  # PENDING
    t = b.task(ws_city, "西区_启动中", folder=west, age_days=0.1)
    b.sim.machines.start_task(s, t, b.now - sim_t.real3d_pending - 5, False)  # STARTING
    t = b.task(ws_city, "西区_停止中", folder=west, age_days=0.5)
    b.running(t, 0.3)
    b.sim.machines.stop_task(t, b.now - 3)  # STOPPING

    t = b.task(ws_river, "river_north_mesh", folder=river, age_days=12)
    b.finish(t, "SUCCESS", hours_ago=250, product="deleting")
    t = b.task(ws_river, "river_south_mesh", folder=river, age_days=11)
    b.finish(t, "SUCCESS", hours_ago=240)
    t = b.task(ws_river, "river_bridge_ctrl", ctrl=True, folder=river, age_days=0.5)
    b.running(t, 0.15, fail=True)
    t = b.task(ws_river, "river_nerf_live", nerf=True, folder=river, age_days=0.3)
    b.running(t, 0.8)

    # Refinement subtasks: every subtask_status, spread over two finished Nerf tasks.
    for name, status in (
        ("refine_init", "INIT"),
        ("refine_uploading", "UPLOADING"),
        ("refine_uploaded", "UPLOAD_SUCCESS"),
        ("refine_upload_bad", "UPLOAD_FAILED"),
        ("refine_queued", "PENDING"),
        ("refine_starting", "STARTING"),
    ):
        b.subtask(nerf_a, name, status)
    for name, status in (
        ("精修_启动失败", "START_FAILED"),
        ("精修_运行中", "RUNNING"),
        ("精修_完成", "SUCCESS"),
        ("精修_失败", "FAILED"),
        ("精修_停止中", "STOPPING"),
        ("精修_已停止", "STOP_SUCCESS"),
    ):
        b.subtask(nerf_b, name, status)
    b.subtask(nerf_a, "refine_round1", "SUCCESS", age_hours=30)

    # Satellite images: every image_status, panchromatic/multispectral pairs, products.
    pairs: list[tuple[Image, Image]] = []
    for i in range(6):
        sat = SATELLITES[i % 2]
        base = f"{sat}_2024040{i + 1}_scene{i + 7:02d}"
        pan = b.image(
            f"{base}_PAN",
            image_type="0",
            satellite=sat,
            age_days=30 - i,
            alias=f"scene{i + 7:02d}_pan",
        )
        mss = b.image(
            f"{base}_MSS",
            image_type="1",
            satellite=sat,
            age_days=30 - i,
            alias=f"scene{i + 7:02d}_mss",
        )
        pairs.append((pan, mss))
    for i, level in enumerate(("L2", "L3", "L4", "L5")):
        b.image(
            f"GF2_20240401_scene07_{level}",
            level=level,
            product=True,
            age_days=20 - i,
            alias=f"city_centre_{level}",
        )
    for status, label in (
        ("1", "importing"),
        ("2", "import_failed"),
        ("3", "exporting"),
        ("4", "export_failed"),
        ("6", "deleting"),
        ("7", "in_use"),
        ("8", "net_error"),
    ):
        b.image(
            f"ZY3_20240320_{label}_MUX",
            status=status,
            satellite="ZY3",
            age_days=3,
            alias=f"zy3_{label}",
        )
    for image in list(s.images.values()):
        outcome = {"1": "0", "3": "0", "6": None}.get(image.status, "keep")
        if outcome != "keep":
            b.sim.machines.finish_image_migration(s, image, b.now + sim_t.image_migrate, outcome)

    for i, status in enumerate(
        (
            "INIT",
            "START_RUNNING",
            "RUNNING",
            "SUCCESS",
            "FAILED",
            "STOPPING",
            "STOP_SUCCESS",
            "STOP_FAILED",
            "ARCHIVED",
        )
    ):
        pan, mss = pairs[i % len(pairs)]
        level = ("L2", "L3", "L4", "L5")[i % 4]
        b.sat_task(ws_sat, f"华北_{status.lower()}_{level}", status, [pan, mss], level)
    b.sat_task(ws_sat, "gf2_city_centre_L2", "SUCCESS", list(pairs[0]), "L2")
    if b.sim.config.scenario_params.get("live"):
        LiveDriver(b, ws_river, ws_sat, [east, west, river], pairs).start()


class LiveDriver:
    """Keeps the demo moving for as long as it runs, at any speed, deterministically.

    Every `TICK` virtual seconds (a scheduler action that re-arms itself, so it runs lazily like
    every other transition) it tops its own work up: Real3D tasks submitted, started, stopped (the
    state machines decide success or failure from the seed), satellite tasks started and stopped,
    an oblique image set importing, a satellite image importing, products preparing. Imports and
    product preparation (the demo's own ones too) last `LONG` virtual seconds: at least a minute
    at the console's default demo speed of 10, so an operator sees a download refused and later
    allowed. Its Real3D tasks (named `live_...`) are in river_corridor, its satellite tasks in
    卫星影像_华北, beside the demo's fixed rows, which it never touches; it adds no workspace (the
    demo has five). It keeps each pool bounded (the oldest finished items are deleted), so a long
    run does not grow without end. All its choices come from one generator seeded with the
    simulator seed, and its ticks run at fixed virtual times, so a seed gives one history.
    """

    TICK = 20.0
    LONG = (600.0, 900.0)
    ACTIVE_TASKS = 4
    TASK_POOL = 14
    ACTIVE_SAT = 2
    SAT_POOL = 8
    DATA_POOL = 6
    STOP_CHANCE = 0.02
    RESTARTABLE = frozenset({"INIT", "FAILED", "START_FAILED", "STOP_SUCCESS"})
    ACTIVE = frozenset({"PENDING", "STARTING", "RUNNING", "STOPPING"})
    SAT_ACTIVE = frozenset({"START_RUNNING", "RUNNING", "STOPPING"})

    def __init__(
        self,
        b: Builder,
        real3d_ws: Workspace,
        sat_ws: Workspace,
        folders: list[Folder],
        pairs: list[tuple[Image, Image]],
    ) -> None:
        self.b = b
        self.sim = b.sim
        self.store = b.store
        self.rng = random.Random(f"{b.sim.config.seed}:{b.store.tenant.key}:live")
        self.source_folders = folders
        self.pairs = pairs
        self.real3d_ws = real3d_ws
        self.sat_ws = sat_ws
        self.tasks: deque[Real3DTask] = deque()
        self.sat: deque[SatTask] = deque()
        self.folders: deque[Folder] = deque()
        self.images: deque[Image] = deque()
        self.extended: set[tuple[str, str]] = set()
        self.n = 0

    def start(self) -> None:
        self.sim.scheduler.at(self.b.now + 1.0, self.tick)

    def tick(self, due: float) -> None:
        self.b.now = due
        self.n += 1
        self.real3d(due)
        self.satellite(due)
        self.data(due)
        self.slow_down(due)
        if self.n % 100 == 0:  # forget what no longer exists, so the set stays small
            store = self.store
            alive = {("folder", c) for c in store.folders} | {("image", i) for i in store.images}
            alive |= {("product", p) for p in store.products}
            self.extended &= alive
        self.sim.scheduler.at(due + self.TICK, self.tick)

    def _long(self) -> float:
        return self.rng.uniform(*self.LONG)

    # ---------------------------------------------------------------- Real3D tasks
    def real3d(self, now: float) -> None:
        machines, rng = self.sim.machines, self.rng
        running = [t for t in self.tasks if t.status == "RUNNING"]
        if running and rng.random() < self.STOP_CHANCE * len(running):
            machines.stop_task(rng.choice(running), now)
        active = sum(1 for t in self.tasks if t.status in self.ACTIVE)
        if active >= self.ACTIVE_TASKS:
            return
        idle = [t for t in self.tasks if t.status in self.RESTARTABLE]
        if idle and (len(self.tasks) >= self.TASK_POOL or rng.random() < 0.5):
            task = rng.choice(idle)
        else:
            if len(self.tasks) >= self.TASK_POOL:
                self._retire_task()
            task = self._new_task()
        # Only a task with control points may run aerial triangulation alone (SPEC).
        machines.start_task(self.store, task, now, task.is_ctrl and rng.random() < 0.5)

    def _new_task(self) -> Real3DTask:
        rng = self.rng
        nerf = rng.random() < 0.25
        name = f"live_{'nerf' if nerf else 'mesh'}_{self.n:05d}"
        task = self.b.task(
            self.real3d_ws,
            name,
            ctrl=rng.random() < 0.3,
            nerf=nerf,
            folder=rng.choice(self.source_folders),
            age_days=0.0,
        )
        self.tasks.append(task)
        return task

    def _retire_task(self) -> None:
        """Delete the oldest finished task (and its product) to keep the pool bounded."""
        for task in list(self.tasks):
            if task.status not in self.ACTIVE:
                self.tasks.remove(task)
                self.store.remove_task(task)
                for pid, product in list(self.store.products.items()):
                    if product.task_info.get("task_id") == task.id:
                        del self.store.products[pid]
                return

    # ---------------------------------------------------------------- satellite tasks
    def satellite(self, now: float) -> None:
        machines, rng = self.sim.machines, self.rng
        running = [t for t in self.sat if t.status == "RUNNING"]
        if running and rng.random() < self.STOP_CHANCE * len(running):
            machines.stop_sat(rng.choice(running), now)
        if sum(1 for t in self.sat if t.status in self.SAT_ACTIVE) >= self.ACTIVE_SAT:
            return
        if len(self.sat) >= self.SAT_POOL:
            old = next((t for t in self.sat if t.status not in self.SAT_ACTIVE), None)
            if old is None:
                return
            self.sat.remove(old)
            old.deleted = True
            old.touch()
            self.store.sat_tasks.pop(old.id, None)
            self.store.sat_by_ws.get(old.workspace_id, {}).pop(old.id, None)
        pan, mss = rng.choice(self.pairs)
        level = rng.choice(("L2", "L3", "L4", "L5"))
        task = self.b.sat_task(
            self.sat_ws, f"live_sat_{self.n:05d}_{level}", "INIT", [pan, mss], level
        )
        task.create_time = now
        self.sat.append(task)
        machines.start_sat(self.store, task, now)

    # ---------------------------------------------------------------- image sets and images
    def data(self, now: float) -> None:
        rng = self.rng
        if not any(f.status == 0 for f in self.folders) and rng.random() < 0.25:
            if len(self.folders) >= self.DATA_POOL:
                self.store.folders.pop(self.folders.popleft().code, None)
            folder = self.b.folder(
                f"live_flight_{self.n:05d}", f"flight_{self.n:05d}", "demo: importing", 0, status=0
            )
            self.folders.append(folder)
            self.extended.add(("folder", folder.code))
            self.sim.machines.finish_folder_import(folder, now + self._long(), rng.random() > 0.15)
        if not any(i.status == "1" for i in self.images) and rng.random() < 0.25:
            if len(self.images) >= self.DATA_POOL:
                self.store.remove_image(self.images.popleft())
            sat = rng.choice(SATELLITES)
            image = self.b.image(
                f"{sat}_live_{self.n:05d}_MUX",
                status="1",
                satellite=sat,
                age_days=0,
                alias=f"live_{self.n:05d}",
            )
            self.images.append(image)
            self.extended.add(("image", image.id))
            self.sim.machines.finish_image_migration(self.store, image, now + self._long(), "0")

    # ---------------------------------------------------------------- long imports
    def slow_down(self, now: float) -> None:
        """Every image set importing, image importing or exporting and product preparing takes
        LONG, counted from the tick that first sees it (at most TICK after it began)."""
        machines, store = self.sim.machines, self.store
        for folder in store.folders.values():
            if folder.status == 0 and ("folder", folder.code) not in self.extended:
                self.extended.add(("folder", folder.code))
                folder.gen += 1
                machines.finish_folder_import(folder, now + self._long(), True)
        for image in store.images.values():
            if image.status in ("1", "3") and ("image", image.id) not in self.extended:
                self.extended.add(("image", image.id))
                image.gen += 1
                machines.finish_image_migration(store, image, now + self._long(), "0")
        for product in store.products.values():
            if product.status == "preparing" and ("product", product.id) not in self.extended:
                self.extended.add(("product", product.id))
                product.gen += 1
                machines.schedule_prepared(product, now + self._long())


def _small(b: Builder) -> None:
    b.store.usage_base.update({"data_gb": 1.5, "basic_gp": 3.0, "pro_runs": 1})
    folder = b.folder("other_tenant_photos", "other", "private_set", 20)
    ws = b.workspace("other_tenant_ws", "private", 20)
    t = b.task(ws, "other_private_task", folder=folder, age_days=10)
    b.finish(t, "SUCCESS", hours_ago=100)
    b.task(ws, "other_draft", folder=folder, age_days=1)
    pan = b.image("GF1_20240501_private_PAN", image_type="0", satellite="GF1")
    mss = b.image("GF1_20240501_private_MSS", image_type="1", satellite="GF1")
    b.sat_task(ws, "other_sat_task", "SUCCESS", [pan, mss])


def _scale(b: Builder, p: dict[str, Any]) -> None:
    """Large data set for benchmarks: built with cheap loops (100k images in well under 2 s)."""
    rng = b.rng
    n_ws = int(p["workspaces"])
    per_ws = min(int(p["tasks_per_workspace"]), 500)
    active = min(int(p["active_tasks"]), per_ws)
    n_images = min(int(p["images"]), 100_000)
    folders = [
        b.folder(f"scale_set_{i:03d}", f"set{i:03d}", "scale", 100 - i % 50)
        for i in range(max(int(p["folders"]), 1))
    ]
    done_states = (
        "SUCCESS",
        "SUCCESS",
        "SUCCESS",
        "FAILED",
        "STOP_SUCCESS",
        "INIT",
        "ARCHIVED",
        "START_FAILED",
    )
    for w in range(n_ws):
        ws = b.workspace(f"scale_ws_{w:03d}", "benchmark", 200 - w, star=1 if w < 2 else 0)
        for i in range(per_ws):
            task = b.task(
                ws,
                f"scale_task_{w:03d}_{i:03d}",
                folder=folders[i % len(folders)],
                age_days=150 - i * 0.25,
                ctrl=i % 5 == 0,
                nerf=i % 7 == 0,
            )
            if i >= per_ws - active:
                b.running(task, rng.uniform(0.05, 0.9))
                continue
            state = done_states[i % len(done_states)]
            if state != "INIT":
                b.finish(
                    task,
                    state,
                    hours_ago=rng.uniform(1, 2000),
                    product="available" if i % 4 == 0 else None,
                )
    _scale_images(b, n_images)


def _fleet(b: Builder, p: dict[str, Any]) -> None:
    """Many workspaces, few of them busy (benchmarks/poll_cost.py's all-workspaces figures):
    `running_tasks` RUNNING tasks spread over the first `busy_workspaces` workspaces, a few
    recent failures elsewhere, and finished or draft tasks everywhere."""
    rng = b.rng
    n_ws = int(p["workspaces"])
    per_ws = min(int(p["tasks_per_workspace"]), 500)
    busy = max(1, min(int(p["busy_workspaces"]), n_ws))
    running = int(p["running_tasks"])
    failures = int(p["recent_failures"])
    folder = b.folder("fleet_set", "fleet", "fleet", 100)
    spaces = [b.workspace(f"fleet_ws_{w:03d}", "fleet", 300 - w) for w in range(n_ws)]
    for w, ws in enumerate(spaces):
        for i in range(per_ws):
            task = b.task(ws, f"fleet_{w:03d}_{i:03d}", folder=folder, age_days=200 - i * 0.1)
            if i % 5 != 4:
                b.finish(task, "SUCCESS", hours_ago=rng.uniform(30, 2000), product=None)
    for k in range(running):
        ws = spaces[k % busy]
        b.running(b.task(ws, f"fleet_run_{k:03d}", folder=folder, age_days=0.2), rng.random())
    for k in range(failures):
        ws = spaces[busy + k % max(1, n_ws - busy)] if n_ws > busy else spaces[0]
        task = b.task(ws, f"fleet_fail_{k:03d}", folder=folder, age_days=0.5)
        b.finish(task, "FAILED", hours_ago=rng.uniform(1, 20), product=None)


def _scale_images(b: Builder, count: int) -> None:
    s = b.store
    getbits = s.rng.getrandbits
    statuses = ("0",) * 17 + ("1", "2", "3")
    levels = ("L1A", "L1A", "L1B", "L2", "L3")
    t0 = b.now - 365 * DAY
    step = 365 * DAY / max(count, 1)
    user = b.user
    images = s.images
    by_name = s.images_by_name
    for i in range(count):
        sat = SATELLITES[i & 3]
        pan = i & 1
        name = f"{sat}_scale_{i:06d}_{'PAN' if pan else 'MSS'}"
        upload = t0 + i * step
        image = Image(
            f"{getbits(128):032x}",
            name,
            "0",
            levels[i % 5],
            statuses[i % 20],
            upload - 25200.0,
            upload,
            "0.8" if pan else "3.2",
            "",
            "0" if pan else "1",
            user,
            name.lower(),
            0,
            0,
            0,
            sat,
            i,
        )
        images[image.id] = image
        by_name[name] = image


def describe(store: TenantStore) -> dict[str, int]:
    return {
        "workspaces": len(store.workspaces),
        "real3d_tasks": len(store.tasks),
        "subtasks": sum(len(v) for v in store.subtasks.values()),
        "folders": len(store.folders),
        "products": len(store.products),
        "refine_products": len(store.refine_products),
        "satellite_tasks": len(store.sat_tasks),
        "images": len(store.images),
    }
