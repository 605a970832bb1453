"""The app-wide poll source behind `w` (watch a task on any screen)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from koomap_tui.api.client import KooMapClient
from koomap_tui.api.models import Real3DTask
from koomap_tui.services.poller import FetchResult


class _HasWatches(Protocol):
    @property
    def watches(self) -> Mapping[str, Any]: ...


class WatchedTasksSource:
    """Re-reads the watched tasks by id, one request per workspace; none when nothing is watched."""

    key = "watches"

    def __init__(self, client: KooMapClient, owner: _HasWatches) -> None:
        self.client = client
        self.owner = owner

    def is_active(self, item: Real3DTask) -> bool:
        return True  # only active while something is watched: the fast interval fits

    async def fetch(self, previous: Mapping[str, Real3DTask] | None) -> FetchResult[Real3DTask]:
        by_workspace: dict[str, list[str]] = {}
        for watch in self.owner.watches.values():
            by_workspace.setdefault(watch.workspace_id, []).append(watch.task_id)
        items: dict[str, Real3DTask] = {}
        requests = 0
        for workspace_id, ids in by_workspace.items():
            for start in range(0, len(ids), 100):
                page = await self.client.list_tasks_in_workspace(
                    workspace_id, task_ids=ids[start : start + 100], limit=100
                )
                requests += 1
                items.update({t.task_id: t for t in page.tasks})
        return FetchResult(items, requests)
