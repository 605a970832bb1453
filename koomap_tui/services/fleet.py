"""All-workspaces polling: every Real3D task that matters now, across the tenant, cheaply.

"What is running or failing anywhere?" must not cost a full re-read of 50 workspaces x 500
tasks each cycle. The rows are the tasks that are active, plus those that failed or finished in
the last 24 hours (`RECENT`), each with its workspace's id and name. How a cycle spends requests:

* Hot workspaces (some task active) are re-read every cycle, at the poller's fast interval, with
  one status-filtered list of their active tasks. When a task known to be active is missing from
  it, it has ended: one more list reads the recently finished/failed tasks of that workspace.
* Idle workspaces are swept slowly: each one's overview (ShowTaskOverviewInWorkspace, one small
  request) once per `sweep_every` seconds, each in its own slot of that period so the looks
  spread evenly over the cycles. Only when its counts differ from the last
  overview (a task started, finished, failed, was created or deleted there) are its tasks
  re-read. A first sweep reads every workspace; the sweep is spread over cycles.
* A cycle spends at most `budget` requests on the sweep (hot workspaces are always read), so one
  cycle never queues seconds of work behind the client's rate limiter; every request still goes
  through that limiter, so the configured QPS (at most the gateway's 20) holds.
* The workspace list itself is re-read every `workspaces_every` seconds.

`WorkspaceCountsSource` gives the workspaces view its per-workspace counts (with the time each
was fetched) on the same schedule: busy workspaces every cycle, idle ones in the slow sweep.
benchmarks/poll_cost.py measures requests per fast cycle, a full sweep's time and bytes.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from koomap_tui.api.client import KooMapClient
from koomap_tui.api.errors import KooMapError
from koomap_tui.api.models import Real3DTask, Real3DTaskOverview, Workspace
from koomap_tui.domain.states import state_key
from koomap_tui.services.poller import FetchResult

ACTIVE_STATES = ("PENDING", "STARTING", "RUNNING", "STOPPING")
#: Terminal states shown when they were reached in the last RECENT seconds.
ENDED_STATES = ("FAILED", "START_FAILED", "SUCCESS", "STOP_SUCCESS", "BUNDLE_SUCCESS")
RECENT = 24 * 3600.0
PAGE = 100
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FleetTask:
    """A Real3D task with its workspace's name; reads through to the task's own fields.

    Reading through includes `__dict__`, so the poller's snapshot diff compares (and names) the
    task's own fields, as it does for the per-workspace task table."""

    task: Real3DTask
    workspace_id: str
    workspace_name: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.task, name)


@dataclass(frozen=True, slots=True)
class WorkspaceCounts:
    """One workspace's Real3D task counts as its overview said at `fetched_at` (wall time).

    A count the overview left null is None ("not said"), never a made-up zero."""

    workspace_id: str
    workspace_name: str
    total: int | None
    running: int | None
    success: int | None
    failed: int | None
    archived: int | None
    fetched_at: float

    @classmethod
    def of(cls, ws_id: str, name: str, o: Real3DTaskOverview, at: float) -> WorkspaceCounts:
        return cls(
            ws_id,
            name,
            o.total_count,
            o.running_count,
            o.success_count,
            o.failed_count,
            o.archived_count,
            at,
        )


def _counts(o: Real3DTaskOverview) -> tuple[int | None, ...]:
    return (o.total_count, o.running_count, o.success_count, o.failed_count, o.archived_count)


