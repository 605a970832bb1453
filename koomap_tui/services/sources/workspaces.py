"""Poll source of the tenant's workspaces."""

from __future__ import annotations

from collections.abc import Mapping

from koomap_tui.api.client import KooMapClient
from koomap_tui.api.models import Workspace
from koomap_tui.api.paging import CountedCalls
from koomap_tui.services.poller import FetchResult


class WorkspaceSource:
    """All workspaces of the tenant (at most 500: five pages)."""

    key = "workspaces"

    def __init__(self, client: KooMapClient) -> None:
        self.client = client

    def is_active(self, item: Workspace) -> bool:
        return False

    async def fetch(self, previous: Mapping[str, Workspace] | None) -> FetchResult[Workspace]:
        calls = CountedCalls(self.client.list_common_workspace)
        items = {ws.workspace_id: ws async for ws in self.client.paginate(calls)}
        return FetchResult(items, calls.requests, {"bad_rows": calls.bad_rows})
