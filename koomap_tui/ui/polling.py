"""Bridge between the Textual-free poller and screens.

Screens ask the hub for a poller by source; a poller runs while at least one screen that shows
its data is visible, and pauses otherwise. Updates reach a screen as a `PollUpdated` message,
so the screen reacts on its own message queue instead of being poked from a task.

Every poll of the console passes through a poller the hub made, so app-wide listeners (the
history) are "taps" here: subscribed to every poller, present and future, and not counted as a
reason to keep a poller alive.

Views open with what is known: the hub keeps the last answer of every source in a session-wide
`SnapshotCache`, and a poller made again for a source read before (the task table of a
workspace opened again, `:usage` again) starts from that snapshot. A screen that says it can
show such rows (`accepts_cached_rows`, set by the list view) gets them at once as a
`PollUpdated` flagged `cached`, and its freshness bar says so until the first fresh answer
replaces them. Screens with their own poll handling do not opt in and see no change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.message import Message
from textual.screen import Screen

from koomap_tui.services.poller import (
    Intervals,
    Listener,
    Poller,
    PollSource,
    PollUpdate,
    SnapshotCache,
)


class PollUpdated(Message):
    def __init__(self, update: PollUpdate[Any]) -> None:
        super().__init__()
        self.update = update


class PollerHub:
    def __init__(self, fast: float, slow: float, cache: SnapshotCache | None = None) -> None:
        self.fast = fast
        self.slow = slow
        self.cache = cache if cache is not None else SnapshotCache()
        self._pollers: dict[str, Poller[Any]] = {}
        self._visible: dict[str, int] = {}
        self._stopping: set[asyncio.Task[None]] = set()
        self._taps: list[Listener] = []
        self._tap_offs: dict[str, list[Callable[[], None]]] = {}

    def add_tap(self, listener: Listener) -> None:
        """Give `listener` every update of every poller, those that exist and those to come.
        It runs on the event loop for each poll: it must be cheap (enqueue, never write)."""
        self._taps.append(listener)
        for key, poller in self._pollers.items():
            self._tap_offs.setdefault(key, []).append(poller.subscribe(listener))

    @property
    def pollers(self) -> dict[str, Poller[Any]]:
        return self._pollers

    def get(
        self, source: PollSource[Any], *, cached_rows: bool = False, urgent_first: bool = False
    ) -> Poller[Any]:
        """The source's poller, made (paused) if there is none. `cached_rows`: a poller made
        now keeps its answers in the session cache and starts from the snapshot found there.
        `urgent_first`: its first reads go before queued background reads (a view's own)."""
        poller = self._pollers.get(source.key)
        if poller is None:
            poller = Poller(
                source,
                Intervals(fast=self.fast, slow=self.slow),
                cache=self.cache if cached_rows else None,
                cached=self.cache.get(source.key) if cached_rows else None,
                urgent_first=urgent_first,
            )
            poller.pause()
            self._pollers[source.key] = poller
            self._visible[source.key] = 0
            self._tap_offs[source.key] = [poller.subscribe(tap) for tap in self._taps]
            poller.start()
        return poller

    def attach(
        self, screen: Screen[Any], source: PollSource[Any]
    ) -> tuple[Poller[Any], Callable[[], None]]:
        """Subscribe `screen` to the source's poller; returns the poller and an unsubscribe."""
        cached_rows = bool(getattr(screen, "accepts_cached_rows", False))
        # The screen's own source (not the counts or parent it also shows) is what the operator
        # waits for: its first reads are urgent at the rate limiter.
        own = getattr(screen, "source", None) is source
        poller = self.get(source, cached_rows=cached_rows, urgent_first=own)

        def listener(update: PollUpdate[Any]) -> None:
            screen.post_message(PollUpdated(update))

        unsubscribe = poller.subscribe(listener)
        snapshot = poller.replay()
        # A second screen on a running source starts from the data; a first one from the
        # cached snapshot, if the poller was made with one (and so for a screen that shows it).
        if snapshot is not None and (cached_rows or not snapshot.cached):
            listener(snapshot)

        def detach() -> None:
            unsubscribe()
            self._release(source.key, poller)

        return poller, detach

    def _release(self, key: str, poller: Poller[Any]) -> None:
        """The last screen showing this source went away: stop and forget its poller.

        Keeping it would leak one paused task per workspace ever visited, and a screen opened
        later on the same source would get only diffs against the old snapshot (an empty table
        when nothing changed); a fresh poller starts with a full snapshot instead.
        """
        if self._pollers.get(key) is not poller:
            return
        for off in self._tap_offs.pop(key, []):
            off()
        if poller.has_listeners:  # taps aside, someone still listens: keep it
            self._tap_offs[key] = [poller.subscribe(tap) for tap in self._taps]
            return
        del self._pollers[key]
        self._visible.pop(key, None)
        task = asyncio.get_running_loop().create_task(poller.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    def shown(self, key: str) -> None:
        self._visible[key] = self._visible.get(key, 0) + 1
        poller = self._pollers.get(key)
        if poller is not None:
            poller.resume()

    def hidden(self, key: str) -> None:
        self._visible[key] = max(0, self._visible.get(key, 0) - 1)
        poller = self._pollers.get(key)
        if poller is not None and self._visible[key] == 0:
            poller.pause()

    def set_intervals(self, fast: float | None = None, slow: float | None = None) -> None:
        if fast is not None:
            self.fast = fast
        if slow is not None:
            self.slow = slow
        for poller in self._pollers.values():
            poller.set_intervals(fast, slow)

    async def stop_all(self) -> None:
        for poller in list(self._pollers.values()):
            await poller.stop()
        self._pollers.clear()
        self._tap_offs.clear()
