"""Client-side token bucket that keeps one console below the gateway's per-tenant QPS.

The gateway allows 20 requests/s per *tenant* (not per client), and a console that trips it gets
429s on every screen at once.  So every request of a client instance, retries included, first
takes a token from one shared bucket.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

#: Documented default gateway limit per tenant; the client never goes above it.
GATEWAY_QPS = 20.0


class TokenBucket:
    """Async token bucket: ``rate`` tokens per second, at most ``burst`` saved up.

    A burst of 1 spaces requests evenly (1/rate apart), which is what a per-second gateway
    counter tolerates best.  Waiters are served in arrival order (one lock), so a long list
    refresh cannot starve a single operator action for more than its own queue position.
    """

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = min(float(rate), GATEWAY_QPS)
        self.burst = max(float(burst), 1.0)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._updated = clock()
        self._lock: asyncio.Lock | None = None
        #: Total seconds callers spent waiting for a token (shown in diagnostics).
        self.waited = 0.0

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(now - self._updated, 0.0)
        self._updated = now
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)

    async def acquire(self) -> float:
        """Wait for one token; returns the seconds waited."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            waited = 0.0
            self._refill()
            # The epsilon stops float rounding from asking for a sleep too short to register.
            while self._tokens < 1.0 - 1e-9:
                delay = (1.0 - self._tokens) / self.rate
                await self._sleep(delay)
                waited += delay
                self._refill()
            self._tokens = max(self._tokens - 1.0, 0.0)
            self.waited += waited
            return waited
