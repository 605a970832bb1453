"""Which model goes with which operation: one table for the client, the tests and the docs."""

from dataclasses import dataclass

from pydantic import BaseModel

from .common import EmptyBody, ErrorBody, IdBody
from .data import (
    FolderList,
    FolderListQuery,
    ProductListQuery,
    Real3DProductList,
    Real3DRefineProductList,
    RefineProductListQuery,
)
from .real3d import (
    Real3DSubTask,
    Real3DSubTaskCreate,
    Real3DSubTaskList,
    Real3DSubTaskListQuery,
    Real3DSubTaskUploadStatus,
    Real3DTask,
    Real3DTaskArchive,
    Real3DTaskCreate,
    Real3DTaskList,
    Real3DTaskListQuery,
    Real3DTaskStart,
    Real3DTaskUpdate,
)
from .satellite import (
    ImageCheckRequest,
    ImageCheckResultList,
    ImageInfoList,
    ImageInfoQuery,
    SatelliteTask,
    SatelliteTaskCreate,
    SatelliteTaskList,
    SatelliteTaskListQuery,
    SatelliteTaskOverview,
)
from .spurs import SpurCount, SpurCountQuery, SpurInfo, SpurInfoDetail, SpurList, SpurListQuery
from .usage import Real3DUsageList, Real3DUsageQuery, UsageInfoList, UsageInfoQuery
from .workspaces import (
    Real3DTaskOverview,
    Workspace,
    WorkspaceCreate,
    WorkspaceList,
    WorkspaceListQuery,
    WorkspaceUpdate,
)


@dataclass(frozen=True)
class OperationModels:
    """Models of one operation.

    ``body``: JSON body (form fields for ListImageBaseInfo); ``query``: query-string model
    (path parameters and scalar query flags such as ``archived`` are plain arguments);
    ``response``: success body model, ``None`` when the call answers ``true`` (``parse_ack``).
    """

    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None


def _op(
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
) -> OperationModels:
    return OperationModels(body, query, response)


OPERATIONS: dict[str, OperationModels] = {
    "CreateCommonWorkspace": _op(WorkspaceCreate, response=Workspace),
    "ListCommonWorkspace": _op(query=WorkspaceListQuery, response=WorkspaceList),
    "UpdateCommonWorkspace": _op(WorkspaceUpdate, response=Workspace),
    "DeleteCommonWorkspace": _op(EmptyBody),
    "ShowTaskOverviewInWorkspace": _op(response=Real3DTaskOverview),
    "CreateReal3DTask": _op(Real3DTaskCreate, response=Real3DTask),
    "ListTasksInWorkspace": _op(query=Real3DTaskListQuery, response=Real3DTaskList),
    "UpdateReal3DTask": _op(Real3DTaskUpdate, response=Real3DTask),
    "StartReal3DTask": _op(Real3DTaskStart, response=Real3DTask),
    "StopReal3DTask": _op(EmptyBody),
    "DeleteReal3DTask": _op(EmptyBody),
    "UpdateReal3DTaskArchivedStatus": _op(Real3DTaskArchive, response=Real3DTask),
    "CreateReal3DSubTask": _op(Real3DSubTaskCreate, response=Real3DSubTask),
    "ListReal3DSubTasks": _op(query=Real3DSubTaskListQuery, response=Real3DSubTaskList),
    "StartReal3DSubTask": _op(EmptyBody, response=Real3DSubTask),
    "StopReal3DSubTask": _op(EmptyBody),
    "DeleteReal3DSubTask": _op(EmptyBody),
    "AddSpurPoint": _op(SpurInfo, response=SpurInfoDetail),
    "DeleteSpurPoint": _op(IdBody),
    "ListSpurPoints": _op(SpurListQuery, response=SpurList),
    "ShowSpurCount": _op(SpurCountQuery, response=SpurCount),
    "CreateMarkerInfo": _op(EmptyBody),
    "ListFolder": _op(FolderListQuery, response=FolderList),
    "ListReal3DProducts": _op(query=ProductListQuery, response=Real3DProductList),
    "DeleteReal3DProduct": _op(EmptyBody),
    "ListReal3DRefineProducts": _op(query=RefineProductListQuery, response=Real3DRefineProductList),
    "DeleteReal3DRefineProduct": _op(EmptyBody),
    "ShowReal3DUsage": _op(query=Real3DUsageQuery, response=Real3DUsageList),
    "CreateTask": _op(SatelliteTaskCreate, response=SatelliteTask),
    "ShowTaskOverview": _op(response=SatelliteTaskOverview),
    "ListTaskInfo": _op(query=SatelliteTaskListQuery, response=SatelliteTaskList),
    "StartTask": _op(IdBody),
    "StopTask": _op(IdBody),
    "UpdateTaskArchivedStatus": _op(IdBody),
    "DeleteTask": _op(IdBody),
    "ValidateImage": _op(ImageCheckRequest, response=ImageCheckResultList),
    "ListImageBaseInfo": _op(ImageInfoQuery, response=ImageInfoList),
    "ListUsageInfo": _op(query=UsageInfoQuery, response=UsageInfoList),
    # Simulator only (SPEC §4.8): not a public operation.
    "SimUpdateReal3DSubTaskUploadStatus": _op(Real3DSubTaskUploadStatus, response=Real3DSubTask),
}
"""Operation id (as in endpoints.json) -> its models. ``ErrorBody`` is every error's body."""

ERROR_BODY = ErrorBody
