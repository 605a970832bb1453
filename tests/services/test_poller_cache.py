"""The session's snapshot cache: a poller made again for a source read before starts from the
last answer, flagged cached, until its own first answer (issue 14, "views open with what is
known"). Pure asyncio, no HTTP: the poller knows nothing of where items come from."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from koomap_tui.api.errors import ServerError
from koomap_tui.services.poller import (
    FetchResult,
    Intervals,
    Poller,
    PollUpdate,
    Snapshot,
    SnapshotCache,
)
from koomap_tui.ui.widgets.freshness import describe


@dataclass(frozen=True)
class Item:
    id: str
    state: str


class Source:
    key = "tasks:ws1"

    def __init__(self, items: dict[str, Item]) -> None:
        self.items = items
        self.previous_seen: list[Mapping[str, Item] | None] = []
        self.fail: Exception | None = None

    def is_active(self, item: Item) -> bool:
        return item.state == "RUNNING"

    async def fetch(self, previous: Mapping[str, Item] | None) -> FetchResult[Item]:
        self.previous_seen.append(previous)
        if self.fail is not None:
            raise self.fail
        return FetchResult(dict(self.items), 1, {"overview": len(self.items)})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(source: Source, cache: SnapshotCache, clock: Clock) -> Poller[Item]:
    return Poller(
        source,
        Intervals(fast=3.0, slow=30.0),
        clock=clock,
        rng=random.Random(1),
        cache=cache,
        cached=cache.get(source.key),
    )


async def test_a_poller_made_again_starts_from_the_cached_answer_until_its_own() -> None:
    cache, clock = SnapshotCache(), Clock()
    first = Source({"a": Item("a", "RUNNING"), "b": Item("b", "SUCCESS")})
    old = make(first, cache, clock)
    assert old.replay() is None  # nothing known yet: the view waits for its first answer
    await old.cycle()
    read_at = clock.now

    clock.now += 12.0
    second = Source({"a": Item("a", "SUCCESS"), "c": Item("c", "INIT")})
    again = make(second, cache, clock)
    cached = again.replay()
    assert cached is not None and cached.cached
    assert dict(cached.items) == {"a": Item("a", "RUNNING"), "b": Item("b", "SUCCESS")}
    assert cached.added == {"a", "b"} and cached.meta["overview"] == 2
    assert cached.freshness.cached and cached.freshness.last_ok == read_at
    assert describe(cached.freshness, clock.now).text.startswith("cached 12 s ago — refreshing…")

    updates: list[PollUpdate[Item]] = []
    again.subscribe(updates.append)
    await again.cycle()
    # Its own first read is a full one (the cached rows are not its "previous"), so the view
    # replaces the cached rows whole, and nothing about it is cached any more.
    assert second.previous_seen == [None]
    fresh = updates[-1]
    assert not fresh.cached and not fresh.freshness.cached
    assert fresh.added == {"a", "c"} and dict(fresh.items) == second.items
    replay = again.replay()
    assert replay is not None and not replay.cached
    assert describe(again.freshness(), clock.now).text.startswith("updated 0 s ago")
    stored = cache.get(Source.key)
    assert stored is not None and dict(stored.items) == second.items


async def test_a_failed_first_read_keeps_the_cached_rows_said_not_refreshed() -> None:
    cache, clock = SnapshotCache(), Clock()
    await make(Source({"a": Item("a", "RUNNING")}), cache, clock).cycle()
    clock.now += 5.0
    broken = Source({})
    broken.fail = ServerError("KM.5000", "backend down", 500, None, None)
    again = make(broken, cache, clock)
    updates: list[PollUpdate[Item]] = []
    again.subscribe(updates.append)
    await again.cycle()
    facts = updates[-1].freshness
    assert updates[-1].error is not None
    assert facts.cached and facts.last_error is not None
    view = describe(facts, clock.now)
    assert view.status == "error"
    assert view.text.startswith("✗ cached 5 s ago (not refreshed)")
    assert "KM.5000" in view.text
    assert cache.get(Source.key) is not None  # the failure did not drop what is known


async def test_without_a_cache_nothing_is_kept_or_replayed() -> None:
    clock = Clock()
    poller: Poller[Item] = Poller(Source({"a": Item("a", "INIT")}), clock=clock)
    assert poller.replay() is None
    await poller.cycle()
    again: Poller[Item] = Poller(Source({"a": Item("a", "INIT")}), clock=clock)
    assert again.replay() is None and not again.freshness().cached


def snap(n: int) -> Snapshot:
    return Snapshot({str(i): i for i in range(n)}, 1.0, {})


def test_the_cache_is_bounded_in_sources_and_in_items() -> None:
    cache = SnapshotCache(max_sources=3, max_items=100)
    for key in "abcd":
        cache.put(key, snap(10))
    assert len(cache) == 3 and cache.get("a") is None  # the least recently stored went first
    cache.put("b", snap(10))  # stored again: now the most recent
    cache.put("e", snap(10))
    assert cache.get("b") is not None and cache.get("c") is None

    cache.put("big", snap(95))  # room is made by dropping the oldest until it fits
    assert cache.get("big") is not None and cache.total_items <= 100
    assert cache.total_items == sum(len(s.items) for k in "bde" if (s := cache.get(k))) + 95

    cache.put("huge", snap(101))  # larger than the whole budget: not kept
    assert cache.get("huge") is None and cache.total_items <= 100
    cache.put("big", snap(101))  # an answer grown too large replaces nothing stale
    assert cache.get("big") is None


async def test_the_cache_holds_the_latest_answer_of_a_running_poller() -> None:
    cache, clock = SnapshotCache(), Clock()
    source = Source({"a": Item("a", "RUNNING")})
    poller = make(source, cache, clock)
    await poller.cycle()
    source.items["a"] = Item("a", "SUCCESS")
    clock.now += 3.0
    await poller.cycle()
    stored = cache.get(source.key)
    assert stored is not None
    assert stored.items["a"].state == "SUCCESS" and stored.fetched_at == clock.now
