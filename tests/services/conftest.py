"""Sources against the simulator over loopback HTTP: a client per test, a scenario per module."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.services.poller import FetchResult
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK


async def open_client(sim: SimServer) -> AsyncIterator[KooMapClient]:
    auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
    async with KooMapClient(sim.base_url, auth, qps=1000.0, max_retries=0) as client:
        yield client


async def fetch_counted(
    client: KooMapClient, source: Any, previous: Any = None
) -> FetchResult[Any]:
    """One cycle; the requests it reports are the requests the client sent."""
    before = client.stats.snapshot()
    result: FetchResult[Any] = await source.fetch(previous)
    assert client.stats.since(before).requests == result.requests
    return result
