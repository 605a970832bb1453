"""Polling loop shared by every screen.

One `Poller` owns one resource query (a `PollSource`). It never overlaps two fetches (a single
loop task sleeps between cycles), polls fast while any item is active and slowly when all are
terminal, backs off on errors while honouring `Retry-After`, pauses while no screen shows its
data, and hands each listener one `PollUpdate` per cycle: the diff against the previous snapshot
plus the freshness facts the status bar shows. It knows nothing about Textual: the UI wraps the
listener call into a message.

A `SnapshotCache` (one per session) keeps the last answer of each source, so that a view opened
again on a source read before shows those rows at once, flagged `cached`, until the first fresh
answer replaces them (issue 14: "a view opens at once with what is known").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol, TypeVar

from koomap_tui.api.errors import KooMapError
from koomap_tui.api.ratelimit import BACKGROUND, URGENT
from koomap_tui.domain.diff import diff

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class FetchResult(Generic[T]):
    """What one cycle of a source fetched: the complete current item set, keyed by id."""

    items: Mapping[str, T]
    requests: int
    meta: Mapping[str, Any] = field(default_factory=dict)


class PollSource(Protocol[T]):
    """A resource query: how to fetch it and how to tell whether an item is still moving."""

    key: str

    async def fetch(self, previous: Mapping[str, T] | None) -> FetchResult[T]: ...

    def is_active(self, item: T) -> bool: ...


@dataclass(frozen=True)
class Freshness:
    """Facts for the freshness bar; times are `time.monotonic()` values."""

    last_ok: float | None
    next_at: float | None
    errors: int
    last_error: str | None
    interval: float
    paused: bool
    # True while the rows on screen are a snapshot kept from an earlier view of the source
    # (`last_ok` is then that snapshot's time): nothing has been read for this view yet.
    cached: bool = False


@dataclass(frozen=True)
class PollUpdate(Generic[T]):
    """One cycle's outcome as listeners see it."""

    source: str
    items: Mapping[str, T]
    added: frozenset[str]
    changed: Mapping[str, frozenset[str]]
    removed: frozenset[str]
    fetched_at: float | None
    error: KooMapError | None
    requests: int
    freshness: Freshness
    meta: Mapping[str, Any] = field(default_factory=dict)
    # The rows are the session's last known answer, not one read for this view: shown at
    # once, never taken as evidence that something moved (pending marks, doubts).
    cached: bool = False

    @property
    def first(self) -> bool:
        return (
            self.fetched_at is not None and not self.changed and len(self.added) == len(self.items)
        )


Listener = Callable[[PollUpdate[Any]], None]


async def concurrently(*steps: Awaitable[Any]) -> list[Any]:
    """The results of `steps`, run at once, in their order: for the independent reads of one
    cycle, so that a view waits for the slowest, not for the sum (the client's token bucket
    still keeps the gateway's rate). The first failure is raised as itself (not an exception
    group, which the poller would take for a bug) and the other steps are cancelled, so none
    goes on changing its source's state after the cycle failed."""
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        return [await task for task in tasks]
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
            elif not task.cancelled():
                task.exception()  # retrieved: a second failure is not logged as lost


@dataclass(frozen=True)
class Snapshot:
    """A source's last good answer: its items, when they were read (monotonic), its meta."""

    items: Mapping[str, Any]
    fetched_at: float
    meta: Mapping[str, Any]


