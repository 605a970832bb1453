"""The limiter's rules on a fake clock: a full second's budget at once, none more until the
first token of that second comes back one window later; FIFO waiters; sliding-window bound."""

from __future__ import annotations

import asyncio
import random

import pytest

from koomap_tui.api.ratelimit import BACKGROUND, GUARD, TokenBucket


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def bucket(rate: float, burst: float | None = None) -> tuple[TokenBucket, FakeTime]:
    t = FakeTime()
    return TokenBucket(rate, burst, clock=t.clock, sleep=t.sleep), t


async def test_a_full_second_of_budget_goes_without_waiting() -> None:
    limiter, t = bucket(10)
    assert limiter.capacity == 10
    for _ in range(10):  # the reads of a view being opened (tests/unit/test_ratelimit_urgent.py)
        assert await limiter.acquire(urgent=True) == 0.0
    assert t.slept == []
    assert limiter.available == 0


async def test_background_reads_leave_a_third_of_the_budget_to_a_view_opening() -> None:
    limiter, t = bucket(10)
    assert limiter.reserve == 3
    token = BACKGROUND.set(True)  # a poller's later cycles (tests/unit/test_ratelimit_urgent.py)
    try:
        for _ in range(7):
            assert await limiter.acquire() == 0.0
        assert t.slept == [] and limiter.available == 3
        assert await limiter.acquire() == pytest.approx(1.0 + GUARD)  # the 8th waits a window
    finally:
        BACKGROUND.reset(token)


async def test_the_next_request_waits_until_the_first_token_of_the_window_returns() -> None:
    limiter, t = bucket(10)
    for _ in range(10):
        await limiter.acquire(urgent=True)
    t.now = 0.4  # idle time does not refill a spent token early (a continuous refill would)
    waited = await limiter.acquire()
    assert t.now == pytest.approx(1.0 + GUARD)
    assert waited == pytest.approx(0.6 + GUARD)


async def test_burst_lowers_the_capacity_never_raises_it() -> None:
    assert bucket(10, burst=3)[0].capacity == 3
    assert bucket(10, burst=50)[0].capacity == 10
    assert bucket(50)[0].capacity == 20  # clamped to the gateway's limit
    slow, t = bucket(0.5)
    await slow.acquire()
    await slow.acquire()
    assert t.now == pytest.approx(2.0 + GUARD)  # one token, back after 1/rate seconds


@pytest.mark.parametrize("rate", [1, 5, 10, 20, 7.5])
async def test_no_one_second_window_holds_more_than_the_limit(rate: float) -> None:
    """Random arrivals, many concurrent callers: check every window starting at a send."""
    limiter, t = bucket(rate)
    rng = random.Random(int(rate * 10))
    sent: list[float] = []

    async def caller(start: float) -> None:
        await asyncio.sleep(0)
        t.now = max(t.now, start)
        await limiter.acquire()
        sent.append(t.now)

    for start in sorted(rng.uniform(0, 5) for _ in range(200)):
        await caller(start)
    await asyncio.gather(*(caller(t.now) for _ in range(60)))  # a burst of concurrent callers
    sent.sort()
    for i, first in enumerate(sent):
        inside = sum(1 for s in sent[i:] if s < first + 1.0)
        assert inside <= int(rate), (first, inside)


async def test_waiters_are_served_in_arrival_order() -> None:
    limiter, _ = bucket(2)
    order: list[int] = []

    async def take(n: int) -> None:
        await limiter.acquire()
        order.append(n)

    await asyncio.gather(*(take(n) for n in range(7)))
    assert order == list(range(7))


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0)
