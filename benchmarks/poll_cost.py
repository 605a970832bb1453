"""(f) Requests and bytes per poll cycle, measured against the simulator over loopback.

Prints JSON lines:
- the console's overview-driven source for one workspace of 500 tasks with 20 running
  (first load, then steady cycles while the tasks progress), beside the naive approach that
  re-reads every page every cycle;
- the workspaces screen for a tenant with 50 workspaces (list every cycle; per-workspace
  overview counts once, for the rows on screen).

    .venv/bin/python benchmarks/poll_cost.py [--cycles 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth
from koomap_tui.api.client import ClientStats, KooMapClient
from koomap_tui.services.sources import Real3DTaskSource, WorkspaceSource
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK


def _client(sim: SimServer) -> KooMapClient:
    auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
    return KooMapClient(sim.base_url, auth, qps=20.0)


async def _cycle(client: KooMapClient, work: Any) -> tuple[int, int]:
    before: ClientStats = client.stats.snapshot()
    await work()
    spent = client.stats.since(before)
    return spent.requests, spent.bytes_received


async def task_table(cycles: int) -> list[dict[str, Any]]:
    params = {"workspaces": 1, "tasks_per_workspace": 500, "active_tasks": 20, "images": 10}
    out: list[dict[str, Any]] = []
    with SimServer(
        seed=7, scenario="scale", speed=0.0, qps_limit=1000, scenario_params=params
    ) as sim:
        async with _client(sim) as client:
            page = await client.list_common_workspace(limit=10)
            ws = page.data[0].workspace_id
            source = Real3DTaskSource(client, ws, resync_every=1e9)
            snapshot: dict[str, Any] = {}

            async def overview_driven() -> None:
                nonlocal snapshot
                snapshot = dict((await source.fetch(snapshot or None)).items)

            first = await _cycle(client, overview_driven)
            steady = []
            for _ in range(cycles):
                sim.advance(5)  # the running tasks progress; none finishes in 5 s
                steady.append(await _cycle(client, overview_driven))
            running = sum(1 for t in snapshot.values() if source.is_active(t))

            async def naive() -> None:
                offset = 0
                while True:
                    p = await client.list_tasks_in_workspace(ws, offset=offset, limit=100)
                    offset += len(p.tasks)
                    if not p.tasks or offset >= p.page.total:
                        break

            naive_cost = [await _cycle(client, naive) for _ in range(3)]
    out.append(
        {
            "figure": "poll_cost",
            "case": "500 tasks, 20 running: first load",
            "tasks": len(snapshot),
            "running": running,
            "requests": first[0],
            "bytes": first[1],
        }
    )
    out.append(
        {
            "figure": "poll_cost",
            "case": "500 tasks, 20 running: steady cycle (overview-driven)",
            "requests": max(r for r, _ in steady),
            "requests_mean": statistics.mean(r for r, _ in steady),
            "bytes_mean": round(statistics.mean(b for _, b in steady)),
            "cycles": cycles,
        }
    )
    out.append(
        {
            "figure": "poll_cost",
            "case": "500 tasks, 20 running: naive full re-read per cycle",
            "requests": naive_cost[-1][0],
            "bytes_mean": round(statistics.mean(b for _, b in naive_cost)),
        }
    )
    return out


async def workspaces(cycles: int, visible_rows: int = 20) -> list[dict[str, Any]]:
    params = {"workspaces": 50, "tasks_per_workspace": 20, "active_tasks": 2, "images": 10}
    with SimServer(
        seed=7, scenario="scale", speed=0.0, qps_limit=1000, scenario_params=params
    ) as sim:
        async with _client(sim) as client:
            source = WorkspaceSource(client)
            items: dict[str, Any] = {}

            async def first_load() -> None:
                nonlocal items
                items = dict((await source.fetch(None)).items)
                for key in list(items)[:visible_rows]:
                    await client.show_task_overview_in_workspace(key)

            first = await _cycle(client, first_load)

            async def steady() -> None:
                await source.fetch(items)

            costs = [await _cycle(client, steady) for _ in range(cycles)]
    return [
        {
            "figure": "poll_cost",
            "case": f"50 workspaces: first load ({visible_rows} overviews on screen)",
            "requests": first[0],
            "bytes": first[1],
        },
        {
            "figure": "poll_cost",
            "case": "50 workspaces: steady cycle",
            "requests": max(r for r, _ in costs),
            "bytes_mean": round(statistics.mean(b for _, b in costs)),
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=20)
    args = parser.parse_args()
    for record in asyncio.run(task_table(args.cycles)) + asyncio.run(workspaces(args.cycles)):
        print(json.dumps(record, ensure_ascii=False))


if __name__ == "__main__":
    main()
