"""Bounded soak: about 90 s of fast polling through mixed faults, with screen changes, while
memory, asyncio tasks (workers, pollers, Textual timers), threads and Timer objects are sampled.

The first samples (warm-up: caches, first screens, fonts of Rich) are the baseline; the last
third must not grow beyond a small tolerance. Marked `slow`; it is the only long test.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from textual.timer import Timer

from koomap_tui.sim.server import AdminClient
from tests.reliability.conftest import make_app
from tests.ui.helpers import open_workspace, table, wait_for

#: ~110 s in CI; set KOOMAP_SOAK_SECONDS for a longer local run (the timeout follows).
SOAK_SECONDS = float(os.environ.get("KOOMAP_SOAK_SECONDS", "110"))
WORKSPACES = ("survey_east_2024", "城市更新_一期")
#: Bound on the last third's robust growth rate of live objects (see `theil_sen_slope`).
OBJECTS_PER_S_BOUND = 200.0


@dataclass(frozen=True)
class Sample:
    at: float
    rss: int
    tasks: int
    threads: int
    timers: int
    objects: int


def theil_sen_slope(points: list[tuple[float, float]]) -> float:
    """Median of the slopes between every pair of samples (Theil-Sen estimator).

    Why this statistic: a single sample of the live-object count swings by thousands (an answer
    being parsed, a render in flight: ~6,500 objects measured between neighbours), so a rate
    from two samples, the first and last of a window, moves by ±175 objects/s over a 37 s
    window, around any bound near 100/s. The median of all pairwise slopes uses every sample,
    ignores up to 29% outliers, and its spread shrinks with the number of samples and the span
    they cover (about ±55/s for the ~10 samples over ~37 s of the last third). A steady leak
    moves every pair the same way, so it is measured at full strength.
    """
    slopes = sorted(
        (y2 - y1) / (t2 - t1)
        for i, (t1, y1) in enumerate(points)
        for t2, y2 in points[i + 1 :]
        if t2 > t1
    )
    if not slopes:
        return 0.0
    mid = len(slopes) // 2
    return slopes[mid] if len(slopes) % 2 else (slopes[mid - 1] + slopes[mid]) / 2


def sample(started: float) -> Sample:
    gc.collect()
    objects = gc.get_objects()
    return Sample(
        at=time.monotonic() - started,
        rss=psutil.Process().memory_info().rss,
        tasks=len(asyncio.all_tasks()),
        threads=threading.active_count(),
        timers=sum(1 for o in objects if isinstance(o, Timer)),
        objects=len(objects),
    )


@pytest.fixture
def sim_process() -> Iterator[str]:
    """The simulator in its own process, so that its memory (request log, records) does not
    count as the console's."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "koomap_tui.sim.cli", "--port", str(port), "--seed", "11",
         "--speed", "0", "--error-rate", "500=0.04", "--error-rate", "503=0.04",
         "--throttle-rate", "0.03", "--retry-after", "1", "--truncated-rate", "0.03",
         "--html-rate", "0.02", "--drop-rate", "0.03", "--jitter-ms", "40"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the simulator did not start") from None
                time.sleep(0.1)
        yield base_url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.timeout(SOAK_SECONDS + 150)
async def test_soak_fast_polling_through_faults_does_not_grow(
    tmp_path: Path, sim_process: str
) -> None:
    admin = AdminClient(sim_process)
    try:
        app = make_app(sim_process, tmp_path, max_retries=1, fast=0.5, slow=0.5)
        samples: list[Sample] = []
        async with app.run_test(size=(160, 40)) as pilot:
            started = time.monotonic()
            rounds = 0
            while time.monotonic() - started < SOAK_SECONDS:
                await open_workspace(pilot, WORKSPACES[rounds % 2])
                for _ in range(4):
                    admin.advance(30)  # keeps tasks moving, so every poll has diffs to apply
                    await pilot.press("down")
                    await pilot.pause(0.5)
                await pilot.press("escape")
                await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
                rounds += 1
                samples.append(sample(started))
            assert app._exception is None and app.is_running
            assert table(pilot).total_row_count > 0
            polls = sum(p.cycles for p in app.hub.pollers.values())
            requests = app.ctx.client.stats.requests
    finally:
        admin.close()
    assert requests > 150, "the soak did not poll fast"
    assert polls > 100
    assert len(samples) >= 6, samples
    third = len(samples) // 3
    base, tail = samples[:third], samples[-third:]
    report = "\n".join(str(s) for s in samples)
    # Workers, pollers and timers: flat (no task or timer per screen visit or per error).
    assert max(s.tasks for s in tail) <= max(s.tasks for s in base) + 2, report
    assert max(s.threads for s in tail) <= max(s.threads for s in base), report
    assert max(s.timers for s in tail) <= max(s.timers for s in base) + 4, report

    # Memory: caches (Textual's strip and style caches, the table's line cache) fill up in the
    # first minute and then level off (measured: ~152k objects, ~90 MB, flat from 55-60 s);
    # a leak keeps growing. The last third's robust growth rate of live objects must stay under
    # OBJECTS_PER_S_BOUND, or under 0.15x the first third's when the caches were still filling
    # (a slow machine). Healthy runs measure within about ±55/s of zero there; the footer-watcher
    # leak this test was written for grows ~570 objects/s (and ~6 MB/min).
    def growth(window: list[Sample], attr: str) -> float:
        return theil_sen_slope([(s.at, float(getattr(s, attr))) for s in window])

    objects_rate = growth(tail, "objects")
    rss_rate = growth(tail, "rss")
    report += f"\nrobust growth: first third {growth(base, 'objects'):+.0f} objects/s, "
    report += f"last third {objects_rate:+.0f} objects/s, {rss_rate * 60 / 2**20:+.2f} MB/min"
    assert objects_rate < max(0.15 * growth(base, "objects"), OBJECTS_PER_S_BOUND), report
    assert rss_rate * 60 < 3 * 2**20, report  # under 3 MB a minute
    print(f"\nsoak: {rounds} rounds, {polls} polls, {requests} requests\n{report}")
