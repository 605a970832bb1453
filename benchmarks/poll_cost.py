"""(f) Requests and bytes per poll cycle, measured against the simulator over loopback.

Prints JSON lines:
- the console's overview-driven source for one workspace of 500 tasks with 20 running
  (first load, then steady cycles while the tasks progress), beside the naive approach that
  re-reads every page every cycle;
- the workspaces screen for a tenant with 50 workspaces (list every cycle; per-workspace
  overview counts once, for the rows on screen);
- all workspaces (`services/fleet.py`): 50 workspaces, 20 running tasks spread over 5 of them,
  through a client limited to the default 10 requests/s: the first full sweep (requests, bytes,
  cycles, wall time), then steady fast cycles (requests and bytes per cycle, max and mean, and
  the time one slow sweep of the idle workspaces takes), and the same for the workspaces
  view's per-workspace counts.

    .venv/bin/python benchmarks/poll_cost.py [--cycles 20]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth
from koomap_tui.api.client import ClientStats, KooMapClient
from koomap_tui.services.fleet import FleetSource, WorkspaceCountsSource
from koomap_tui.services.sources import Real3DTaskSource, WorkspaceSource
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK


def _client(sim: SimServer, qps: float = 20.0) -> KooMapClient:
    auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
    return KooMapClient(sim.base_url, auth, qps=qps)


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


FAST = 2.0  # the default profile's fast poll interval (config poll_fast)
SWEEP = 60.0  # FleetSource's default slow sweep period


class _Schedule:
    """The sources' monotonic clock, moved one poll interval per cycle (the poller's sleep)."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _gaps(looks: dict[str, set[float]]) -> list[list[float]]:
    return [[b - a for a, b in itertools.pairwise(sorted(t))] for t in looks.values() if len(t) > 2]


async def all_workspaces(cycles: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name, make in (
        ("all workspaces (fleet)", FleetSource),
        ("workspace counts", WorkspaceCountsSource),
    ):
        with SimServer(seed=7, scenario="fleet", speed=0.0, qps_limit=20.0) as sim:
            async with _client(sim, qps=10.0) as client:
                schedule = _Schedule()
                source = make(client, clock=schedule, now=sim.core.now, sweep_every=SWEEP)
                items: dict[str, Any] | None = None

                async def one(source: Any = source) -> None:
                    nonlocal items
                    items = dict((await source.fetch(items)).items)

                started = time.perf_counter()
                first: list[tuple[int, int]] = []
                while not source.sweeper.swept:
                    first.append(await _cycle(client, one))
                    schedule.t += FAST
                first_wall = time.perf_counter() - started
                steady: list[tuple[int, int]] = []
                walls: list[float] = []
                looks: dict[str, set[float]] = {}
                for _ in range(max(cycles, int(3 * SWEEP / FAST))):
                    sim.advance(FAST)  # running tasks progress; none ends in a few minutes
                    t0 = time.perf_counter()
                    steady.append(await _cycle(client, one))
                    walls.append(time.perf_counter() - t0)
                    for ws_id, space in source.sweeper.spaces.items():
                        if not space.hot and space.checked is not None:
                            looks.setdefault(ws_id, set()).add(space.checked)
                    schedule.t += FAST
                assert items is not None
                running = sum(1 for r in items.values() if source.is_active(r))
        out.append(
            {
                "figure": "poll_cost",
                "case": f"{name}: 50 workspaces, 20 running in 5: first full sweep at 10 QPS",
                "rows": len(items),
                "active": running,
                "requests": sum(r for r, _ in first),
                "bytes": sum(b for _, b in first),
                "cycles": len(first),
                "wall_s": round(first_wall, 2),
                "schedule_s": round(max(first_wall, len(first) * FAST), 1),
            }
        )
        out.append(
            {
                "figure": "poll_cost",
                "case": f"{name}: steady cycle (every {FAST:g} s; idle swept every {SWEEP:g} s)",
                "requests_max": max(r for r, _ in steady),
                "requests_mean": round(statistics.mean(r for r, _ in steady), 2),
                "requests_per_s": round(statistics.mean(r for r, _ in steady) / FAST, 2),
                "bytes_mean": round(statistics.mean(b for _, b in steady)),
                "cycle_wall_ms_max": round(max(walls) * 1000, 1),
                # the longest time between two looks at one idle workspace: a full sweep; the
                # first gap after the initial sweep is up to 1.5 periods (each settles into its
                # slot), the later ones are the settled sweep
                "full_sweep_s": max(gaps[0] for gaps in _gaps(looks)),
                "full_sweep_settled_s": max(g for gaps in _gaps(looks) for g in gaps[1:]),
                "cycles": len(steady),
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=20)
    args = parser.parse_args()
    records = asyncio.run(task_table(args.cycles)) + asyncio.run(workspaces(args.cycles))
    records += asyncio.run(all_workspaces(args.cycles))
    for record in records:
        print(json.dumps(record, ensure_ascii=False))


if __name__ == "__main__":
    main()
