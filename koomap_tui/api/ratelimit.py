"""Client-side limiter that keeps one console below the gateway's per-tenant QPS.

The gateway allows 20 requests/s per *tenant* (not per client) and counts per second; a console
that trips it gets 429s on every screen at once. So every request of a client instance, retries
included, first takes a token from one shared bucket.

The bucket holds one second's budget (capacity = the per-second limit), so the independent
requests of a view (a page of tasks and its overview, the four usage reads) go out together
instead of queueing 1/rate apart. A spent token comes back one second (plus a small guard) after
it was spent, not continuously: a bucket refilled continuously lets a full burst be followed by
nearly another full one within the same second, which is what the gateway's counter rejects.
So over any one-second window at most `capacity` requests are sent
(tests/unit/test_ratelimit_sim.py checks every window against the simulator's own throttling).

The budget is the tenant's, and a client knows only its own sends: two clients of one tenant
that both burst their full budget within a second are refused. The console's default of
10 qps is half the gateway's 20, so one other console of the tenant still fits; a client
configured at 20 qps should be the tenant's only one (the old evenly spaced limiter never
drained the gateway's bucket, so back-to-back clients at 20 qps did not collide).

A view being opened must not wait for background reads (issue 14: right after start-up the
workspace counts spent the whole budget and the first Enter waited ~0.5 s for tokens to come
back). Its reads run with `URGENT` set (the poller's first cycle of a screen's own source does
it): urgent waiters go before the others. Reads that only refresh what is shown (a poller's
cycles after its first answer, `BACKGROUND`) leave the last third of the budget (`reserve`) to
the others, so a view opening finds tokens even after a burst of refreshes. Everything else (a
view's own one-off reads, operator actions) may use the whole budget, as before. The
one-second bound is the same for all.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

#: Documented default gateway limit per tenant; the client never goes above it.
GATEWAY_QPS = 20.0
#: The gateway's counting window, seconds.
WINDOW = 1.0
#: Added to the window: the gateway counts arrivals, we count sends, and the two clocks differ
#: by the request's trip and by scheduling delays on either side.
GUARD = 0.1
#: Set (to True) around the reads of a view being opened: they go before queued background reads.
URGENT: ContextVar[bool] = ContextVar("koomap_urgent_reads", default=False)
#: Set (to True) around reads that only refresh what is already shown (a poller's later cycles):
#: they leave the last `reserve` tokens of a window to the others.
BACKGROUND: ContextVar[bool] = ContextVar("koomap_background_reads", default=False)


class TokenBucket:
    """Async limiter: at most ``capacity`` acquisitions in any window of one second.

    ``capacity`` defaults to the per-second limit (``floor(rate)``); a smaller ``burst`` lowers
    it (and the sustained rate with it: the window stays one second). Below 1 request/s the
    single token comes back after ``1/rate`` seconds. Waiters are served in arrival order (one
    lock), so a long list refresh cannot starve a single operator action for more than its own
    queue position; urgent waiters (``acquire(urgent=True)``, in their own arrival order) are
    served before every other waiter; background reads (``BACKGROUND`` set) may not take the
    last ``reserve`` tokens of a window (a third of the capacity, rounded down: 3 of 10, 6 of
    20, none below 3).
    """

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        guard: float = GUARD,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = min(float(rate), GATEWAY_QPS)
        most = max(1, math.floor(self.rate))
        self.capacity = most if burst is None else min(most, max(1, math.floor(burst)))
        #: Tokens of each window that only urgent reads may take.
        self.reserve = self.capacity // 3
        #: How long a spent token stays spent.
        self.period = max(WINDOW, self.capacity / self.rate) + guard
        self._clock = clock
        self._sleep = sleep
        self._returns: deque[float] = deque()  # when each spent token comes back, in order
        self._lock: asyncio.Lock | None = None
        self._urgent_lock: asyncio.Lock | None = None
        # Background reads queue apart: one held back by the reserve must not hold up the
        # others, which may still take those tokens.
        self._background_lock: asyncio.Lock | None = None
        self._no_urgent: asyncio.Event | None = None  # set while no urgent caller waits
        self._urgent = 0
        #: Total seconds callers spent waiting for a token (shown in diagnostics).
        self.waited = 0.0

    @property
    def available(self) -> int:
        """Tokens that could be taken now without waiting."""
        self._release(self._clock())
        return self.capacity - len(self._returns)

    def _release(self, now: float) -> None:
        returns = self._returns
        while returns and returns[0] <= now:
            returns.popleft()

    async def acquire(self, *, urgent: bool | None = None) -> float:
        """Wait for one token; returns the seconds waited for it (not for other waiters).
        `urgent` (default: the `URGENT` context variable) goes before the other waiters."""
        if urgent is None:
            urgent = URGENT.get()
        if (
            self._lock is None
            or self._urgent_lock is None
            or self._background_lock is None
            or self._no_urgent is None
        ):
            self._lock, self._urgent_lock = asyncio.Lock(), asyncio.Lock()
            self._background_lock = asyncio.Lock()
            self._no_urgent = asyncio.Event()
            self._no_urgent.set()
        background = not urgent and BACKGROUND.get()
        if urgent:
            self._urgent += 1
            self._no_urgent.clear()
        lock = self._urgent_lock if urgent else self._background_lock if background else self._lock
        try:
            async with lock:
                waited = 0.0
                limit = self.capacity - self.reserve if background else self.capacity
                while True:
                    if not urgent and self._urgent:
                        await self._no_urgent.wait()  # an urgent caller takes this token
                        continue
                    now = self._clock()
                    self._release(now)
                    if len(self._returns) < limit:
                        break
                    # Spent tokens come back in order: wait until fewer than `limit` are out.
                    delay = self._returns[len(self._returns) - limit] - now
                    await self._sleep(delay)
                    waited += delay
                self._returns.append(now + self.period)
                self.waited += waited
                return waited
        finally:
            if urgent:
                self._urgent -= 1
                if not self._urgent:
                    self._no_urgent.set()
