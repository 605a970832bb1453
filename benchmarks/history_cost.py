"""What the history database (koomap_tui/services/history.py) costs.

Prints JSON lines:
- per poll cycle of 500 Real3D tasks with 20 changed (progress, and now and then a state or a
  stage): the event-loop side (the poller listener `HistoryStore.observe`: one enqueue),
  median / p99 / max over the cycles, against the 1 ms target; and the writer thread's time per
  cycle (one transaction per batch; measured in the thread);
- the database size per 1,000 task-days: tasks that run back to back all day (the worst case:
  always something to record), polled every 2 s (the fast interval). Progress is two-decimal
  text on the wire (SPEC: "0.00".."1.00"), and a progress sample is stored only when the value
  changed, so a run leaves at most 101 samples however fast it is polled; polls that change
  nothing reach history as no change at all (the poller's diff is empty). Simulated for a
  smaller number of tasks over one day through the real writer and scaled linearly.

    .venv/bin/python benchmarks/history_cost.py [--cycles 300] [--tasks 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from koomap_tui.api.models import Real3DTask
from koomap_tui.services.history import HistoryStore
from koomap_tui.services.poller import FetchResult, Poller, PollUpdate

POLL = 2.0  # the default profile's fast poll interval


def make_task(i: int, status: str, progress: float, stage: int) -> Real3DTask:
    return Real3DTask.model_validate(
        {
            "task_id": f"{i:032x}",
            "task_name": f"bench_task_{i:04d}",
            "workspace_id": "0" * 32,
            "task_status": status,
            "task_progress": f"{progress:.2f}",
            "complete_stage": stage,
            "total_stage": 5,
            "task_type": "REAL3D-UNCTRL",
            "modeling_type": "Mesh",
            "update_time": "2024-06-03T08:00:00Z",
        }
    )


class Source:
    key = "real3d:bench"

    def __init__(self, items: dict[str, Real3DTask]) -> None:
        self.items = items

    async def fetch(self, previous: Mapping[str, Any] | None) -> FetchResult[Any]:
        return FetchResult(dict(self.items), 1)

    def is_active(self, item: Any) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def __call__(self) -> float:
        return self.t


async def per_cycle(cycles: int, tasks: int = 500, changes: int = 20) -> list[dict[str, Any]]:
    state = {i: [0.0, 1] for i in range(tasks)}
    items = {f"{i:032x}": make_task(i, "RUNNING", 0.0, 1) for i in range(tasks)}
    source = Source(items)
    poller: Poller[Any] = Poller(source)
    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        store = HistoryStore(Path(tmp) / "h.sqlite3", clock=clock).start()
        store.wait_ready(10)
        loop_costs: list[float] = []
        loop_cpu: list[float] = []

        def timed(update: PollUpdate[Any]) -> None:
            cpu = time.thread_time()
            started = time.perf_counter()
            store.observe(update)
            loop_costs.append(time.perf_counter() - started)
            loop_cpu.append(time.thread_time() - cpu)

        poller.subscribe(timed)
        await poller.cycle()  # first poll: 500 tasks seen for the first time
        store.flush(60)
        loop_costs.clear()
        loop_cpu.clear()
        first_batches, first_seconds = store.batches, store.write_seconds
        for c in range(cycles):
            clock.t += POLL
            for k in range(changes):
                i = (c * changes + k) % tasks
                p, stage = state[i]
                p = min(p + 0.01, 0.99)
                stage = 1 + int(p * 4)
                state[i] = [p, stage]
                items[f"{i:032x}"] = make_task(i, "RUNNING", p, stage)
            await poller.cycle()
            store.flush(60)  # one batch per cycle, as when polls are seconds apart
        batches = store.batches - first_batches
        seconds = store.write_seconds - first_seconds
        store.close()
    ms = sorted(x * 1000 for x in loop_costs)
    cpu_ms = sorted(x * 1000 for x in loop_cpu)
    return [
        {
            "figure": "history_cost",
            "case": f"poll cycle, {tasks} tasks, {changes} changed: event-loop side (enqueue)",
            "median_ms": round(statistics.median(ms), 4),
            "p99_ms": round(ms[int(len(ms) * 0.99) - 1], 4),
            "max_ms": round(ms[-1], 4),
            # Wall time includes being preempted (other processes, the writer thread holding the
            # GIL); the thread's own CPU time is the cost the enqueue itself adds.
            "cpu_median_ms": round(statistics.median(cpu_ms), 4),
            "cpu_p99_ms": round(cpu_ms[int(len(cpu_ms) * 0.99) - 1], 4),
            "cpu_max_ms": round(cpu_ms[-1], 4),
            "target_ms": 1.0,
            "cycles": cycles,
        },
        {
            "figure": "history_cost",
            "case": f"poll cycle, {tasks} tasks, {changes} changed: writer thread",
            "mean_ms_per_cycle": round(seconds * 1000 / max(batches, 1), 3),
            "batches": batches,
            "first_poll_ms": round(first_seconds * 1000, 1),
        },
    ]


class _Update:
    """What a poller hands history for one cycle (only `items`, `added`, `changed` matter)."""

    def __init__(self, items: dict[str, Real3DTask], changed: list[str]) -> None:
        self.source = "real3d:day"
        self.items = items
        self.added: frozenset[str] = frozenset()
        self.changed = {k: frozenset({"task_progress"}) for k in changed}
        self.removed: frozenset[str] = frozenset()
        self.error = None
        self.fetched_at = 1.0
        self.meta: dict[str, Any] = {}


def size_per_task_days(tasks: int, runs_per_day: float | None) -> dict[str, Any]:
    """`tasks` tasks observed for one day, polled every POLL seconds; each runs `runs_per_day`
    times (None: back to back, a run ending and the next starting a minute later)."""
    run = 1800.0  # the simulator's Real3D run (SPEC gives no typical duration)
    pending, starting = 30.0, 20.0
    busy = pending + starting + run
    cycle = busy + 60.0 if runs_per_day is None else 86400.0 / runs_per_day
    day = 86400.0
    clock = Clock()
    start = clock.t
    items: dict[str, Real3DTask] = {}
    last: dict[str, tuple[str, float, int]] = {}
    offsets = [i * cycle / tasks for i in range(tasks)]  # runs staggered over the fleet

    def state_at(i: int, t: float) -> tuple[str, float, int]:
        phase = (t - start + offsets[i]) % cycle
        if phase < pending:
            return ("PENDING", 0.0, 0)
        if phase < pending + starting:
            return ("STARTING", 0.0, 0)
        if phase < pending + starting + run:
            frac = (phase - pending - starting) / run
            return ("RUNNING", round(frac, 2), min(int(frac * 5), 5))
        return ("SUCCESS", 1.0, 5)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.sqlite3"
        store = HistoryStore(path, clock=clock).start()
        store.wait_ready(10)
        polls = int(day / POLL)
        observations = 0
        started = time.perf_counter()
        for n in range(polls):
            clock.t = start + n * POLL
            changed = []
            for i in range(tasks):
                sig = state_at(i, clock.t)
                key = f"{i:032x}"
                if last.get(key) != sig:  # what the poller's diff does: unchanged = no update
                    last[key] = sig
                    items[key] = make_task(i, *sig)
                    changed.append(key)
            if changed:
                observations += len(changed)
                update = _Update(dict(items), changed)
                if n == 0:
                    update.added = frozenset(changed)
                    update.changed = {}
                store.observe(update)
            if n % 2000 == 0:
                store.flush(60)
        store.flush(120)
        elapsed = time.perf_counter() - started
        store.close()
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        import sqlite3

        with sqlite3.connect(path) as conn:
            samples = conn.execute("SELECT count(*) FROM samples").fetchone()[0]
            transitions = conn.execute("SELECT count(*) FROM transitions").fetchone()[0]
    scale = 1000 / tasks
    return {
        "figure": "history_cost",
        "case": "database size per 1,000 task-days, polled every 2 s: "
        + ("runs back to back" if runs_per_day is None else f"{runs_per_day:g} run(s) a day"),
        "runs_per_task_day": round(86400.0 / cycle, 1),
        "simulated_tasks": tasks,
        "polls": polls,
        "observed_changes": observations,
        "samples": samples,
        "transitions": transitions,
        "bytes_simulated": size,
        "mb_per_1000_task_days": round(size * scale / 1e6, 1),
        "bytes_per_task_day": round(size / tasks),
        "writer_s": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--tasks", type=int, default=100, help="tasks simulated for the size")
    args = parser.parse_args()
    for record in asyncio.run(per_cycle(args.cycles)):
        print(json.dumps(record))
    print(json.dumps(size_per_task_days(args.tasks, None)))
    print(json.dumps(size_per_task_days(args.tasks, 1)))


if __name__ == "__main__":
    main()
