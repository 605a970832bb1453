"""A view opened again shows the last known rows at once, said to be cached on the freshness
bar, and the fresh answer replaces them (issue 14). The fresh read is held at a gate so the
cached state can be looked at; the rows themselves come from the simulator over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from koomap_tui.domain.policy import Op
from koomap_tui.domain.states import Kind, state_key
from koomap_tui.services.actions import Pending
from koomap_tui.services.poller import FetchResult, Freshness
from koomap_tui.services.sources.real3d import Real3DTaskSource
from koomap_tui.ui.tablekit import all_rows
from koomap_tui.ui.widgets.freshness import FreshnessBar, describe
from tests.ui.helpers import open_workspace, screen_text, table, wait_for

WS = "城市更新_一期"


class HeldReads:
    """Holds every task-table read started after `hold()` until `release()`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.released = asyncio.Event()
        self.started = 0
        original = Real3DTaskSource.fetch

        async def held(source: Real3DTaskSource, previous: Mapping[str, Any] | None) -> Any:
            self.started += 1
            await self.released.wait()
            result: FetchResult[Any] = await original(source, previous)
            return result

        self._held = held
        self._monkeypatch = monkeypatch

    def hold(self) -> None:
        self._monkeypatch.setattr(Real3DTaskSource, "fetch", self._held)

    def release(self) -> None:
        self.released.set()


def bar(pilot: Any) -> FreshnessBar:
    found: FreshnessBar = pilot.app.screen.query_one(FreshnessBar)
    return found


async def test_a_workspace_opened_again_shows_its_cached_tasks_until_fresh_ones_arrive(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = HeldReads(monkeypatch)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, WS)
        await wait_for(pilot, lambda: bar(pilot).status == "ok")
        first = {t.task_id: state_key(t.task_status) for t in all_rows(table(pilot))}

        reads.hold()
        await pilot.press("escape")
        await open_workspace(pilot, WS)  # returns once the table has rows
        await wait_for(pilot, lambda: reads.started > 0)
        # The view's own read is under way and held: what is shown is the cached answer.
        assert {t.task_id: state_key(t.task_status) for t in all_rows(table(pilot))} == first
        assert bar(pilot).status == "cached"
        assert bar(pilot).view.text.startswith("cached ")
        assert "refreshing…" in bar(pilot).view.text
        assert "cached" in screen_text(pilot)
        assert "total 9" in screen_text(pilot)  # the server counts of that answer, too

        reads.release()
        await wait_for(pilot, lambda: bar(pilot).status == "ok")
        assert bar(pilot).view.text.startswith("updated ")
        assert {t.task_id for t in all_rows(table(pilot))} == set(first)


async def test_cached_rows_never_settle_a_pending_mark(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown outcome turns into "it changed nothing" only on a fresh poll: cached rows
    that still show the old state must not count as one."""
    reads = HeldReads(monkeypatch)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, WS)
        await wait_for(pilot, lambda: bar(pilot).status == "ok")
        task = all_rows(table(pilot))[0]
        state = state_key(task.task_status)
        runner = app.ctx.runner
        key = (Kind.REAL3D_TASK, task.task_id)

        reads.hold()
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        # One poll after an unknown outcome already showed the old state: the next decides.
        runner.pending[key] = Pending(Op.STOP, state, runner.now(), "stopping…", unknown_polls=1)
        await open_workspace(pilot, WS)
        await wait_for(pilot, lambda: reads.started > 0)
        await pilot.pause()
        assert bar(pilot).status == "cached"
        assert key in runner.pending and key not in runner.doubts

        reads.release()  # the fresh answer still shows the old state: now it is a doubt
        await wait_for(pilot, lambda: key in runner.doubts)
        assert key not in runner.pending


def test_the_bar_says_cached_rows_are_cached_and_how_old() -> None:
    facts = Freshness(
        last_ok=100.0, next_at=None, errors=0, last_error=None, interval=3.0, paused=False,
        cached=True,
    )  # fmt: skip
    view = describe(facts, 112.4)
    assert view == describe(facts, 112.9)
    assert view.status == "cached"
    assert view.text == "cached 12 s ago — refreshing… · 0 errors"

    paused = describe(Freshness(**{**facts.__dict__, "paused": True}), 112.0)
    assert paused.status == "cached" and paused.text.startswith("cached 12 s ago · paused")

    failed = describe(
        Freshness(
            **{**facts.__dict__, "errors": 1, "last_error": "KM.5000: down", "next_at": 115.0}
        ),
        112.0,
    )
    assert failed.status == "error"
    assert failed.text == (
        "✗ cached 12 s ago (not refreshed) · retry in 3 s · 1 error · last: KM.5000: down"
    )
    # Read for this view: the usual wording (12 s at a 3 s interval is stale).
    own = describe(Freshness(**{**facts.__dict__, "cached": False}), 112.0)
    assert own.status == "stale" and own.text == "⚠ STALE · updated 12 s ago · 0 errors"


class FakeSource:
    def __init__(self, key: str) -> None:
        self.key = key
        self.urgent_seen: list[bool] = []

    def is_active(self, item: object) -> bool:
        return False

    async def fetch(self, previous: Mapping[str, Any] | None) -> FetchResult[Any]:
        from koomap_tui.api.ratelimit import URGENT

        self.urgent_seen.append(URGENT.get())
        return FetchResult({"a": 1}, 1)


class FakeScreen:
    """What the hub reads of a screen: its own source, whether it shows cached rows, and
    where its messages go."""

    def __init__(self, source: Any, accepts: bool) -> None:
        self.source = source
        self.accepts_cached_rows = accepts
        self.messages: list[Any] = []

    def post_message(self, message: Any) -> bool:
        self.messages.append(message)
        return True


async def test_the_hub_gives_cached_rows_only_to_screens_that_show_them() -> None:
    from koomap_tui.ui.polling import PollerHub

    hub = PollerHub(3.0, 30.0)
    own = FakeSource("tasks:ws1")
    first = FakeScreen(own, accepts=True)
    poller, detach = hub.attach(first, own)  # type: ignore[arg-type]
    await poller.cycle()
    detach()
    await asyncio.sleep(0)

    again = FakeScreen(FakeSource("tasks:ws1"), accepts=True)
    hub.attach(again, again.source)  # type: ignore[arg-type]
    assert [m.update.cached for m in again.messages] == [True]
    plain = FakeScreen(FakeSource("usage"), accepts=False)
    hub.attach(plain, plain.source)  # type: ignore[arg-type]
    hub.attach(plain, FakeSource("tasks:ws1"))  # type: ignore[arg-type]
    # A second screen on the running (cached) poller: no cached rows without a bar for them.
    assert plain.messages == []
    await hub.stop_all()


async def test_only_a_screens_own_source_reads_urgently_at_first() -> None:
    from koomap_tui.ui.polling import PollerHub

    hub = PollerHub(3.0, 30.0)
    own, counts = FakeSource("workspaces"), FakeSource("workspace-counts")
    screen = FakeScreen(own, accepts=True)
    own_poller, _ = hub.attach(screen, own)  # type: ignore[arg-type]
    counts_poller, _ = hub.attach(screen, counts)  # type: ignore[arg-type]
    await own_poller.cycle()
    await own_poller.cycle()
    await counts_poller.cycle()
    assert own.urgent_seen == [True, False]
    assert counts.urgent_seen == [False]
    await hub.stop_all()
