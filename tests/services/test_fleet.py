"""All-workspaces polling against the simulator over HTTP: the rows it shows (checked against
the simulator's own store), what a steady cycle costs, and what the slow sweep notices."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.api.errors import KooMapError
from koomap_tui.api.models import Real3DTaskCreate
from koomap_tui.services.fleet import FleetSource, WorkspaceCountsSource
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK

PARAMS = {
    "workspaces": 12,
    "tasks_per_workspace": 10,
    "busy_workspaces": 3,
    "running_tasks": 6,
    "recent_failures": 4,
}
DAY = 86400.0


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(
        seed=7, scenario="fleet", speed=0.0, qps_limit=0, scenario_params=PARAMS
    ) as server:
        yield server


@pytest.fixture
async def client(sim: SimServer) -> AsyncIterator[KooMapClient]:
    sim.reset()
    auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
    async with KooMapClient(sim.base_url, auth, qps=20.0) as c:
        yield c


class Mono:
    """The sources' schedule clock, moved by the test."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def expected(sim: SimServer) -> dict[str, tuple[str, str]]:
    """What the view must show, from the simulator's store: task id -> (status, ws name)."""
    store = sim.core.stores["demo"]
    now = sim.core.now()
    out = {}
    for task in store.tasks.values():
        active = task.status in ("PENDING", "STARTING", "RUNNING", "STOPPING")
        ended = task.status in ("FAILED", "START_FAILED", "SUCCESS", "STOP_SUCCESS")
        if active or (ended and task.update_time >= now - DAY):
            out[task.id] = (task.status, store.workspaces[task.workspace_id].name)
    return out


def shown(items: Any) -> dict[str, tuple[str, str]]:
    return {k: (str(r.task_status.value), r.workspace_name) for k, r in items.items()}


async def cycle(client: KooMapClient, source: Any, prev: Any) -> tuple[dict[str, Any], int]:
    before = client.stats.snapshot()
    result = await source.fetch(prev)
    assert client.stats.since(before).requests == result.requests
    return dict(result.items), result.requests


def fleet(client: KooMapClient, sim: SimServer, mono: Mono, **kw: Any) -> FleetSource:
    return FleetSource(client, clock=mono, now=sim.core.now, **kw)


async def test_first_sweep_shows_active_and_recent_tasks_of_every_workspace(
    client: KooMapClient, sim: SimServer
) -> None:
    source = fleet(client, sim, Mono(), budget=100)
    items, requests = await cycle(client, source, None)
    truth = expected(sim)
    assert shown(items) == truth
    assert sum(1 for s, _ in truth.values() if s == "RUNNING") == 6
    assert sum(1 for s, _ in truth.values() if s == "FAILED") == 4
    # 1 workspace page + 12 overviews + a list of recent ended tasks in each + active in 3
    assert requests == 1 + 12 + 12 + 3
    row = next(iter(items.values()))
    assert row.task_name and row.workspace_id == row.task.workspace_id  # reads through


async def test_a_steady_fast_cycle_reads_only_the_busy_workspaces(
    client: KooMapClient, sim: SimServer
) -> None:
    mono = Mono()
    source = fleet(client, sim, mono, budget=100, sweep_every=60)
    items, _ = await cycle(client, source, None)
    for _ in range(4):
        sim.advance(5)
        mono.t += 2
        items, requests = await cycle(client, source, items)
        assert requests == 3  # one active-tasks list per busy workspace
    assert shown(items) == expected(sim)
    mono.t += 90  # the slow sweep comes round: 9 idle overviews, nothing changed there
    items, requests = await cycle(client, source, items)
    assert requests == 3 + 9


async def test_ended_runs_and_changes_in_idle_workspaces_are_noticed(
    client: KooMapClient, sim: SimServer
) -> None:
    mono = Mono()
    source = fleet(client, sim, mono, budget=100, sweep_every=60)
    items, _ = await cycle(client, source, None)
    sim.advance(3 * 3600)  # every run ends (SUCCESS or FAILED)
    mono.t += 2
    items, requests = await cycle(client, source, items)
    assert shown(items) == expected(sim)
    assert not any(source.is_active(r) for r in items.values())
    assert requests == 3 * 2  # active list, then the recently ended list, per busy workspace
    # Someone starts a task in an idle workspace; the next sweep's overview notices.
    store = sim.core.stores["demo"]
    idle = next(w for w in store.workspaces.values() if w.name == "fleet_ws_010")
    folder = next(iter(store.folders))
    made = await client.create_real3d_task(
        idle.id, Real3DTaskCreate(task_name="made_elsewhere", folder_code=folder)
    )
    await client.start_real3d_task(idle.id, made.task_id)
    mono.t += 2
    items, requests = await cycle(client, source, items)
    assert made.task_id not in items and requests == 0  # not due yet: nothing is read
    mono.t += 90  # every idle workspace's slot has come round
    items, requests = await cycle(client, source, items)
    assert items[made.task_id].workspace_name == "fleet_ws_010"
    assert shown(items) == expected(sim)
    # 12 overviews; fleet_ws_010's active and ended lists; and, once, the ended list of each
    # workspace that was busy (its counts changed since its last overview, taken while busy).
    assert requests == 12 + 2 + 3
    mono.t += 90
    items, requests = await cycle(client, source, items)
    assert requests == 11 + 1  # 11 idle overviews; fleet_ws_010 is busy now
    # A day later the finished rows have aged out; nothing is re-read to learn that.
    sim.advance(DAY + 3600)
    mono.t += 1
    items, _ = await cycle(client, source, items)
    assert shown(items) == expected(sim)
    assert all(r.task_name == "made_elsewhere" or source.is_active(r) for r in items.values())


