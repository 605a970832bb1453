"""A burst of concurrent reads against the simulator's own per-tenant throttling (429
GATEWAY.0006 above `qps_limit`): no one-second window of sends exceeds the budget, no 429 comes
back, and the first second's budget is spent at once rather than spaced out."""

from __future__ import annotations

import asyncio
import time

import httpx
from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK

QPS = 10
REQUESTS = 3 * QPS + 5


class SendClock(httpx.AsyncBaseTransport):
    """The real transport, noting when each request leaves for the wire."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(time.monotonic())
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_burst_never_exceeds_the_gateway_budget_in_any_second() -> None:
    with SimServer(seed=7, scenario="demo", speed=0.0, qps_limit=QPS) as sim:
        transport = SendClock()
        auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
        client = KooMapClient(sim.base_url, auth, qps=QPS, transport=transport)
        async with client:
            workspaces = (await client.list_common_workspace(limit=10)).data
            ws = workspaces[0].workspace_id
            await asyncio.sleep(1.2)  # the warm-up request's token comes back
            # A second's budget at once opens the connections the burst will use. A burst that
            # opens them itself reaches the server late by the connection set-up, which on a busy
            # machine can pass the limiter's 0.1 s guard: its next second then arrives too close
            # behind it (one 429 in one of three CI runs, 2026-12-06).
            await asyncio.gather(*(client.show_task_overview_in_workspace(ws) for _ in range(QPS)))
            sim.request_log.clear()
            transport.sent.clear()
            await asyncio.sleep(1.2)  # their tokens come back
            answers = await asyncio.gather(
                *(client.show_task_overview_in_workspace(ws) for _ in range(REQUESTS))
            )
        statuses = [entry.status for entry in sim.request_log.entries]

    assert len(answers) == REQUESTS
    assert 429 not in statuses, statuses
    assert len(statuses) == REQUESTS  # nothing was retried
    assert client.stats.errors == 0 and client.stats.retries == 0
    sent = sorted(transport.sent)
    assert len(sent) == REQUESTS
    for i, first in enumerate(sent):
        inside = sum(1 for s in sent[i:] if s < first + 1.0)
        assert inside <= QPS, f"{inside} requests within 1 s of send #{i}"
    assert client._limiter.capacity == QPS  # a second's budget may go at once
