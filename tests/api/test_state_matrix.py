"""Every state x operation cell of states.json, end to end through KooMapClient.

For each resource (Real3D task, refinement subtask, satellite task) a fresh simulator is driven
through the API into every state: items are created, started, stopped and archived, and the
virtual clock is advanced (``sim.advance``) in phases so that each item stops exactly in its
target state.  Failure states are reached the same way with the simulator's outcome rates
switched to 1 for the starts that should fail (a store-level knob, not a state write).

Then, per cell: an allowed operation must succeed and leave the item in the documented state
(``to``; removed for deletes); a denied one must answer HTTP 400 with the wrong-state code of
errors.json (``WrongStateError``) and change nothing.  Allowed operations get a fresh item each;
the denied ones of a state share one item, checked for being untouched at the end.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from koomap_tui.api import models as m
from koomap_tui.api.client import KooMapClient
from koomap_tui.api.errors import WrongStateError
from koomap_tui.api.ratelimit import GATEWAY_QPS
from koomap_tui.sim.engine import Timings
from koomap_tui.sim.server import SimServer
from tests.api.support import (
    NO_FAILURES,
    REAL3D_AT_RUN,
    REAL3D_FULL_RUN,
    REAL3D_TO_RUNNING,
    SAT_FULL_RUN,
    SAT_TO_RUNNING,
    STOPPING,
    SUB_FULL_RUN,
    SUB_TO_RUNNING,
    make_client,
    new_workspace,
    ready_folder,
    ready_mss_image,
    sat_create,
    unique,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

STATES = json.loads((Path(__file__).parents[1] / "data" / "states.json").read_text("utf-8"))
RESOURCES = ("real3d_task", "real3d_subtask", "satellite_task")

# Code of the wrong-state answer per operation (errors.json placeholders + KMP.00021148).
DENIED_CODE = {
    ("real3d_task", "start"): "KMP.99990104",
    ("real3d_task", "start_at_only"): "KMP.99990104",
    ("real3d_task", "stop"): "KMP.99990105",
    ("real3d_task", "update"): "KMP.99990106",
    ("real3d_task", "delete"): "KMP.99990107",
    ("real3d_task", "archive"): "KMP.99990108",
    ("real3d_task", "unarchive"): "KMP.99990108",
    ("real3d_task", "create_subtask"): "KMP.99990202",
    # Gating inferred (states.json); the simulator's placeholder code, docs/simulator.md.
    ("real3d_task", "edit_spurs"): "KMP.99990303",
    ("real3d_subtask", "update_upload_status"): "KMP.00021148",
    ("real3d_subtask", "start"): "KMP.99990205",
    ("real3d_subtask", "stop"): "KMP.99990206",
    ("real3d_subtask", "delete"): "KMP.99990217",
    ("satellite_task", "start"): "KMP.99990502",
    ("satellite_task", "stop"): "KMP.99990503",
    ("satellite_task", "archive"): "KMP.99990504",
    ("satellite_task", "unarchive"): "KMP.99990504",
    ("satellite_task", "delete"): "KMP.99990505",
}
CONSOLE_ONLY = {("satellite_task", "view_products")}


@dataclasses.dataclass(frozen=True)
class Cell:
    resource: str
    state: str
    op: str
    allowed: bool
    to: str | None  # documented state after the call; None = unchanged, or removed for delete

    @property
    def key(self) -> tuple[str, str, str, str | None]:
        return (self.state, self.op, "allow" if self.allowed else "deny", self.to)

    @property
    def id(self) -> str:
        tail = f"->{self.to}" if self.to and "|" not in (self.to or "") and self.allowed else ""
        return f"{self.resource}:{self.state}:{self.op}{tail}"


def _cells(resource: str) -> list[Cell]:
    cells = []
    for state in STATES["resources"][resource]["states"]:
        for entry in state["allowed_operations"]:
            for to in (entry.get("to") or "").split("|"):
                cells.append(Cell(resource, state["name"], entry["op"], True, to or None))
        for entry in state["denied_operations"]:
            cells.append(Cell(resource, state["name"], entry["op"], False, None))
    return cells


def _param(cell: Cell) -> Any:
    return pytest.param(cell, id=cell.id)


@dataclasses.dataclass
class World:
    """One resource's simulator, client and items: ``items[cell.key]`` is the item a cell acts
    on (``(task_id,)``, ``(task_id, subtask_id)`` or ``(sat_task_id,)``)."""

    sim: SimServer
    client: KooMapClient
    ws: str
    items: dict[tuple[str, str, str, str | None], tuple[str, ...]]
    targets: dict[tuple[str, ...], str] = dataclasses.field(default_factory=dict)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


def _set_rates(sim: SimServer, **rates: float) -> None:
    """Outcome rates of the simulator's state machines; decided when a run starts/stops."""
    with sim.core.lock:
        timings = sim.core.machines.t
        for name, value in {**NO_FAILURES, **rates}.items():
            setattr(timings, name, value)


