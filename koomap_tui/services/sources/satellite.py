"""Poll sources of satellite (ORSIP) processing tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from koomap_tui.api.client import KooMapClient
from koomap_tui.api.models import SatelliteTask
from koomap_tui.api.paging import CountedCalls
from koomap_tui.domain.policy import Kind
from koomap_tui.domain.states import is_terminal, state_key
from koomap_tui.services.poller import FetchResult


class SatelliteTaskSource:
    """Satellite tasks of one workspace, with the per-state counts of `taskNumVo`."""

    def __init__(
        self, client: KooMapClient, workspace_id: str, *, include_archived: bool = False
    ) -> None:
        self.client = client
        self.workspace_id = workspace_id
        self.include_archived = include_archived
        self.key = f"satellite:{workspace_id}"

    def is_active(self, item: SatelliteTask) -> bool:
        return not is_terminal(Kind.SATELLITE_TASK, state_key(item.task_status))

    async def fetch(
        self, previous: Mapping[str, SatelliteTask] | None
    ) -> FetchResult[SatelliteTask]:
        statuses = None
        if self.include_archived:
            statuses = [
                "INIT", "START_RUNNING", "RUNNING", "SUCCESS", "FAILED",
                "STOPPING", "STOP_SUCCESS", "STOP_FAILED", "ARCHIVED",
            ]  # fmt: skip
        calls = CountedCalls(self.client.list_task_info)
        items = {
            task.task_id: task
            async for task in self.client.paginate(calls, self.workspace_id, task_status=statuses)
        }
        meta: dict[str, Any] = {"counts": calls.last.task_num_vo, "bad_rows": calls.bad_rows}
        return FetchResult(items, calls.requests, meta)


class OverviewSatelliteSource(SatelliteTaskSource):
    """The list source plus ShowTaskOverview (total / finished / unfinished) each cycle."""

    async def fetch(
        self, previous: Mapping[str, SatelliteTask] | None
    ) -> FetchResult[SatelliteTask]:
        result = await super().fetch(previous)
        overview = await self.client.show_task_overview(self.workspace_id)
        meta = {**result.meta, "overview": overview}
        return FetchResult(result.items, result.requests + 1, meta)
