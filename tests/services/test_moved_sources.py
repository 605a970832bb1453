"""The sources that moved out of the UI (spurs, satellite tasks, usage, watched tasks,
workspaces, subtasks) against the demo simulator over loopback HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from koomap_tui.api.client import KooMapClient
from koomap_tui.domain.gcp_import import ControlPoint
from koomap_tui.services.sources import (
    MAX_COUNT_QUERIES,
    OverviewSatelliteSource,
    SpurSource,
    SubTaskSource,
    UsageSource,
    WatchedTasksSource,
    WorkspaceSource,
)
from koomap_tui.services.spur_workbench import Workbench
from koomap_tui.sim.server import SimServer
from tests.services.conftest import fetch_counted, open_client

EAST = "survey_east_2024"
CTRL = "east_block_ctrl"  # REAL3D-CTRL in BUNDLE_SUCCESS; 2 GCPs spurred on 3 images each
IMAGE = "1790000000000000001"  # holds a spur of the first GCP


@pytest.fixture(scope="module")
def sim_server() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0, qps_limit=1000) as s:
        yield s


@pytest.fixture
def sim(sim_server: SimServer) -> SimServer:
    sim_server.reset()
    return sim_server


@pytest.fixture
async def client(sim: SimServer) -> AsyncIterator[KooMapClient]:
    async for c in open_client(sim):
        yield c


def store(sim: SimServer) -> Any:
    return sim.core.stores["demo"]


def workspace_named(sim: SimServer, name: str) -> str:
    return next(w.id for w in store(sim).workspaces.values() if w.name == name)


async def test_workspace_source_lists_every_workspace(client: KooMapClient, sim: SimServer) -> None:
    result = await fetch_counted(client, WorkspaceSource(client))
    assert set(result.items) == set(store(sim).workspaces)
    assert result.requests == 1


async def test_spur_source_pages_spurs_and_caps_count_queries(
    client: KooMapClient, sim: SimServer
) -> None:
    """>100 spurs on one image take two ListSpurPoints pages, and ShowSpurCount is asked for at
    most MAX_COUNT_QUERIES control points per cycle."""
    ws = workspace_named(sim, EAST)
    tasks = await client.list_tasks_in_workspace(ws, task_name=CTRL, limit=100)
    task_id = next(t.task_id for t in tasks.tasks if t.task_name == CTRL)
    bodies = [
        {
            "imageCode": "555",
            "taskId": task_id,
            "pointWidth": str(i),
            "pointHeight": "1",
            "longitude": "100",
            "latitude": "20",
            "height": "5",
            "accuracy": "0.5",
        }
        for i in range(105)
    ]
    await asyncio.gather(*(client.add_spur_point(b) for b in bodies))
    points = [
        ControlPoint(f"P{i}", "101", str(i), "1", "0.5") for i in range(MAX_COUNT_QUERIES + 5)
    ]
    source = SpurSource(client, task_id, Workbench(None, points, ["555", IMAGE]))
    before = sim.request_log.count(operation="ListSpurPoints")
    result = await fetch_counted(client, source)
    assert sim.request_log.count(operation="ListSpurPoints") - before == 3  # 2 pages + 1
    assert len(result.items) == 106
    assert result.meta["reading"].per_image == {"555": 105, IMAGE: 1}
    counts = result.meta["reading"].counts
    assert len(counts) == MAX_COUNT_QUERIES  # the rest wait for their turn ("…")
    spurred = (Decimal("100"), Decimal("20"), Decimal("5"), Decimal("0.5"))
    assert counts[spurred] == 1  # 105 spurs, all on the same image
    assert result.requests == 3 + MAX_COUNT_QUERIES


async def test_overview_satellite_source_lists_tasks_with_counts_and_overview(
    client: KooMapClient, sim: SimServer
) -> None:
    by_ws: dict[str, set[str]] = {}
    for task in store(sim).sat_tasks.values():
        if not task.deleted and task.status != "ARCHIVED":
            by_ws.setdefault(task.workspace_id, set()).add(task.id)
    ws, expected = max(by_ws.items(), key=lambda kv: len(kv[1]))
    result = await fetch_counted(client, OverviewSatelliteSource(client, ws))
    assert set(result.items) == expected
    assert result.requests == 2  # one page and the overview
    assert result.meta["overview"].total is not None
    assert result.meta["counts"] is not None


async def test_usage_source_reads_both_families(client: KooMapClient, sim: SimServer) -> None:
    result = await fetch_counted(client, UsageSource(client))
    assert result.requests == 4  # 2 x ShowReal3DUsage + 2 x ListUsageInfo (one page each)
    sat_tasks = {r.subtype: r.usage for r in result.items.values() if r.key.startswith("sat:TASK")}
    done = {
        level: float(
            sum(
                1
                for t in store(sim).sat_tasks.values()
                if t.production_level == level and t.status in ("SUCCESS", "ARCHIVED")
            )
        )
        for level in ("L2", "L3", "L4", "L5")
    }
    assert sat_tasks == done
    assert {r.service for r in result.items.values()} == {"Real3D", "Satellite"}
    assert all(r.key == k for k, r in result.items.items())


async def test_watched_tasks_source_reads_only_the_watched_tasks(
    client: KooMapClient, sim: SimServer
) -> None:
    owner = SimpleNamespace(watches={})
    source = WatchedTasksSource(client, owner)
    empty = await fetch_counted(client, source)
    assert empty.items == {} and empty.requests == 0
    picked = [t for t in store(sim).tasks.values() if t.status != "ARCHIVED"][:3]
    owner.watches = {
        t.id: SimpleNamespace(workspace_id=t.workspace_id, task_id=t.id) for t in picked
    }
    result = await fetch_counted(client, source)
    assert set(result.items) == {t.id for t in picked}
    assert result.requests == len({t.workspace_id for t in picked})


async def test_subtask_source_lists_the_subtasks_of_a_task(
    client: KooMapClient, sim: SimServer
) -> None:
    task_id, subtasks = next((k, v) for k, v in store(sim).subtasks.items() if v)
    ws = store(sim).tasks[task_id].workspace_id
    result = await fetch_counted(client, SubTaskSource(client, ws, task_id))
    assert set(result.items) == set(subtasks)


async def test_subtask_source_carries_the_refined_products_states_read_when_subtasks_change(
    client: KooMapClient, sim: SimServer
) -> None:
    task_id, subtasks = next(
        (k, v)
        for k, v in store(sim).subtasks.items()
        if any(s.refine_product_id for s in v.values())
    )
    task = store(sim).tasks[task_id]
    named = {s.refine_product_id for s in subtasks.values() if s.refine_product_id}
    listed = {p.id: p.status for p in store(sim).refine_products.values() if p.id in named}
    assert listed  # the scenario has refined products to show
    source = SubTaskSource(client, task.workspace_id, task_id, task.name)
    first = await fetch_counted(client, source)
    assert first.meta["refine_states"] == listed and first.meta["refine_error"] is None
    assert first.requests >= 2  # the subtasks, then the products by the task's name
    # Nothing changed: one request, the states read before still in the meta.
    again = await fetch_counted(client, source, first.items)
    assert again.requests == 1 and again.meta["refine_states"] == listed
    # `r` (force_full) reads them again; a failed read says why and keeps the states.
    sim.faults.set(error_rates={500: 1.0}, path_prefix="/v1/real3d/refineproducts")
    source.force_full = True
    failed = await fetch_counted(client, source, first.items)
    assert failed.requests >= 2 and failed.meta["refine_error"]
    assert failed.meta["refine_states"] == listed
    sim.faults.clear()
    # A task without a name: each product asked by id.
    unnamed = SubTaskSource(client, task.workspace_id, task_id, None)
    by_id = await fetch_counted(client, unnamed)
    assert by_id.meta["refine_states"] == listed and by_id.requests == 1 + len(named)


async def test_subtask_source_reads_a_preparing_refined_product_again_until_it_settles(
    client: KooMapClient, sim: SimServer
) -> None:
    """A refined product is prepared after its subtask ended: the subtasks no longer change,
    yet the product's state does ("preparing" -> "available"), so it is read on every cycle
    while one is preparing, and no more once all have settled."""
    products = store(sim).refine_products
    task_id, subtasks = next(
        (k, v)
        for k, v in store(sim).subtasks.items()
        if any(s.refine_product_id in products for s in v.values())
    )
    task = store(sim).tasks[task_id]
    pid = next(s.refine_product_id for s in subtasks.values() if s.refine_product_id in products)
    products[pid].status = "preparing"
    source = SubTaskSource(client, task.workspace_id, task_id, task.name)
    first = await fetch_counted(client, source)
    assert first.meta["refine_states"][pid] == "preparing"
    products[pid].status = "available"  # the subtasks stay as they were
    again = await fetch_counted(client, source, first.items)
    assert again.items == first.items
    assert again.meta["refine_states"][pid] == "available"
    settled = await fetch_counted(client, source, again.items)
    assert settled.requests == 1  # nothing preparing any more: the products are not read