def _group(world: World, resource: str, state: str) -> list[tuple[str, ...]]:
    return [item for item, target in world.targets.items() if target == state]


# --- Real3D tasks --------------------------------------------------------------------------------


async def _real3d_create(client: KooMapClient, ws: str, folder: str) -> str:
    task = await client.create_real3d_task(
        ws,
        m.Real3DTaskCreate(
            task_name=unique("cell"),
            task_type=m.Real3DTaskType.CTRL,  # start_at_only needs CTRL
            modeling_type=m.ModelingType.NERF,  # create_subtask needs Nerf
            folder_code=folder,
        ),
    )
    return task.task_id


async def _real3d_statuses(world: World) -> dict[tuple[str, ...], str]:
    every = [s["name"] for s in STATES["resources"]["real3d_task"]["states"]]
    found = await world.client.list_tasks_in_workspace(world.ws, limit=100, task_status=every)
    assert found.page.total <= 100
    return {(t.task_id,): str(t.task_status) for t in found.tasks}


async def _build_real3d(sim: SimServer, client: KooMapClient) -> World:
    ws = await new_workspace(client, "matrix_r3")
    folder = await ready_folder(client)
    world = World(sim, client, ws, {})
    shared: dict[str, tuple[str, ...]] = {}
    for cell in _cells("real3d_task"):
        if not cell.allowed and cell.state in shared:
            world.items[cell.key] = shared[cell.state]
            continue
        item = (await _real3d_create(client, ws, folder),)
        world.items[cell.key] = item
        world.targets[item] = cell.state
        if not cell.allowed:
            shared[cell.state] = item

    def group(*states: str) -> list[str]:
        return [item[0] for s in states for item in _group(world, "real3d_task", s)]

    async def start(ids: Iterable[str], *, at_only: bool = False, **rates: float) -> None:
        _set_rates(sim, **rates)
        try:
            for task_id in ids:
                await client.start_real3d_task(ws, task_id, run_at_only=at_only)
        finally:
            _set_rates(sim)

    async def stop(ids: Iterable[str]) -> None:
        for task_id in ids:
            assert await client.stop_real3d_task(ws, task_id)

    # phase A: everything that must finish
    await start(group("SUCCESS", "ARCHIVED"))
    await start(group("FAILED"), real3d_fail_rate=1.0)
    await start(group("START_FAILED"), real3d_start_fail_rate=1.0)
    await start(group("BUNDLE_SUCCESS"), at_only=True)
    sim.advance(max(REAL3D_FULL_RUN, REAL3D_AT_RUN))
    for task_id in group("ARCHIVED"):
        await client.update_real3d_task_archived_status(ws, task_id, True)
    # phase B: run, stop, let the stop complete
    await start(group("STOP_SUCCESS"))
    sim.advance(REAL3D_TO_RUNNING)
    await stop(group("STOP_SUCCESS"))
    sim.advance(STOPPING)
    # phase C/D/E: items that must stay mid-way (runs last >= 1440 s)
    await start(group("RUNNING", "STOPPING"))
    sim.advance(REAL3D_TO_RUNNING)
    await start(group("STARTING"))
    sim.advance(30 + 1)  # PENDING lasts 30 s, STARTING 20 s
    await stop(group("STOPPING"))
    await start(group("PENDING"))
    return world


# --- refinement subtasks ---------------------------------------------------------------------------


