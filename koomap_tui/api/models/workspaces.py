"""Shared workspaces (SPEC §2)."""

from typing import Annotated, Literal

from pydantic import BeforeValidator

from ._base import (
    Limit,
    Offset,
    OptCount,
    QueryModel,
    RequestModel,
    UtcTime,
    WireModel,
    null_as_empty,
    text_rule,
)
from .common import Page
from .rows import RowList

WorkspaceName = Annotated[str, text_rule("Workspace name", 2, 50)]
WorkspaceDescription = Annotated[str, text_rule("Workspace description", 0, 200)]


class Workspace(WireModel):
    """``WorkspaceDto``.

    ``can_delete`` is exposed as sent but its polarity is unreliable (SPEC §2.1): let
    ``DeleteCommonWorkspace`` decide instead of trusting it.
    """

    workspace_id: str
    workspace_name: str | None = None
    workspace_description: str | None = None
    tenant_domain_id: str | None = None
    creator: str | None = None
    latest_operator: str | None = None
    create_time: UtcTime = None
    update_time: UtcTime = None
    star: int | None = None
    can_delete: bool | None = None

    @property
    def pinned(self) -> bool:
        return self.star == 1


class WorkspaceList(RowList):
    """ListCommonWorkspace response."""

    data: Annotated[list[Workspace], BeforeValidator(null_as_empty)] = []
    page: Page


class WorkspaceCreate(RequestModel):
    """``CreateWorkspaceDto``."""

    workspace_name: WorkspaceName
    workspace_description: WorkspaceDescription | None = None


class WorkspaceUpdate(RequestModel):
    """``UpdateWorkspaceDto``; only the fields set are sent."""

    workspace_name: WorkspaceName | None = None
    workspace_description: WorkspaceDescription | None = None
    star: Literal[0, 1] | None = None


class WorkspaceListQuery(QueryModel):
    """ListCommonWorkspace query."""

    offset: Offset = 0
    limit: Limit = 10
    workspace_ids: list[str] | None = None
    workspace_name: str | None = None
    star: bool | None = None
    create_time_from: UtcTime = None
    create_time_to: UtcTime = None
    update_time_from: UtcTime = None
    update_time_to: UtcTime = None
    order_by: Literal["create_time_asc", "create_time_desc"] | None = None


class Real3DTaskOverview(WireModel):
    """ShowTaskOverviewInWorkspace response (counts of Real3D tasks)."""

    workspace_id: str | None = None
    # None: the server sent null (not "zero"); the task source then reads the list instead.
    total_count: OptCount = 0
    running_count: OptCount = 0
    success_count: OptCount = 0
    failed_count: OptCount = 0
    archived_count: OptCount = 0

    @property
    def complete(self) -> bool:
        return None not in (
            self.total_count,
            self.running_count,
            self.success_count,
            self.failed_count,
            self.archived_count,
        )
