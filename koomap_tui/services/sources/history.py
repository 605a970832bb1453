"""Poll source of the `:history` view: the newest transitions of the local history, read off
the event loop (no API request)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from koomap_tui.services.history import HistoryStore, Transition
from koomap_tui.services.poller import FetchResult

SHOWN = 5000  # newest transitions listed; an export writes what is listed and filtered


def transition_key(t: Transition) -> str:
    return f"{t.at!r}|{t.kind}|{t.item_id}|{t.from_state}|{t.to_state}|{t.stage}"


class TransitionSource:
    key = "history-list"

    def __init__(self, store: HistoryStore, limit: int = SHOWN) -> None:
        self.store = store
        self.limit = limit

    def is_active(self, item: Transition) -> bool:
        return False  # the slow interval: the list is a record, not a live state

    async def fetch(self, previous: Mapping[str, Transition] | None) -> FetchResult[Transition]:
        rows = await asyncio.to_thread(self.store.transitions, limit=self.limit)
        return FetchResult({transition_key(t): t for t in rows}, 0)
