"""Overview-driven polling against the simulator: what a cycle costs and what it notices."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.api.models import Real3DTaskCreate
from koomap_tui.services.sources import Real3DTaskSource
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK

PARAMS = {"workspaces": 1, "tasks_per_workspace": 499, "active_tasks": 20, "images": 10}


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(
        seed=7, scenario="scale", speed=0.0, qps_limit=1000, scenario_params=PARAMS
    ) as server:
        yield server


@pytest.fixture
async def client(sim: SimServer) -> AsyncIterator[KooMapClient]:
    sim.reset()
    auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
    async with KooMapClient(sim.base_url, auth, qps=20.0) as c:
        yield c


async def _workspace(client: KooMapClient) -> str:
    return (await client.list_common_workspace(limit=1)).data[0].workspace_id


async def _cycle(client: KooMapClient, source: Real3DTaskSource, prev: Any) -> tuple[Any, int]:
    before = client.stats.snapshot()
    result = await source.fetch(prev)
    assert client.stats.since(before).requests == result.requests
    return dict(result.items), result.requests


async def test_steady_cycle_costs_two_requests_for_a_full_workspace_with_20_running(
    client: KooMapClient, sim: SimServer
) -> None:
    source = Real3DTaskSource(client, await _workspace(client), resync_every=1e9)
    items, first = await _cycle(client, source, None)
    assert first == 6  # overview + 5 pages of 100
    assert sum(1 for t in items.values() if source.is_active(t)) == 20
    for _ in range(5):
        sim.advance(5)
        new_items, requests = await _cycle(client, source, items)
        assert requests == 2
        assert new_items.keys() == items.keys()
        items = new_items


async def test_finished_tasks_are_picked_up_by_id_without_a_full_reload(
    client: KooMapClient, sim: SimServer
) -> None:
    source = Real3DTaskSource(client, await _workspace(client), resync_every=1e9)
    items, _ = await _cycle(client, source, None)
    sim.advance(7 * 24 * 3600)  # every running task ends
    items, requests = await _cycle(client, source, items)
    assert requests == 2
    assert not any(source.is_active(t) for t in items.values())
    _, requests = await _cycle(client, source, items)
    assert requests == 1  # nothing active: the overview alone


async def test_a_task_created_elsewhere_triggers_one_full_reload(
    client: KooMapClient, sim: SimServer
) -> None:
    ws = await _workspace(client)
    source = Real3DTaskSource(client, ws, resync_every=1e9)
    items, _ = await _cycle(client, source, None)
    created = await client.create_real3d_task(ws, Real3DTaskCreate(task_name="made_elsewhere"))
    items, requests = await _cycle(client, source, items)
    assert created.task_id in items
    assert requests == 2 + 5  # the overview disagreed: full re-read
    _, requests = await _cycle(client, source, items)
    assert requests == 2
