"""A view being opened does not queue behind background reads at the rate limiter (issue 14):
urgent waiters take the next tokens first; the one-second bound is the same for everyone; the
poller marks the reads of its first cycle urgent when the hub asks it to."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping

from koomap_tui.api.ratelimit import BACKGROUND, URGENT, TokenBucket
from koomap_tui.services.poller import FetchResult, Intervals, Poller


class SteppedTime:
    """A clock the test moves; `sleep` really suspends until the clock has reached its end."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        end = self.now + seconds
        while self.now < end:
            await asyncio.sleep(0)

    async def advance_to(self, when: float) -> None:
        self.now = when
        for _ in range(50):
            await asyncio.sleep(0)


async def settle() -> None:
    for _ in range(50):
        await asyncio.sleep(0)


async def test_an_urgent_read_takes_the_next_token_before_queued_background_reads() -> None:
    t = SteppedTime()
    limiter = TokenBucket(2, clock=t.clock, sleep=t.sleep)
    await limiter.acquire()
    await limiter.acquire()  # the second's budget is spent: both tokens back at 1.1
    order: list[str] = []

    async def take(name: str, urgent: bool) -> None:
        await limiter.acquire(urgent=urgent)
        order.append(f"{name}@{t.now:.1f}")

    background = [asyncio.create_task(take(n, False)) for n in ("counts-1", "counts-2")]
    await settle()
    opening = asyncio.create_task(take("view", True))
    await settle()
    assert order == []
    await t.advance_to(1.1)
    assert order == ["view@1.1", "counts-1@1.1"]  # two tokens came back: the view's first
    await t.advance_to(2.2)
    assert order == ["view@1.1", "counts-1@1.1", "counts-2@2.2"]
    await asyncio.gather(opening, *background)


async def test_the_urgent_default_comes_from_the_context() -> None:
    t = SteppedTime()
    limiter = TokenBucket(1, clock=t.clock, sleep=t.sleep)
    await limiter.acquire()
    order: list[str] = []

    async def take(name: str) -> None:
        await limiter.acquire()
        order.append(name)

    queued = asyncio.create_task(take("background"))
    await settle()
    token = URGENT.set(True)
    try:
        opening = asyncio.create_task(take("view"))  # the task copies the context
    finally:
        URGENT.reset(token)
    await settle()
    await t.advance_to(1.1)
    assert order == ["view"]
    await t.advance_to(2.2)
    await asyncio.gather(queued, opening)
    assert order == ["view", "background"]


async def test_urgent_reads_keep_the_one_second_bound() -> None:
    t = SteppedTime()
    limiter = TokenBucket(5, clock=t.clock, sleep=t.sleep)
    rng = random.Random(3)
    sent: list[float] = []

    async def take(urgent: bool) -> None:
        await limiter.acquire(urgent=urgent)
        sent.append(t.now)

    tasks = [asyncio.create_task(take(rng.random() < 0.4)) for _ in range(40)]
    step = 0.0
    while not all(task.done() for task in tasks):
        step += 0.05
        await t.advance_to(step)
    sent.sort()
    for i, first in enumerate(sent):
        assert sum(1 for s in sent[i:] if s < first + 1.0) <= 5


class Source:
    key = "real3d:ws1"

    def __init__(self) -> None:
        self.urgent_seen: list[bool] = []
        self.background_seen: list[bool] = []

    def is_active(self, item: object) -> bool:
        return False

    async def fetch(self, previous: Mapping[str, object] | None) -> FetchResult[object]:
        self.urgent_seen.append(URGENT.get())
        self.background_seen.append(BACKGROUND.get())
        return FetchResult({"a": 1}, 1)


async def test_a_views_poller_reads_urgently_until_its_first_answer_only() -> None:
    source = Source()
    poller: Poller[object] = Poller(source, Intervals(), urgent_first=True)
    await poller.cycle()
    await poller.cycle()
    assert source.urgent_seen == [True, False]
    assert source.background_seen == [False, True]  # later cycles only refresh what is shown
    assert URGENT.get() is False and BACKGROUND.get() is False  # not left set afterwards

    background = Source()
    other: Poller[object] = Poller(background, Intervals())
    await other.cycle()
    assert background.urgent_seen == [False]


async def test_after_a_background_burst_a_view_opening_still_finds_tokens() -> None:
    t = SteppedTime()
    limiter = TokenBucket(10, clock=t.clock, sleep=t.sleep)
    token = BACKGROUND.set(True)  # counts refreshed by a poller (the tasks copy the context)
    try:
        counts = [asyncio.create_task(limiter.acquire()) for _ in range(12)]
    finally:
        BACKGROUND.reset(token)
    await settle()
    assert sum(task.done() for task in counts) == 7  # the reserve is left
    assert await limiter.acquire(urgent=True) == 0.0  # the view's overview
    assert await limiter.acquire(urgent=True) == 0.0  # and its first page
    # A view's own one-off read may use the budget too: it does not queue behind the counts.
    assert await limiter.acquire() == 0.0
    await t.advance_to(1.1)
    await asyncio.gather(*counts)
