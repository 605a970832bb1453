"""Lazy scheduler: due transitions run, in time order, when someone looks at the clock.

Nothing runs in the background: every request (and every explicit advance) first applies all
transitions due up to the current virtual time, so idle costs nothing and results do not depend
on thread timing.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

Action = Callable[[float], None]


@dataclass
class Timings:
    """Virtual-second durations and outcome rates of the background work."""

    real3d_pending: float = 30.0
    real3d_starting: float = 20.0
    real3d_run: float = 1800.0
    real3d_run_at_only: float = 600.0
    real3d_stopping: float = 15.0
    real3d_start_fail_rate: float = 0.05
    real3d_fail_rate: float = 0.10
    product_prepare: float = 120.0
    product_delete: float = 30.0
    sub_pending: float = 10.0
    sub_starting: float = 10.0
    sub_run: float = 300.0
    sub_stopping: float = 10.0
    sub_start_fail_rate: float = 0.05
    sub_fail_rate: float = 0.10
    sat_queue: float = 30.0
    sat_run: float = 600.0
    sat_stopping: float = 15.0
    sat_fail_rate: float = 0.10
    sat_stop_fail_rate: float = 0.10
    folder_import: float = 300.0
    image_migrate: float = 240.0


class Scheduler:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Action]] = []
        self._seq = 0

    def at(self, due: float, action: Action) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (due, self._seq, action))

    def run_until(self, now: float) -> int:
        ran = 0
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, _, action = heapq.heappop(heap)
            action(due)
            ran += 1
        return ran

    def pending(self) -> int:
        return len(self._heap)

    def clear(self) -> None:
        self._heap.clear()