class SnapshotCache:
    """The last answer of each source read in this session, keyed by source key.

    Bounded twice: at most `max_sources` sources (least recently stored dropped first) and
    `max_items` items in all; an answer larger than `max_items` alone is not kept (100,000
    satellite images would otherwise stay in memory after their view closed). 10,000 task
    models are ~13 MB (benchmarks/peak_rss.py: 66 MB for 50,000); a workspace's task table
    holds at most 500. Storing costs a reference, not a copy: the poller replaces its items
    dict on every cycle, never mutates it, so a source still polled costs nothing more.
    """

    def __init__(self, max_sources: int = 32, max_items: int = 10_000) -> None:
        self.max_sources = max_sources
        self.max_items = max_items
        self._entries: OrderedDict[str, Snapshot] = OrderedDict()
        self._items = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def total_items(self) -> int:
        return self._items

    def get(self, key: str) -> Snapshot | None:
        return self._entries.get(key)

    def put(self, key: str, snapshot: Snapshot) -> None:
        self.drop(key)
        size = len(snapshot.items)
        if size > self.max_items:
            return
        self._entries[key] = snapshot
        self._items += size
        while len(self._entries) > self.max_sources or self._items > self.max_items:
            _, oldest = self._entries.popitem(last=False)
            self._items -= len(oldest.items)

    def drop(self, key: str) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._items -= len(old.items)

    def clear(self) -> None:
        self._entries.clear()
        self._items = 0


@dataclass
class Intervals:
    fast: float = 3.0
    slow: float = 30.0
    max_backoff: float = 60.0