async def _sub_statuses(world: World) -> dict[tuple[str, ...], str]:
    out: dict[tuple[str, ...], str] = {}
    for parent in world.extra["parents"]:
        found = await world.client.list_real3d_subtasks(world.ws, parent, limit=100)
        out.update({(parent, s.subtask_id): str(s.subtask_status) for s in found.subtasks})
    return out


async def _build_subtasks(sim: SimServer, client: KooMapClient) -> World:
    ws = await new_workspace(client, "matrix_sub")
    folder = await ready_folder(client)
    cells = _cells("real3d_subtask")
    parents_needed = len({c.state for c in cells}) + sum(c.allowed for c in cells)
    parents = [await _real3d_create(client, ws, folder) for _ in range(-(-parents_needed // 10))]
    for parent in parents:
        await client.start_real3d_task(ws, parent)
    sim.advance(REAL3D_FULL_RUN)
    world = World(sim, client, ws, {}, extra={"parents": parents})
    slots = [(p, n) for p in parents for n in range(10)]
    shared: dict[str, tuple[str, ...]] = {}
    for cell in cells:
        if not cell.allowed and cell.state in shared:
            world.items[cell.key] = shared[cell.state]
            continue
        parent, _ = slots.pop(0)
        sub = await client.create_real3d_subtask(ws, parent, unique("cellsub"))
        item = (parent, sub.subtask_id)
        world.items[cell.key] = item
        world.targets[item] = cell.state
        if not cell.allowed:
            shared[cell.state] = item

    def group(*states: str) -> list[tuple[str, ...]]:
        return [item for s in states for item in _group(world, "real3d_subtask", s)]

    async def upload(items: Iterable[tuple[str, ...]], *steps: str) -> None:
        for parent, sid in items:
            for step in steps:
                await client.sim_update_subtask_upload_status(ws, parent, sid, step)

    async def start(items: Iterable[tuple[str, ...]], **rates: float) -> None:
        _set_rates(sim, **rates)
        try:
            for parent, sid in items:
                await client.start_real3d_subtask(ws, parent, sid)
        finally:
            _set_rates(sim)

    async def stop(items: Iterable[tuple[str, ...]]) -> None:
        for parent, sid in items:
            assert await client.stop_real3d_subtask(ws, parent, sid)

    runnable = (
        "UPLOAD_SUCCESS", "PENDING", "STARTING", "START_FAILED", "RUNNING", "SUCCESS", "FAILED",
        "STOPPING", "STOP_SUCCESS",
    )  # fmt: skip
    await upload(group("UPLOADING"), "UPLOADING")
    await upload(group("UPLOAD_FAILED"), "UPLOADING", "UPLOAD_FAILED")
    await upload(group(*runnable), "UPLOADING", "UPLOAD_SUCCESS")
    await start(group("SUCCESS"))
    await start(group("FAILED"), sub_fail_rate=1.0)
    await start(group("START_FAILED"), sub_start_fail_rate=1.0)
    sim.advance(SUB_FULL_RUN)
    await start(group("STOP_SUCCESS"))
    sim.advance(SUB_TO_RUNNING)
    await stop(group("STOP_SUCCESS"))
    sim.advance(10 + 1)
    await start(group("RUNNING", "STOPPING"))
    sim.advance(SUB_TO_RUNNING)  # runs last >= 240 s
    await start(group("STARTING"))
    sim.advance(10 + 1)  # PENDING lasts 10 s, STARTING 10 s
    await stop(group("STOPPING"))
    await start(group("PENDING"))
    return world


# --- satellite tasks --------------------------------------------------------------------------------

SAT_ALL = [s["name"] for s in STATES["resources"]["satellite_task"]["states"]]


async def _sat_statuses(world: World) -> dict[tuple[str, ...], str]:
    found = await world.client.list_task_info(world.ws, limit=100, task_status=SAT_ALL)
    assert found.page.total <= 100
    return {(t.task_id,): str(t.task_status) for t in found.data}


async def _build_satellite(sim: SimServer, client: KooMapClient) -> World:
    ws = await new_workspace(client, "matrix_sat")
    image = await ready_mss_image(client)
    check = m.ImageCheckRequest(
        data_ids=[image.image_id], production_level="L2", task_name="cells", coordination="WGS84"
    )
    product_name = (await client.validate_image(check))[0].name or "product"
    world = World(sim, client, ws, {})
    shared: dict[str, tuple[str, ...]] = {}
    for cell in _cells("satellite_task"):
        if not cell.allowed and cell.state in shared:
            world.items[cell.key] = shared[cell.state]
            continue
        task = await client.create_task(sat_create(ws, image, product_name))
        item = (task.task_id,)
        world.items[cell.key] = item
        world.targets[item] = cell.state
        if not cell.allowed:
            shared[cell.state] = item

    def group(*states: str) -> list[str]:
        return [item[0] for s in states for item in _group(world, "satellite_task", s)]

    async def start(ids: Iterable[str], **rates: float) -> None:
        _set_rates(sim, **rates)
        try:
            for task_id in ids:
                assert await client.start_task(task_id)
        finally:
            _set_rates(sim)

    async def stop(ids: Iterable[str], **rates: float) -> None:
        _set_rates(sim, **rates)
        try:
            for task_id in ids:
                assert await client.stop_task(task_id)
        finally:
            _set_rates(sim)

    await start(group("SUCCESS", "ARCHIVED"))
    await start(group("FAILED"), sat_fail_rate=1.0)
    sim.advance(SAT_FULL_RUN)
    for task_id in group("ARCHIVED"):
        assert await client.update_task_archived_status(task_id, True)
    await start(group("STOP_SUCCESS", "STOP_FAILED"))
    await stop(group("STOP_SUCCESS"))
    await stop(group("STOP_FAILED"), sat_stop_fail_rate=1.0)
    sim.advance(STOPPING)
    await start(group("RUNNING"))
    sim.advance(SAT_TO_RUNNING)  # runs last >= 480 s
    await start(group("START_RUNNING", "STOPPING"))
    await stop(group("STOPPING"))
    return world


BUILDERS = {
    "real3d_task": (_build_real3d, _real3d_statuses),
    "real3d_subtask": (_build_subtasks, _sub_statuses),
    "satellite_task": (_build_satellite, _sat_statuses),
}


async def _world(resource: str) -> AsyncIterator[World]:
    build, statuses = BUILDERS[resource]
    # The world's own simulator, shared with no other test: no gateway budget to leave room
    # for, so the client may send at the most the client ever sends (the matrix checks states,
    # the limiter has its own tests).
    timings = Timings(**NO_FAILURES)
    with SimServer(seed=11, scenario="demo", speed=0.0, timings=timings, qps_limit=0) as sim:
        async with make_client(sim, qps=GATEWAY_QPS) as client:
            world = await build(sim, client)
            actual = await statuses(world)
            wrong = {
                item: (target, actual.get(item))
                for item, target in world.targets.items()
                if actual.get(item) != target
            }
            assert not wrong, f"could not drive items into their states: {wrong}"
            yield world


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def real3d_world() -> AsyncIterator[World]:
    async for world in _world("real3d_task"):
        yield world


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def subtask_world() -> AsyncIterator[World]:
    async for world in _world("real3d_subtask"):
        yield world


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def satellite_world() -> AsyncIterator[World]:
    async for world in _world("satellite_task"):
        yield world


# --- performing one cell ---------------------------------------------------------------------------

SPUR = {
    "imageCode": "1790000000000000042",
    "pointWidth": "100.5",
    "pointHeight": "200.25",
    "longitude": "114.05",
    "latitude": "22.54",
    "height": "41.2",
    "accuracy": "0.05",
}


async def _perform(world: World, cell: Cell, item: tuple[str, ...]) -> Any:
    c, ws = world.client, world.ws
    if cell.resource == "real3d_task":
        (tid,) = item
        calls = {
            "start": lambda: c.start_real3d_task(ws, tid),
            "start_at_only": lambda: c.start_real3d_task(ws, tid, run_at_only=True),
            "stop": lambda: c.stop_real3d_task(ws, tid),
            "update": lambda: c.update_real3d_task(
                ws, tid, m.Real3DTaskUpdate(task_description="cell_update")
            ),
            "delete": lambda: c.delete_real3d_task(ws, tid),
            "archive": lambda: c.update_real3d_task_archived_status(ws, tid, True),
            "unarchive": lambda: c.update_real3d_task_archived_status(ws, tid, False),
            "create_subtask": lambda: c.create_real3d_subtask(ws, tid, unique("cs")),
            "edit_spurs": lambda: c.add_spur_point({**SPUR, "taskId": tid}),
        }
    elif cell.resource == "real3d_subtask":
        parent, sid = item
        value = cell.to if cell.op == "update_upload_status" and cell.allowed else None
        if value is None:
            value = "UPLOAD_SUCCESS" if cell.state == "UPLOADING" else "UPLOADING"
        calls = {
            "update_upload_status": lambda: c.sim_update_subtask_upload_status(
                ws, parent, sid, value
            ),
            "start": lambda: c.start_real3d_subtask(ws, parent, sid),
            "stop": lambda: c.stop_real3d_subtask(ws, parent, sid),
            "delete": lambda: c.delete_real3d_subtask(ws, parent, sid),
        }
    else:
        (tid,) = item
        calls = {
            "start": lambda: c.start_task(tid),
            "stop": lambda: c.stop_task(tid),
            "archive": lambda: c.update_task_archived_status(tid, True),
            "unarchive": lambda: c.update_task_archived_status(tid, False),
            "delete": lambda: c.delete_task(tid),
        }
    return await calls[cell.op]()


async def _status_of(world: World, cell: Cell, item: tuple[str, ...]) -> str | None:
    """The item's status now, or None when it no longer exists (or is hidden as deleted)."""
    c, ws = world.client, world.ws
    if cell.resource == "real3d_task":
        found = await c.list_tasks_in_workspace(ws, task_ids=[item[0]])
        return str(found.tasks[0].task_status) if found.tasks else None
    if cell.resource == "real3d_subtask":
        subs = await c.list_real3d_subtasks(ws, item[0], subtask_id=item[1])
        return str(subs.subtasks[0].subtask_status) if subs.subtasks else None
    sats = await c.list_task_info(ws, limit=100, task_status=SAT_ALL)
    return next((str(t.task_status) for t in sats.data if t.task_id == item[0]), None)


async def _check_cell(world: World, cell: Cell) -> None:
    if (cell.resource, cell.op) in CONSOLE_ONLY:
        pytest.skip("console-only operation: no API call exists")
    item = world.items[cell.key]
    if not cell.allowed:
        with pytest.raises(WrongStateError) as info:
            await _perform(world, cell, item)
        assert info.value.http_status == 400
        assert info.value.code == DENIED_CODE[(cell.resource, cell.op)]
        return
    result = await _perform(world, cell, item)
    assert result not in (False, None)
    after = await _status_of(world, cell, item)
    if cell.op == "delete":
        assert after is None
    elif cell.to is not None:
        assert after == cell.to
        status = getattr(result, "task_status", None) or getattr(result, "subtask_status", None)
        if status is not None:  # operations that answer with the object show the new state
            assert status == cell.to
    else:
        assert after == cell.state  # e.g. create_subtask / edit_spurs leave the task as it was


def _params(resource: str) -> list[Any]:
    return [_param(c) for c in _cells(resource)]


@pytest.mark.parametrize("cell", _params("real3d_task"))
async def test_real3d_task_cell(real3d_world: World, cell: Cell) -> None:
    await _check_cell(real3d_world, cell)


@pytest.mark.parametrize("cell", _params("real3d_subtask"))
async def test_subtask_cell(subtask_world: World, cell: Cell) -> None:
    await _check_cell(subtask_world, cell)


@pytest.mark.parametrize("cell", _params("satellite_task"))
async def test_satellite_task_cell(satellite_world: World, cell: Cell) -> None:
    await _check_cell(satellite_world, cell)


async def _unchanged(world: World, resource: str) -> None:
    _, statuses = BUILDERS[resource]
    actual = await statuses(world)
    shared = {item for key, item in world.items.items() if key[2] == "deny"}
    changed = {
        item: (world.targets[item], actual.get(item))
        for item in shared
        if actual.get(item) != world.targets[item]
    }
    assert not changed


async def test_denied_cells_changed_nothing(
    real3d_world: World, subtask_world: World, satellite_world: World
) -> None:
    await _unchanged(real3d_world, "real3d_task")
    await _unchanged(subtask_world, "real3d_subtask")
    await _unchanged(satellite_world, "satellite_task")
