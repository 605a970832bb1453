"""Poll sources of Real3D tasks: a workspace's tasks, a task's subtasks, the watched tasks.

The Real3D task source is overview-driven (DESIGN "Polling that scales"): once a workspace is
loaded, a cycle reads the overview counts and re-reads only the tasks that were active, by id.
Only when the overview disagrees with what the snapshot predicts (a task created, deleted,
started or archived elsewhere) does it re-read the full list. A workspace of 500 tasks with 20
running therefore costs 2 requests per cycle. A full re-read also happens every
`resync_every` seconds, because edits to idle tasks made elsewhere leave the counts unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from koomap_tui.api.client import KooMapClient
from koomap_tui.api.errors import KooMapError, MalformedResponseError
from koomap_tui.api.models import Real3DSubTask, Real3DTask, Real3DTaskOverview, Real3DTaskStatus
from koomap_tui.api.paging import CountedCalls
from koomap_tui.domain.policy import Kind
from koomap_tui.domain.states import is_terminal, state_key
from koomap_tui.services.poller import FetchResult, concurrently

_RUNNING = {"PENDING", "STARTING", "RUNNING", "STOPPING"}
_SUCCESS = {"SUCCESS", "STOP_SUCCESS"}
_FAILED = {"START_FAILED", "FAILED"}
ALL_TASK_STATES = [s.value for s in Real3DTaskStatus]


def _chunks(seq: list[str], size: int) -> list[list[str]]:
    return [seq[i : i + size] for i in range(0, len(seq), size)]


def overview_matches(
    overview: Real3DTaskOverview, items: Mapping[str, Real3DTask], include_archived: bool
) -> bool:
    """Whether the snapshot explains the overview counts exactly."""
    if not overview.complete:
        return False  # a null count explains nothing: read the list
    states = [state_key(t.task_status) for t in items.values()]
    archived = sum(1 for s in states if s == "ARCHIVED")
    visible_total = (overview.total_count or 0) - (
        0 if include_archived else (overview.archived_count or 0)
    )
    return (
        len(states) == visible_total
        and sum(1 for s in states if s in _RUNNING) == overview.running_count
        and sum(1 for s in states if s in _SUCCESS) == overview.success_count
        and sum(1 for s in states if s in _FAILED) == overview.failed_count
        and (not include_archived or archived == overview.archived_count)
    )


class Real3DTaskSource:
    """Real3D tasks of one workspace."""

    def __init__(
        self,
        client: KooMapClient,
        workspace_id: str,
        *,
        include_archived: bool = False,
        resync_every: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.workspace_id = workspace_id
        self.include_archived = include_archived
        self.resync_every = resync_every
        self._clock = clock
        self._last_full: float | None = None
        self.force_full = False
        self.key = f"real3d:{workspace_id}"

    def is_active(self, item: Real3DTask) -> bool:
        return state_key(item.task_status) in _RUNNING

    async def _full(self, meta: dict[str, Any]) -> tuple[dict[str, Real3DTask], int]:
        calls = CountedCalls(self.client.list_tasks_in_workspace)
        statuses = ALL_TASK_STATES if self.include_archived else None
        items = {
            task.task_id: task
            async for task in self.client.paginate(calls, self.workspace_id, task_status=statuses)
        }
        meta["bad_rows"] = calls.bad_rows
        self._last_full = self._clock()
        self.force_full = False
        return items, calls.requests

    async def _overview(self, meta: dict[str, Any]) -> Real3DTaskOverview | None:
        overview: Real3DTaskOverview | None
        try:
            overview = await self.client.show_task_overview_in_workspace(self.workspace_id)
        except MalformedResponseError as exc:
            # The counts are a shortcut, not the data: without them, read the list itself.
            overview = None
            meta["overview_error"] = str(exc)
        meta["overview"] = overview
        return overview

    async def fetch(self, previous: Mapping[str, Real3DTask] | None) -> FetchResult[Real3DTask]:
        requests = 1
        meta: dict[str, Any] = {}
        due = self._last_full is None or self._clock() - self._last_full >= self.resync_every
        if previous is None or self.force_full or due:
            # A full read takes no shortcut from the counts: both are read at once (issue 14).
            _, (items, n) = await concurrently(self._overview(meta), self._full(meta))
            meta["full"] = True
            return FetchResult(items, requests + n, meta)
        overview = await self._overview(meta)
        if overview is None:
            items, n = await self._full(meta)
            meta["full"] = True
            return FetchResult(items, requests + n, meta)
        items = dict(previous)
        active = [k for k, t in items.items() if self.is_active(t)]
        for chunk in _chunks(active, 100):
            page = await self.client.list_tasks_in_workspace(
                self.workspace_id, task_ids=chunk, limit=100
            )
            requests += 1
            got = {t.task_id: t for t in page.tasks}
            unreadable = {b.key for b in page.bad_rows}
            meta.setdefault("bad_rows", []).extend(page.bad_rows)
            for key in chunk:
                task = got.get(key)
                if key in unreadable:
                    continue  # still there, just unreadable now: not "gone"
                if task is None or (
                    state_key(task.task_status) == "ARCHIVED" and not self.include_archived
                ):
                    items.pop(key, None)
                else:
                    items[key] = task
        if not overview_matches(overview, items, self.include_archived):
            items, n = await self._full(meta)
            requests += n
            meta["full"] = True
        return FetchResult(items, requests, meta)


class SubTaskSource:
    """Refinement subtasks of one Real3D task (at most 10: one request), and in the meta the
    state of the refined products they name ("refine_states": product id -> state word) or why
    it could not be read ("refine_error"). A refined product is made, remade and deleted with its
    subtask: the products are read again when the subtasks changed, while one of them is still
    being prepared (or deleted), or on `force_full`."""

    def __init__(
        self, client: KooMapClient, workspace_id: str, task_id: str, task_name: str | None = None
    ) -> None:
        self.client = client
        self.workspace_id = workspace_id
        self.task_id = task_id
        self.task_name = task_name  # the products are listed by it: the view keeps it current
        self.key = f"subtasks:{task_id}"
        self.force_full = False
        self._refined: dict[str, Any] = {"refine_states": {}, "refine_error": None}

    def is_active(self, item: Real3DSubTask) -> bool:
        return not is_terminal(Kind.SUBTASK, state_key(item.subtask_status))

    async def fetch(
        self, previous: Mapping[str, Real3DSubTask] | None
    ) -> FetchResult[Real3DSubTask]:
        refresh = previous is None or self.force_full
        calls = CountedCalls(self.client.list_real3d_refine_products)
        subtasks = self.client.list_real3d_subtasks(self.workspace_id, self.task_id, limit=100)
        read: dict[str, str] | str | None = None
        if refresh and self.task_name:
            # Listed by the task's name, the products need not wait for the subtasks: at once.
            page, read = await concurrently(subtasks, self._states(calls, ()))
        else:
            page = await subtasks
        items = {s.subtask_id: s for s in page.subtasks}
        wanted = {s.refine_product_id for s in items.values() if s.refine_product_id}
        if read is None and (refresh or items != previous or self._settling(wanted)):
            read = await self._states(calls, wanted) if wanted else {}
        if isinstance(read, str):  # a failed read keeps the states read before
            self._refined = {**self._refined, "refine_error": read}
        elif read is not None:
            states = {pid: state for pid, state in read.items() if pid in wanted}
            self._refined = {"refine_states": states, "refine_error": None}
        self.force_full = False
        meta = {"bad_rows": list(page.bad_rows), **self._refined}
        return FetchResult(items, 1 + calls.requests, meta)

    def _settling(self, wanted: set[str]) -> bool:
        """A product named by a subtask was last read in a state that changes by itself
        ("preparing", "deleting"): it is prepared after its subtask ended, when the subtasks no
        longer change, so it is read again each cycle until it settles."""
        states: Mapping[str, str] = self._refined["refine_states"]
        return any(
            pid in states and not is_terminal(Kind.REFINE_PRODUCT, states[pid]) for pid in wanted
        )

    async def _states(self, calls: CountedCalls, ids: Iterable[str]) -> dict[str, str] | str:
        """Product id -> state word of the task's refined products (by the task's name, one
        paged listing answers for all), else of `ids` asked one by one; or why not."""
        found: dict[str, str] = {}
        try:
            if self.task_name:
                async for product in self.client.paginate(calls, task_name=self.task_name):
                    found[product.id] = state_key(product.status)
            else:
                for pid in sorted(ids):
                    page = await calls(refine_product_id=pid)
                    found.update((p.id, state_key(p.status)) for p in page.refine_products)
        except KooMapError as exc:
            return str(exc)
        return found


class _HasWatches(Protocol):
    @property
    def watches(self) -> Mapping[str, Any]: ...


class WatchedTasksSource:
    """Re-reads the watched tasks by id, one request per workspace; none when nothing is watched.

    `w` watches a task from any view; the owner (the app) holds the watches."""

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
            for chunk in _chunks(ids, 100):
                page = await self.client.list_tasks_in_workspace(
                    workspace_id, task_ids=chunk, limit=100
                )
                requests += 1
                items.update({t.task_id: t for t in page.tasks})
        return FetchResult(items, requests)