class Poller(Generic[T]):
    """Runs `source.fetch` in a loop on the running asyncio loop."""

    def __init__(
        self,
        source: PollSource[T],
        intervals: Intervals | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        cache: SnapshotCache | None = None,
        cached: Snapshot | None = None,
        urgent_first: bool = False,
    ) -> None:
        """`cache` receives every good answer; `cached` is what to show until the first one
        (a snapshot of an earlier poller of the same source, from that cache).
        `urgent_first`: until the first good answer, the reads go before queued background
        reads at the rate limiter (a view is opening on this source and waits for them)."""
        self.source = source
        self.intervals = intervals or Intervals()
        self._clock = clock
        self._rng = rng or random.Random()
        self._listeners: list[Listener] = []
        self._items: dict[str, T] | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._paused = False
        self._errors = 0
        self._consecutive_errors = 0
        self._last_ok: float | None = None
        self._last_error: str | None = None
        self._next_at: float | None = None
        self._interval = self.intervals.fast
        self.cycles = 0
        self.total_requests = 0
        self._last_meta: Mapping[str, Any] = {}
        self._cache = cache
        self._cached = cached
        self._urgent_first = urgent_first

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def items(self) -> Mapping[str, T]:
        return self._items or {}

    @property
    def has_listeners(self) -> bool:
        return bool(self._listeners)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def start(self) -> None:
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"poller:{self.source.key}"
            )

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        if self._paused:
            self._paused = False
            self._wake.set()

    def refresh_now(self) -> None:
        """Run the next cycle at once (after an action, or on the operator's `r`)."""
        self._wake.set()

    def set_intervals(self, fast: float | None = None, slow: float | None = None) -> None:
        if fast is not None:
            self.intervals.fast = max(0.5, fast)
        if slow is not None:
            self.intervals.slow = max(self.intervals.fast, slow)
        self._wake.set()

    @property
    def showing_cached(self) -> bool:
        """Nothing read yet, but a cached snapshot stands in for the first answer."""
        return self._items is None and self._cached is not None

    def replay(self) -> PollUpdate[T] | None:
        """The current snapshot as one "everything was added" update, for a listener that
        subscribes after the first fetch (it would otherwise only ever see diffs). Before the
        first fetch, the cached snapshot if there is one, flagged `cached`."""
        if self._items is None:
            cached = self._cached
            if cached is None:
                return None
            return PollUpdate(
                source=self.source.key,
                items=cached.items,
                added=frozenset(cached.items),
                changed={},
                removed=frozenset(),
                fetched_at=cached.fetched_at,
                error=None,
                requests=0,
                # Given as the view opens, before it is shown and its poller resumed: the
                # read it waits for is the one that starts then, not a pause.
                freshness=replace(self.freshness(), paused=False, next_at=None),
                meta={**cached.meta, "full": True, "replay": True, "cached": True},
                cached=True,
            )
        return PollUpdate(
            source=self.source.key,
            items=self.items,
            added=frozenset(self._items),
            changed={},
            removed=frozenset(),
            fetched_at=self._last_ok,
            error=None,
            requests=0,
            freshness=self.freshness(),
            meta={**self._last_meta, "full": True, "replay": True},
        )

    def freshness(self) -> Freshness:
        cached = self.showing_cached
        return Freshness(
            last_ok=self._cached.fetched_at if cached and self._cached else self._last_ok,
            next_at=None if self._paused else self._next_at,
            errors=self._errors,
            last_error=self._last_error,
            interval=self._interval,
            paused=self._paused,
            cached=cached,
        )

    # -- loop ------------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            if self._paused:
                self._wake.clear()
                await self._wake.wait()
                continue
            # Cleared before the fetch, not after: a refresh asked while it reads (an action
            # that just finished) must start another cycle, as the one in flight may predate it.
            self._wake.clear()
            delay = await self.cycle()
            self._next_at = self._clock() + delay
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def cycle(self) -> float:
        """Fetch once, notify listeners, and return the delay before the next cycle."""
        self.cycles += 1
        previous = self._items
        urgent = URGENT.set(True) if self._urgent_first and previous is None else None
        # Once something is shown, a cycle only refreshes it: it leaves the rate limiter's
        # reserve to views being opened and to the operator.
        background = BACKGROUND.set(True) if previous is not None else None
        try:
            result = await self.source.fetch(previous)
        except KooMapError as exc:
            return self._failed(exc)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in a source must not kill polling for good
            log.exception("poll source %s failed", self.source.key)
            return self._failed(KooMapError("CLIENT.ERROR", type(exc).__name__, 0, None, None))
        finally:
            if urgent is not None:
                URGENT.reset(urgent)
            if background is not None:
                BACKGROUND.reset(background)
        self.total_requests += result.requests
        self._last_meta = result.meta
        new_items = dict(result.items)
        d = diff(previous or {}, new_items)
        self._items = new_items
        self._last_ok = self._clock()
        self._cached = None
        if self._cache is not None:
            self._cache.put(self.source.key, Snapshot(new_items, self._last_ok, dict(result.meta)))
        self._last_error = None
        self._consecutive_errors = 0
        active = any(self.source.is_active(item) for item in new_items.values())
        self._interval = self.intervals.fast if active else self.intervals.slow
        # Listeners get the time of the coming cycle, not the one that just ran.
        self._next_at = self._clock() + self._interval
        self._emit(
            added=frozenset(d.added),
            changed={k: frozenset(v) for k, v in d.changed.items()},
            removed=frozenset(d.removed),
            fetched_at=self._last_ok,
            error=None,
            requests=result.requests,
            meta=result.meta,
        )
        return self._interval

    def _failed(self, exc: KooMapError) -> float:
        self._errors += 1
        self._consecutive_errors += 1
        self._last_error = f"{exc.code}: {exc.message}"
        backoff = min(
            self.intervals.max_backoff,
            self.intervals.fast * (2 ** min(self._consecutive_errors, 6)),
        )
        backoff *= 0.8 + 0.4 * self._rng.random()
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            backoff = max(backoff, float(retry_after))
        self._interval = backoff
        self._next_at = self._clock() + backoff
        self._emit(
            added=frozenset(),
            changed={},
            removed=frozenset(),
            fetched_at=None,
            error=exc,
            requests=0,
            meta={},
        )
        return float(backoff)

    def _emit(self, **kw: Any) -> None:
        update: PollUpdate[T] = PollUpdate(
            source=self.source.key,
            items=self.items,
            freshness=self.freshness(),
            **kw,
        )
        for listener in list(self._listeners):
            try:
                listener(update)
            except Exception:
                log.exception("poll listener failed")