async def test_the_sweep_is_spread_over_cycles_within_the_budget(
    client: KooMapClient, sim: SimServer
) -> None:
    mono = Mono()
    source = fleet(client, sim, mono, budget=6)  # two workspaces per cycle
    items: dict[str, Any] | None = None
    costs = []
    progress = []
    while not source.sweeper.swept:
        before = client.stats.snapshot()
        result = await source.fetch(items)
        assert client.stats.since(before).requests == result.requests
        items = dict(result.items)
        costs.append(result.requests)
        progress.append((result.meta["looked"], result.meta["workspaces"]))
        mono.t += 2
    assert progress == [(2 * n, 12) for n in range(1, 7)]
    assert len(costs) == 6  # 12 workspaces, 2 per cycle
    assert max(costs[1:]) <= 6 + 3  # the budget, plus one list per busy workspace
    assert shown(items) == expected(sim)


async def test_workspace_counts_refresh_busy_ones_every_cycle_idle_ones_slowly(
    client: KooMapClient, sim: SimServer
) -> None:
    mono = Mono()
    source = WorkspaceCountsSource(client, clock=mono, now=sim.core.now, sweep_every=60)
    counts, requests = await cycle(client, source, None)
    assert requests == 1 + 12
    store = sim.core.stores["demo"]
    for ws in store.workspaces.values():
        c = counts[ws.id]
        tasks = [t for t in store.tasks.values() if t.workspace_id == ws.id]
        assert c.workspace_name == ws.name and c.total == len(tasks)
        assert c.running == sum(1 for t in tasks if t.status == "RUNNING")
        assert c.fetched_at == sim.core.now()
    first = dict(counts)
    sim.advance(3 * 3600)
    mono.t += 2
    counts, requests = await cycle(client, source, counts)
    assert requests == 3  # the busy ones only
    busy = {k for k, c in first.items() if c.running}
    assert all(counts[k].running == 0 and counts[k].fetched_at > first[k].fetched_at for k in busy)
    assert all(counts[k] == first[k] for k in first if k not in busy)
    mono.t += 90
    counts, requests = await cycle(client, source, counts)
    assert requests == 12  # everything is idle now: one sweep of overviews


async def test_the_slow_sweep_spreads_evenly_over_cycles(
    client: KooMapClient, sim: SimServer
) -> None:
    mono = Mono()
    source = WorkspaceCountsSource(client, clock=mono, now=sim.core.now, sweep_every=60)
    counts, _ = await cycle(client, source, None)
    first = {k: c.fetched_at for k, c in counts.items()}
    busy = {k for k, c in counts.items() if c.running}
    costs = []
    for _ in range(50):  # 100 s of 2-second cycles; nothing changes state in that time
        sim.advance(2)
        mono.t += 2
        counts, requests = await cycle(client, source, counts)
        costs.append(requests)
    # 3 busy workspaces every cycle, plus at most one idle overview (9 idle / 60 s, every 2 s)
    assert max(costs) <= 3 + 1 and sum(costs) >= 50 * 3 + 9
    assert all(counts[k].fetched_at > first[k] for k in first)  # every idle one was looked at
    assert len(busy) == 3


async def test_workspace_counts_read_the_rows_on_screen_the_sweep_has_not_reached(
    client: KooMapClient, sim: SimServer
) -> None:
    mono = Mono()
    source = WorkspaceCountsSource(client, clock=mono, now=sim.core.now, budget=2)
    assert not source.set_view([])  # before the first answer the cycle under way reads them
    counts, requests = await cycle(client, source, None)
    assert requests == 1 + 2 and len(counts) == 2  # the list, then the sweep's budget
    unread = sorted(k for k in sim.core.stores["demo"].workspaces if k not in counts)
    shown = [*counts, *unread[-3:]]  # the last by id: the sweep would read others next
    assert source.set_view(shown)  # three rows on screen were never read: a cycle is asked
    counts, requests = await cycle(client, source, counts)
    assert requests == 3 and set(shown) <= set(counts)  # just those, nothing of the sweep
    assert not source.set_view(shown)  # all read: nothing to ask
    assert source.set_view(shown[:2], again=True)  # `r`: read again with the next cycle
    mono.t += 1
    before = {k: counts[k].fetched_at for k in shown[:2]}
    sim.advance(5)
    counts, requests = await cycle(client, source, counts)
    assert all(counts[k].fetched_at > before[k] for k in shown[:2])
    assert not source.set_view(shown[:2])


async def test_one_workspace_whose_counts_fail_does_not_hold_back_the_others(
    sim: SimServer,
) -> None:
    auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
    async with KooMapClient(sim.base_url, auth, qps=20.0, max_retries=0) as client:
        mono = Mono()
        source = WorkspaceCountsSource(client, clock=mono, now=sim.core.now, sweep_every=60)
        first, _ = await cycle(client, source, None)
        bad = sorted(first)[0]
        sim.faults.set(error_rates={500: 1.0}, path_prefix=f"/v1/real3d/{bad}/tasks/overview")
        sim.advance(90)
        mono.t += 90  # every workspace is due again
        counts, requests = await cycle(client, source, first)
        assert requests >= 12  # every overview was asked, the failing one too
        assert counts[bad] == first[bad]  # kept, with its own (growing) age
        assert all(counts[k].fetched_at > first[k].fetched_at for k in first if k != bad)
        sim.faults.set(path_prefix="/v1/real3d/")  # no workspace can be read: the poll fails
        mono.t += 90
        with pytest.raises(KooMapError):
            await source.fetch(counts)
