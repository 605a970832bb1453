"""The polling loop: diffs, adaptive interval, backoff with Retry-After, no overlap, pause."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pytest

from koomap_tui.api.errors import ServerError, ThrottledError
from koomap_tui.services.poller import FetchResult, Intervals, Poller, PollUpdate


@dataclass(frozen=True)
class Item:
    id: str
    state: str


class FakeSource:
    key = "fake"

    def __init__(self, items: dict[str, Item]) -> None:
        self.items = items
        self.calls = 0
        self.running = 0
        self.max_running = 0
        self.fail_with: Exception | None = None
        self.delay = 0.0

    def is_active(self, item: Item) -> bool:
        return item.state == "RUNNING"

    async def fetch(self, previous: Mapping[str, Item] | None) -> FetchResult[Item]:
        self.calls += 1
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.fail_with is not None:
                raise self.fail_with
            return FetchResult(dict(self.items), 1)
        finally:
            self.running -= 1


def _poller(source: FakeSource, **kw: float) -> tuple[Poller[Item], list[PollUpdate[Item]]]:
    poller: Poller[Item] = Poller(
        source, Intervals(fast=kw.get("fast", 1.0), slow=kw.get("slow", 10.0)), rng=random.Random(1)
    )
    updates: list[PollUpdate[Item]] = []
    poller.subscribe(updates.append)
    return poller, updates


async def test_first_cycle_adds_everything_then_diffs_changes() -> None:
    source = FakeSource({"a": Item("a", "RUNNING"), "b": Item("b", "INIT")})
    poller, updates = _poller(source)
    delay = await poller.cycle()
    assert updates[-1].added == {"a", "b"} and not updates[-1].changed
    assert delay == 1.0  # something runs: fast interval

    source.items["a"] = replace(source.items["a"], state="SUCCESS")
    del source.items["b"]
    source.items["c"] = Item("c", "INIT")
    delay = await poller.cycle()
    last = updates[-1]
    assert last.added == {"c"}
    assert last.removed == {"b"}
    assert set(last.changed) == {"a"} and "state" in last.changed["a"]
    assert delay == 10.0  # nothing active any more: slow interval


async def test_errors_back_off_and_honour_retry_after() -> None:
    source = FakeSource({"a": Item("a", "RUNNING")})
    poller, updates = _poller(source)
    await poller.cycle()
    source.fail_with = ServerError("KMP.1", "boom", 503, None, "X")
    first = await poller.cycle()
    second = await poller.cycle()
    assert 1.0 < first < second <= 60.0
    assert updates[-1].error is not None and updates[-1].items == {"a": Item("a", "RUNNING")}
    assert poller.freshness().errors == 2
    source.fail_with = ThrottledError(
        "GATEWAY.0006", "Too many requests.", 429, None, "X", retry_after=45
    )
    assert await poller.cycle() >= 45
    source.fail_with = None
    assert await poller.cycle() == 1.0  # recovered: back to the fast interval
    assert poller.freshness().last_error is None


async def test_loop_never_overlaps_and_refresh_now_wakes_it() -> None:
    source = FakeSource({"a": Item("a", "RUNNING")})
    source.delay = 0.05
    poller, _ = _poller(source, fast=30.0)
    poller.start()
    await asyncio.sleep(0.1)
    assert source.calls == 1  # next cycle is 30 s away
    for _ in range(5):
        poller.refresh_now()
    await asyncio.sleep(0.3)
    await poller.stop()
    assert source.max_running == 1
    assert 2 <= source.calls <= 3


async def test_paused_poller_does_not_fetch_until_resumed() -> None:
    source = FakeSource({"a": Item("a", "RUNNING")})
    poller, _ = _poller(source, fast=0.05)
    poller.pause()
    poller.start()
    await asyncio.sleep(0.2)
    assert source.calls == 0
    assert poller.freshness().paused
    poller.resume()
    await asyncio.sleep(0.2)
    await poller.stop()
    assert source.calls >= 2


@pytest.mark.parametrize("fast", [0.1, 0.6])
async def test_set_intervals_clamps_fast_interval(fast: float) -> None:
    poller, _ = _poller(FakeSource({}))
    poller.set_intervals(fast=fast)
    assert poller.intervals.fast == max(0.5, fast)


async def test_a_refresh_asked_during_a_fetch_runs_another_cycle_at_once() -> None:
    """An action that finishes while a cycle is reading asks for a fresh read: the cycle in
    flight may have read the state from before the action, so the ask must not be lost."""
    gate = asyncio.Event()

    class SlowSource(FakeSource):
        async def fetch(self, previous: Mapping[str, Item] | None) -> FetchResult[Item]:
            if self.calls == 1:  # the second cycle waits until the test has asked
                self.calls += 1
                await gate.wait()
                return FetchResult(dict(self.items), 1)
            return await super().fetch(previous)

    source = SlowSource({"a": Item("a", "INIT")})
    poller, _ = _poller(source, fast=60.0, slow=60.0)  # the interval alone would wait a minute
    poller.start()
    while source.calls < 1:
        await asyncio.sleep(0)
    poller.refresh_now()  # after the first cycle: the second starts and blocks on the gate
    while source.calls < 2:
        await asyncio.sleep(0.01)
    poller.refresh_now()  # asked while the second cycle is reading
    gate.set()
    async with asyncio.timeout(5):
        while source.calls < 3:
            await asyncio.sleep(0.01)
    await poller.stop()
