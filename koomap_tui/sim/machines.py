"""State machines of states.json: API-caused transitions and the system ones they schedule.

Random outcomes come from a generator seeded by (seed, record id, run number), so they do not
depend on the order in which requests arrive.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from koomap_tui.sim.engine import Scheduler, Timings
from koomap_tui.sim.records import Folder, Image, Product, Real3DTask, Run, SatTask, SubTask
from koomap_tui.sim.store import TenantStore

START_FAIL_MESSAGES = (
    "Insufficient resources: no compute node could be allocated for the job.",
    "Failed to read the oblique image set from OBS: access denied.",
)
FAIL_MESSAGES = (
    "Aerial triangulation failed: too few tie points between image groups.",
    "Mesh reconstruction failed: out of memory on a worker node.",
    "Texture mapping failed: corrupted image detected in the source set.",
)
SUB_FAIL_MESSAGES = (
    "Refined model package is invalid: missing metadata.xml.",
    "Post-processing failed: refined model does not match the parent task's extent.",
)
SAT_FAIL_MESSAGES = (
    "卫星型号不一致: panchromatic and multispectral images come from different satellites.",
    "Orthorectification failed: DEM tile missing for the scene extent.",
)


class Machines:
    def __init__(self, seed: int, scheduler: Scheduler, timings: Timings) -> None:
        self.seed = seed
        self.sched = scheduler
        self.t = timings

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    # ================================================================ Real3D tasks
    def start_task(self, store: TenantStore, task: Real3DTask, now: float, at_only: bool) -> None:
        t = self.t
        task.run_count += 1
        rng = self._rng("real3d", task.id, task.run_count)
        if rng.random() < t.real3d_start_fail_rate:
            outcome = "start_failed"
        elif rng.random() < t.real3d_fail_rate:
            outcome = "failed"
        else:
            outcome = "success"
        duration = t.real3d_run_at_only if at_only else t.real3d_run
        duration *= rng.uniform(0.8, 1.2)
        fail_at = rng.uniform(0.2, 0.9)
        task.status = "PENDING"
        task.fail_message = None
        task.exec_start_time = None
        task.exec_stop_time = None
        task.progress = None
        task.complete_stage = 0
        if at_only:
            task.total_stage = 1
        else:
            task.total_stage = 5 if task.modeling_type == "Mesh" else 4
        task.run = Run(0.0, duration, at_only, outcome)
        task.run.frozen = fail_at if outcome == "failed" else None
        task.update_time = now
        task.touch()
        gen = task.gen

        def to_starting(due: float) -> None:
            if task.gen != gen:
                return
            task.status = "STARTING"
            task.update_time = due
            task.touch()
            self.sched.at(due + t.real3d_starting, after_starting(task.gen))

        def after_starting(g: int) -> Callable[[float], None]:
            def act(due: float) -> None:
                if task.gen != g:
                    return
                if outcome == "start_failed":
                    task.status = "START_FAILED"
                    task.fail_message = rng.choice(START_FAIL_MESSAGES)
                    task.exec_stop_time = due
                    task.update_time = due
                    task.run = None
                    task.touch()
                    return
                self.enter_running(store, task, due, task.run)  # type: ignore[arg-type]

            return act

        self.sched.at(now + t.real3d_pending, to_starting)

    def enter_running(self, store: TenantStore, task: Real3DTask, at: float, run: Run) -> None:
        """Put a task into RUNNING with `run`; `run.started` may lie in the past (scenarios)."""
        if run.started == 0.0:
            run.started = at
        task.status = "RUNNING"
        task.run = run
        task.exec_start_time = run.started
        task.update_time = at
        if task.total_stage == 0:
            task.total_stage = 1 if run.at_only else (5 if task.modeling_type == "Mesh" else 4)
        fail_frac = run.frozen if run.outcome == "failed" else None
        run.frozen = None
        task.touch()
        gen = task.gen
        end = run.started + run.duration * (fail_frac if fail_frac is not None else 1.0)
        rng = self._rng("real3d-msg", task.id, task.run_count)

        def finish(due: float) -> None:
            if task.gen != gen:
                return
            p, at_p, stage = task.live_progress(due)
            task.exec_stop_time = due
            task.update_time = due
            if fail_frac is not None:
                task.status = "FAILED"
                task.progress, task.at_progress, task.complete_stage = p, at_p, stage
                task.fail_message = rng.choice(FAIL_MESSAGES)
            else:
                task.progress = 1.0
                task.complete_stage = task.total_stage
                if task.is_ctrl:
                    task.at_progress = 1.0
                    task.at_done = True
                if run.at_only:
                    task.status = "BUNDLE_SUCCESS"
                else:
                    task.status = "SUCCESS"
                    self.create_product(store, task, due)
            task.run = None
            task.touch()

        self.sched.at(max(end, at), finish)

    def stop_task(self, task: Real3DTask, now: float) -> None:
        if task.status == "PENDING":
            task.status = "INIT"
            task.run = None
            task.total_stage = 0
            task.update_time = now
            task.touch()
            return
        p, at_p, stage = task.live_progress(now)
        task.status = "STOPPING"
        if task.run is not None:
            task.run.frozen = task.run.fraction(now) if task.run.started else 0.0
        task.progress, task.at_progress, task.complete_stage = p, at_p, stage
        task.update_time = now
        task.touch()
        gen = task.gen

        def stopped(due: float) -> None:
            if task.gen != gen:
                return
            task.status = "STOP_SUCCESS"
            task.exec_stop_time = due
            task.update_time = due
            task.run = None
            task.touch()

        self.sched.at(now + self.t.real3d_stopping, stopped)

    # ================================================================ products
    def create_product(self, store: TenantStore, task: Real3DTask, at: float) -> Product:
        rng = self._rng("product", task.id, task.run_count)
        kind = "mesh" if task.modeling_type == "Mesh" else "nerf"
        tiles = [
            f"Data/Tile_+{i:03d}_+{j:03d}/Tile_+{i:03d}_+{j:03d}.osgb"
            for i in range(2)
            for j in range(2)
        ]
        details = [
            {
                "type": f"{kind}_osgb",
                "storage_size_byte": float(rng.randint(2**28, 2**31)),
                "files": tiles,
            },
            {
                "type": f"{kind}_obj",
                "storage_size_byte": float(rng.randint(2**27, 2**30)),
                "files": ["Model/model.obj", "Model/model.mtl"],
            },
            {
                "type": "metadata",
                "storage_size_byte": float(rng.randint(600, 1200)),
                "files": ["metadata.xml"],
            },
        ]
        product = Product(
            id=store.new_id(),
            name=task.name,
            status="preparing",
            folder_code=task.folder_code,
            task_info={
                "task_id": task.id,
                "task_name": task.name,
                "task_params": json.dumps(task.modeling_params, separators=(",", ":")),
                "task_exec_start_time": _fmt(task.exec_start_time),
                "task_exec_end_time": _fmt(at),
            },
            details=details,
            create_time=at,
            update_time=at,
            tenant_domain_id=store.tenant.domain_id,
        )
        store.products[product.id] = product
        self.schedule_prepared(product, at + self.t.product_prepare)
        return product

    def schedule_prepared(self, product: Product, due: float) -> None:
        gen = product.gen

        def ready(at: float) -> None:
            if product.gen == gen and product.status == "preparing":
                product.status = "available"
                product.update_time = at
                product.gen += 1

        self.sched.at(due, ready)

    def delete_product(self, store: TenantStore, product: Product, now: float) -> None:
        product.status = "deleting"
        product.update_time = now
        product.gen += 1
        gen = product.gen
        table = store.refine_products if product.refine else store.products

        def gone(at: float) -> None:
            if product.gen == gen:
                table.pop(product.id, None)
                if product.refine:
                    for subs in store.subtasks.values():
                        for sub in subs.values():
                            if sub.refine_product_id == product.id:
                                sub.refine_product_id = None

        self.sched.at(now + self.t.product_delete, gone)

    # ================================================================ subtasks
    def start_subtask(self, store: TenantStore, sub: SubTask, now: float) -> None:
        t = self.t
        sub.run_count += 1
        rng = self._rng("subtask", sub.id, sub.run_count)
        start_fail = rng.random() < t.sub_start_fail_rate
        fail = rng.random() < t.sub_fail_rate
        fail_at = rng.uniform(0.2, 0.9)
        duration = t.sub_run * rng.uniform(0.8, 1.2)
        sub.status = "PENDING"
        sub.fail_message = None
        sub.progress = None
        sub.exec_start_time = None
        sub.exec_stop_time = None
        sub.update_time = now
        sub.touch()
        gen = sub.gen

        def starting(due: float) -> None:
            if sub.gen != gen:
                return
            sub.status = "STARTING"
            sub.update_time = due
            sub.touch()
            g2 = sub.gen

            def running(due2: float) -> None:
                if sub.gen != g2:
                    return
                if start_fail:
                    sub.status = "START_FAILED"
                    sub.fail_message = rng.choice(START_FAIL_MESSAGES)
                    sub.exec_stop_time = due2
                    sub.update_time = due2
                    sub.touch()
                    return
                self.enter_sub_running(
                    store,
                    sub,
                    due2,
                    Run(due2, duration, False, "failed" if fail else "success"),
                    fail_at if fail else None,
                )

            self.sched.at(due + t.sub_starting, running)

        self.sched.at(now + t.sub_pending, starting)

    def enter_sub_running(
        self, store: TenantStore, sub: SubTask, at: float, run: Run, fail_frac: float | None
    ) -> None:
        sub.status = "RUNNING"
        sub.run = run
        sub.exec_start_time = run.started
        sub.update_time = at
        sub.touch()
        gen = sub.gen
        end = run.started + run.duration * (fail_frac if fail_frac is not None else 1.0)
        rng = self._rng("subtask-msg", sub.id, sub.run_count)

        def finish(due: float) -> None:
            if sub.gen != gen:
                return
            sub.exec_stop_time = due
            sub.update_time = due
            if fail_frac is not None:
                sub.status = "FAILED"
                sub.progress = fail_frac
                sub.fail_message = rng.choice(SUB_FAIL_MESSAGES)
            else:
                sub.status = "SUCCESS"
                sub.progress = 1.0
                self.create_refine_product(store, sub, due)
            sub.run = None
            sub.touch()

        self.sched.at(max(end, at), finish)

    def stop_subtask(self, sub: SubTask, now: float) -> None:
        if sub.status == "PENDING":
            sub.status = "UPLOAD_SUCCESS"
            sub.update_time = now
            sub.touch()
            return
        if sub.run is not None:
            sub.progress = sub.run.fraction(now)
            sub.run.frozen = sub.progress
        sub.status = "STOPPING"
        sub.update_time = now
        sub.touch()
        gen = sub.gen

        def stopped(due: float) -> None:
            if sub.gen != gen:
                return
            sub.status = "STOP_SUCCESS"
            sub.exec_stop_time = due
            sub.update_time = due
            sub.run = None
            sub.touch()

        self.sched.at(now + self.t.sub_stopping, stopped)

    def create_refine_product(self, store: TenantStore, sub: SubTask, at: float) -> Product:
        task: Real3DTask = sub.task
        rng = self._rng("refine", sub.id, sub.run_count)
        old = store.refine_products.get(sub.refine_product_id or "")
        product = Product(
            id=sub.refine_product_id or store.new_id(),
            name=f"{task.name}_{sub.name}",
            status="preparing",
            refine=True,
            folder_code=task.folder_code,
            subtask_info={
                "subtask_name": sub.name,
                "subtask_id": sub.id,
                "create_time": _fmt(sub.create_time),
                "completed_time": _fmt(at),
            },
            task_info={
                "task_id": task.id,
                "task_name": task.name,
                "workspace_id": task.workspace_id,
                "task_params": json.dumps(task.modeling_params, separators=(",", ":")),
                "task_exec_start_time": _fmt(task.exec_start_time),
                "task_exec_end_time": _fmt(task.exec_stop_time),
            },
            details=[
                {
                    "type": "nerf_osgb",
                    "storage_size_byte": float(rng.randint(2**27, 2**30)),
                    "files": ["Data/Tile_+000_+000/Tile_+000_+000.osgb", "metadata.xml"],
                }
            ],
            create_time=old.create_time if old else at,
            update_time=at,
            tenant_domain_id=store.tenant.domain_id,
        )
        if old is not None:
            old.gen += 1
        sub.refine_product_id = product.id
        store.refine_products[product.id] = product
        self.schedule_prepared(product, at + self.t.product_prepare)
        return product

    # ================================================================ satellite tasks
    def start_sat(self, store: TenantStore, task: SatTask, now: float) -> None:
        t = self.t
        task.run_count += 1
        rng = self._rng("sat", task.id, task.run_count)
        fail = rng.random() < t.sat_fail_rate
        fail_at = rng.uniform(0.2, 0.9)
        duration = t.sat_run * rng.uniform(0.8, 1.2)
        task.status = "START_RUNNING"
        task.fail_message = None
        task.progress = 0.0
        task.exec_start_time = None
        task.exec_stop_time = None
        task.image_url = None
        task.touch()
        gen = task.gen

        def dispatched(due: float) -> None:
            if task.gen != gen:
                return
            self.enter_sat_running(
                task, due, Run(due, duration, False, "x"), fail_at if fail else None
            )

        self.sched.at(now + t.sat_queue, dispatched)

    def enter_sat_running(
        self, task: SatTask, at: float, run: Run, fail_frac: float | None
    ) -> None:
        task.status = "RUNNING"
        task.run = run
        task.exec_start_time = run.started
        task.touch()
        gen = task.gen
        end = run.started + run.duration * (fail_frac if fail_frac is not None else 1.0)
        rng = self._rng("sat-msg", task.id, task.run_count)

        def finish(due: float) -> None:
            if task.gen != gen:
                return
            task.exec_stop_time = due
            if fail_frac is not None:
                task.status = "FAILED"
                task.progress = fail_frac
                task.fail_message = rng.choice(SAT_FAIL_MESSAGES)
            else:
                task.status = "SUCCESS"
                task.progress = 1.0
                task.image_url = sat_product_url(task)
            task.run = None
            task.touch()

        self.sched.at(max(end, at), finish)

    def stop_sat(self, task: SatTask, now: float) -> None:
        if task.run is not None:
            task.progress = task.run.fraction(now)
            task.run.frozen = task.progress
        task.status = "STOPPING"
        task.run_count += 1
        rng = self._rng("sat-stop", task.id, task.run_count)
        stop_fail = rng.random() < self.t.sat_stop_fail_rate
        task.touch()
        gen = task.gen

        def stopped(due: float) -> None:
            if task.gen != gen:
                return
            task.status = "STOP_FAILED" if stop_fail else "STOP_SUCCESS"
            if stop_fail:
                task.fail_message = "Stopping the processing job timed out; retry the stop."
            task.exec_stop_time = due
            task.run = None
            task.touch()

        self.sched.at(now + self.t.sat_stopping, stopped)

    # ================================================================ data objects
    def finish_folder_import(self, folder: Folder, due: float, ok: bool) -> None:
        gen = folder.gen

        def done(at: float) -> None:
            if folder.gen == gen and folder.status == 0:
                folder.status = 1 if ok else 2
                folder.gen += 1

        self.sched.at(due, done)

    def finish_image_migration(
        self, store: TenantStore, image: Image, due: float, outcome: str | None
    ) -> None:
        """Move an image out of a transient status (1, 3, 6) at `due`; None removes it."""
        gen = image.gen

        def done(at: float) -> None:
            if image.gen != gen:
                return
            image.gen += 1
            if outcome is None:
                store.remove_image(image)
            else:
                image.status = outcome

        self.sched.at(due, done)


def sat_product_url(task: SatTask) -> str:
    return f"obs://koomap-sat-products/{task.id}/{task.name}_{task.production_level}.tif"


def _fmt(ts: float | None) -> str | None:
    from koomap_tui.sim.clock import fmt_utc

    return fmt_utc(ts)