def _stamp(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _read_all(
    read_page: Callable[[int], Awaitable[Any]], rows_of: Callable[[Any], list[T]]
) -> tuple[list[T], int]:
    """Every row of a paged list (`read_page(offset)`), and the requests it took."""
    rows: list[T] = []
    requests = 0
    while True:
        page = await read_page(len(rows))
        requests += 1
        got = rows_of(page)
        rows += got
        if not got or len(rows) >= page.page.total:
            return rows, requests


async def list_all_workspaces(client: KooMapClient) -> tuple[dict[str, Workspace], int]:
    """Every workspace of the tenant (at most 500: five pages) and the requests it took."""
    found, requests = await _read_all(
        lambda offset: client.list_common_workspace(offset=offset, limit=PAGE), lambda p: p.data
    )
    return {ws.workspace_id: ws for ws in found}, requests


@dataclass
class _Space:
    name: str
    overview: tuple[int | None, ...] | None = None
    checked: float | None = None  # monotonic time of the last overview or read
    hot: bool = False
    read: bool = False  # its tasks have been read at least once
    phase: float = 0.0  # its slot in the sweep period


class _Sweeper:
    """The workspace list and which workspaces are due for a slow-sweep look."""

    def __init__(
        self,
        client: KooMapClient,
        *,
        sweep_every: float,
        workspaces_every: float,
        budget: int,
        clock: Callable[[], float],
    ) -> None:
        self.client = client
        self.sweep_every = sweep_every
        self.workspaces_every = workspaces_every
        self.budget = budget
        self._clock = clock
        self.spaces: dict[str, _Space] = {}
        self._listed: float | None = None

    async def refresh_list(self) -> int:
        now = self._clock()
        if self._listed is not None and now - self._listed < self.workspaces_every:
            return 0
        found, requests = await list_all_workspaces(self.client)
        self._listed = now
        for ws_id in list(self.spaces):
            if ws_id not in found:
                del self.spaces[ws_id]
        for ws_id, ws in found.items():
            space = self.spaces.get(ws_id)
            if space is None:
                self.spaces[ws_id] = _Space(ws.workspace_name or ws_id)
            else:
                space.name = ws.workspace_name or ws_id
        for rank, ws_id in enumerate(sorted(self.spaces)):
            self.spaces[ws_id].phase = self.sweep_every * rank / len(self.spaces)
        return requests

    def _next_look(self, space: _Space) -> float:
        """When an idle workspace that was looked at is due again.

        Each workspace has its own slot in the sweep period (its rank among the workspace ids,
        spread evenly), and is due at its first slot at least half a period after its last
        look. So after the first sweep the looks spread evenly over the cycles instead of all
        coming due together, and two looks at one workspace are half to one and a half
        periods apart (one period, once settled)."""
        assert space.checked is not None
        earliest = space.checked + self.sweep_every / 2
        laps = math.ceil((earliest - space.phase) / self.sweep_every)
        return space.phase + laps * self.sweep_every

    def due(self) -> list[str]:
        """Idle workspaces to look at now: never looked at first, then oldest look first."""
        now = self._clock()
        waiting = [
            (s.checked if s.checked is not None else float("-inf"), ws_id)
            for ws_id, s in self.spaces.items()
            if not s.hot and (s.checked is None or now >= self._next_look(s))
        ]
        return [ws_id for _, ws_id in sorted(waiting)]

    def pick(self, limit: int) -> list[str]:
        """Idle workspaces to look at this cycle, at most `limit`."""
        return self.due()[: max(1, limit)]

    @property
    def looked(self) -> int:
        """Workspaces looked at at least once (the first sweep's progress, for the view)."""
        return sum(1 for s in self.spaces.values() if s.checked is not None)

    @property
    def swept(self) -> bool:
        """Every workspace has been looked at at least once."""
        return bool(self.spaces) and all(s.checked is not None for s in self.spaces.values())


class _SweptSource:
    """A poll source over every workspace, each looked at on the sweep's schedule."""

    def __init__(
        self,
        client: KooMapClient,
        *,
        sweep_every: float = 60.0,
        workspaces_every: float = 300.0,
        budget: int = 12,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self._now = now
        self._clock = clock
        self.sweeper = _Sweeper(
            client,
            sweep_every=sweep_every,
            workspaces_every=workspaces_every,
            budget=budget,
            clock=clock,
        )

    def sweep_meta(self) -> dict[str, Any]:
        """How far the sweep has got, for the view."""
        sweeper = self.sweeper
        return {"swept": sweeper.swept, "looked": sweeper.looked, "workspaces": len(sweeper.spaces)}


class FleetSource(_SweptSource):
    """Real3D tasks active, or failed/finished in the last 24 h, in every workspace."""

    key = "fleet"

    def __init__(self, client: KooMapClient, *, recent: float = RECENT, **sweep: Any) -> None:
        super().__init__(client, **sweep)
        self.recent = recent
        self._rows: dict[str, dict[str, FleetTask]] = {}  # workspace id -> task id -> row

    def is_active(self, item: FleetTask) -> bool:
        return state_key(item.task.task_status) in ACTIVE_STATES

    async def _list(self, ws_id: str, **filters: Any) -> tuple[list[Real3DTask], int]:
        return await _read_all(
            lambda offset: self.client.list_tasks_in_workspace(
                ws_id, offset=offset, limit=PAGE, **filters
            ),
            lambda page: page.tasks,
        )

    async def _read_active(self, ws_id: str) -> tuple[list[Real3DTask], int]:
        return await self._list(ws_id, task_status=list(ACTIVE_STATES))

    async def _read_ended(self, ws_id: str) -> tuple[list[Real3DTask], int]:
        since = _iso(self._now() - self.recent)
        return await self._list(ws_id, task_status=list(ENDED_STATES), update_time_from=since)

    def _row(self, ws_id: str, task: Real3DTask) -> FleetTask:
        return FleetTask(task, ws_id, self.sweeper.spaces[ws_id].name)

    async def _hot(self, ws_id: str) -> int:
        """Re-read a busy workspace's active tasks; if some ended, its recent ones too."""
        active, requests = await self._read_active(ws_id)
        rows = self._rows.setdefault(ws_id, {})
        was_active = {k for k, r in rows.items() if self.is_active(r)}
        now_active = {t.task_id for t in active}
        for task in active:
            rows[task.task_id] = self._row(ws_id, task)
        if was_active - now_active:
            ended, n = await self._read_ended(ws_id)
            requests += n
            for key in was_active - now_active:
                rows.pop(key, None)
            for task in ended:
                rows[task.task_id] = self._row(ws_id, task)
        space = self.sweeper.spaces[ws_id]
        space.hot = bool(active)
        space.checked = self._clock()
        return requests

    async def _sweep_one(self, ws_id: str) -> int:
        overview = await self.client.show_task_overview_in_workspace(ws_id)
        requests = 1
        space = self.sweeper.spaces[ws_id]
        counts = _counts(overview)
        if not space.read or counts != space.overview:
            active, n = await self._read_active(ws_id) if overview.running_count != 0 else ([], 0)
            ended, m = await self._read_ended(ws_id)
            requests += n + m
            self._rows[ws_id] = {t.task_id: self._row(ws_id, t) for t in [*ended, *active]}
            space.read = True
            space.hot = bool(active)
        space.overview = counts
        space.checked = self._clock()
        return requests

    async def fetch(self, previous: Mapping[str, FleetTask] | None) -> FetchResult[FleetTask]:
        requests = await self.sweeper.refresh_list()
        spaces = self.sweeper.spaces
        for ws_id in list(self._rows):
            if ws_id not in spaces:
                del self._rows[ws_id]
        hot = [ws_id for ws_id, s in spaces.items() if s.hot]
        requests += sum(await asyncio.gather(*(self._hot(ws_id) for ws_id in hot)))
        # Each sweep step costs 1 overview and up to 2 lists; stay within the budget.
        due = self.sweeper.pick(self.sweeper.budget // 3)
        requests += sum(await asyncio.gather(*(self._sweep_one(ws_id) for ws_id in due)))
        cutoff = self._now() - self.recent
        items: dict[str, FleetTask] = {}
        # In the workspace list's order, not the order the concurrent reads happened to end in:
        # the rows of a first poll come out the same every time.
        for rows in (self._rows[ws_id] for ws_id in spaces if ws_id in self._rows):
            for key, row in list(rows.items()):
                ended = _stamp(row.task.update_time)
                if not self.is_active(row) and ended is not None and ended < cutoff:
                    del rows[key]  # finished more than 24 h ago
                    continue
                items[key] = row
        meta = {"hot": len([s for s in spaces.values() if s.hot]), **self.sweep_meta()}
        return FetchResult(items, requests, meta)


class WorkspaceCountsSource(_SweptSource):
    """Per-workspace Real3D task counts: busy workspaces every cycle, idle ones swept slowly,
    and the rows on screen the sweep has not reached as soon as the view shows them (the one
    reader of counts: the view tells it what it shows, `set_view`, and applies its updates)."""

    key = "workspace-counts"

    def __init__(self, client: KooMapClient, **sweep: Any) -> None:
        super().__init__(client, **sweep)
        self._counts: dict[str, WorkspaceCounts] = {}
        self.view: list[str] = []  # workspace ids on screen, top first
        self._jumped = False  # the view moved to unread rows since the last cycle
        self._answered = False

    def is_active(self, item: WorkspaceCounts) -> bool:
        return (item.running or 0) > 0

    def unread_view(self) -> list[str]:
        return [k for k in self.view if k not in self._counts]

    def set_view(self, keys: list[str], *, again: bool = False) -> bool:
        """The view shows `keys` (`again`: the operator asked them re-read, with the cycle `r`
        asks). True when some were never read and a cycle has ended: the view asks a cycle now,
        which reads just those (until the first answer, the cycle under way reads them)."""
        self.view = list(keys)
        for k in keys if again else ():
            self._counts.pop(k, None)
        unread = bool(self.unread_view())
        self._jumped = self._jumped or (unread and not again)
        return unread and self._answered

    async def _look(self, ws_id: str) -> int:
        overview = await self.client.show_task_overview_in_workspace(ws_id)
        # A row the view shows before the sweep's list has it (a workspace just created).
        space = self.sweeper.spaces.setdefault(ws_id, _Space(ws_id))
        self._counts[ws_id] = WorkspaceCounts.of(ws_id, space.name, overview, self._now())
        # A null running count is not "nothing runs": keep looking at the fast pace.
        space.hot = overview.running_count is None or overview.running_count > 0
        space.checked = self._clock()
        return 1

    async def fetch(
        self, previous: Mapping[str, WorkspaceCounts] | None
    ) -> FetchResult[WorkspaceCounts]:
        requests = await self.sweeper.refresh_list()
        spaces = self.sweeper.spaces
        shown = self.unread_view()
        if self._jumped and self._answered:
            looks = shown  # the operator scrolled to rows the sweep has not reached: just those
        else:
            hot = [ws_id for ws_id, s in spaces.items() if s.hot]
            looks = list(dict.fromkeys([*shown, *hot, *self.sweeper.pick(self.sweeper.budget)]))
        self._jumped = False
        looked = await asyncio.gather(*(self._look(w) for w in looks), return_exceptions=True)
        failed = [r for r in looked if isinstance(r, BaseException)]
        for error in failed:
            if not isinstance(error, KooMapError) or len(failed) == len(looked):
                raise error  # a bug, a cancel, or nothing read at all: the poll fails
        # One workspace that cannot be read keeps its last counts, whose own age then shows
        # (the view's counts_age); the others are not held back by it.
        requests += len(looked)
        items = {k: v for k, v in self._counts.items() if k in spaces}
        self._counts = dict(items)
        self._answered = True
        return FetchResult(items, requests, self.sweep_meta())
