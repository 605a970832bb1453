"""Real3D modeling tasks and refinement subtasks (SPEC §3, §4)."""

from typing import Annotated, Literal

from pydantic import BeforeValidator, ConfigDict, Field, PlainSerializer, ValidationError

from ._base import (
    Limit,
    Offset,
    OptText,
    Progress,
    QueryModel,
    RequestModel,
    UtcTime,
    WireModel,
    enum_rule,
    int_range,
    null_as_empty,
    progress_out_of_range,
    text_rule,
    whole_number,
)
from .common import Page
from .enums import (
    Accuracy,
    CoordinateSystem,
    MeshAccuracy,
    ModelingType,
    ModelingTypeValue,
    Real3DTaskStatus,
    Real3DTaskStatusValue,
    Real3DTaskType,
    Real3DTaskTypeValue,
    SubTaskStatus,
    SubTaskStatusValue,
)
from .rows import RowList

TaskName = Annotated[str, text_rule("Task name", 1, 50)]
TaskDescription = Annotated[str, text_rule("Task description", 0, 255)]
SubTaskName = Annotated[str, text_rule("Subtask name", 1, 50)]


def _int_to_text(value: int) -> str:
    return str(int(value))


_AS_TEXT = PlainSerializer(_int_to_text, return_type=str, when_used="json")

AccuracyChoice = Annotated[Accuracy, enum_rule("AT accuracy", Accuracy)]
KeyPointLimit = Annotated[
    int,
    whole_number("Key point limit"),
    int_range("Key point limit", 1000, 1_000_000),
    _AS_TEXT,
]
TiePointLimit = Annotated[
    int,
    whole_number("Tie point limit"),
    int_range("Tie point limit", 100, 100_000),
    _AS_TEXT,
]
MeshAccuracyText = Annotated[
    MeshAccuracy,
    enum_rule("Mesh accuracy", ("0 (high)", "1 (medium)", "2 (low)")),
    whole_number("Mesh accuracy"),
    _AS_TEXT,
]
"""``mesh_accuracy``: 0 high, 1 medium, 2 low; travels as "0"/"1"/"2"."""
TaskTypeChoice = Annotated[Real3DTaskType, enum_rule("Task type", Real3DTaskType)]
ModelingTypeChoice = Annotated[ModelingType, enum_rule("Modeling type", ModelingType)]
CoordinateChoice = Annotated[CoordinateSystem, enum_rule("Coordinate system", CoordinateSystem)]


class ModelingParams(RequestModel):
    """Modeling parameters as the console sends them (task create/update bodies, SPEC §3.2).

    Numbers are accepted as integers or strings and always sent as strings (what the SDK and
    the published example use). All four fields are required and range-checked: this is what
    we send. Responses use the tolerant `ModelingParamsInfo` instead.
    """

    model_config = ConfigDict(extra="ignore")

    accuracy: AccuracyChoice
    key_point_limit: KeyPointLimit
    tie_point_limit: TiePointLimit
    mesh_accuracy: MeshAccuracyText

    @classmethod
    def defaults(cls) -> "ModelingParams":
        """The service defaults applied when the object is omitted on create."""
        return cls(
            accuracy=Accuracy.HIGH,
            key_point_limit=40000,
            tie_point_limit=4000,
            mesh_accuracy=MeshAccuracy.HIGH,
        )


class ModelingParamsInfo(WireModel):
    """Modeling parameters as the service reports them (task/subtask responses).

    The official SDK types all four fields as optional strings, so ``{}``, ``null`` fields and
    ``"500"`` (out of the create range) all parse; the values are shown, never re-sent as is.
    """

    accuracy: OptText = None
    key_point_limit: OptText = None
    tie_point_limit: OptText = None
    mesh_accuracy: OptText = None

    def to_request(self) -> ModelingParams | None:
        """The strict request form (for an update form's defaults); None when not valid."""
        try:
            return ModelingParams.model_validate(self.model_dump(exclude_none=True))
        except ValidationError:
            return None


class Real3DTask(WireModel):
    """``Real3DTaskDto``."""

    task_id: str
    task_name: str | None = None
    task_type: Real3DTaskTypeValue | None = None
    modeling_type: ModelingTypeValue | None = None
    task_description: str | None = None
    workspace_id: str | None = None
    modeling_params: ModelingParamsInfo | None = None
    coordinate_sys: str | None = None
    has_marker: bool | None = None
    folder_code: str | None = None
    create_time: UtcTime = None
    update_time: UtcTime = None
    tenant_domain_id: str | None = None
    creator: str | None = None
    latest_operator: str | None = None
    task_status: Real3DTaskStatusValue
    complete_stage: int | None = None
    total_stage: int | None = None
    task_progress: Progress = None
    exec_start_time: UtcTime = None
    exec_stop_time: UtcTime = None
    fail_message: str | None = None
    at_progress: Annotated[Progress, Field(alias="AT_progress")] = None

    @property
    def progress_flags(self) -> tuple[str, ...]:
        """Progress fields the server sent outside 0..1 (shown clamped and flagged)."""
        return tuple(
            name
            for name, value in (
                ("task_progress", self.task_progress),
                ("AT_progress", self.at_progress),
            )
            if progress_out_of_range(value)
        )


class Real3DTaskList(RowList):
    """ListTasksInWorkspace response."""

    tasks: Annotated[list[Real3DTask], BeforeValidator(null_as_empty)] = []
    page: Page


class Real3DTaskCreate(RequestModel):
    """``CreateReal3DTaskDto``."""

    task_name: TaskName
    task_description: TaskDescription | None = None
    task_type: TaskTypeChoice | None = None
    modeling_type: ModelingTypeChoice | None = None
    modeling_params: ModelingParams | None = None
    folder_code: str | None = None
    coordinate_sys: CoordinateChoice | None = None


class Real3DTaskUpdate(RequestModel):
    """``UpdateReal3DTaskDto``; only the fields set are sent. Resets the task to INIT."""

    task_name: TaskName | None = None
    task_type: TaskTypeChoice | None = None
    modeling_type: ModelingTypeChoice | None = None
    task_description: TaskDescription | None = None
    folder_code: str | None = None
    modeling_params: ModelingParams | None = None
    coordinate_sys: CoordinateChoice | None = None


class Real3DTaskStart(RequestModel):
    """``StartReal3DTaskBody``: ``{}`` or ``{"run_AT_only": true}`` (CTRL tasks only)."""

    run_at_only: Annotated[bool | None, Field(alias="run_AT_only")] = None


class Real3DTaskArchive(RequestModel):
    """``ArchiveReal3DTaskBody``."""

    archive: bool


class Real3DTaskListQuery(QueryModel):
    """ListTasksInWorkspace query."""

    offset: Offset = 0
    limit: Limit = 10
    task_name: Annotated[str, text_rule("Task name filter", 1, 50, None)] | None = None
    task_type: list[Real3DTaskType] | None = None
    modeling_type: ModelingType | None = None
    create_time_from: UtcTime = None
    create_time_to: UtcTime = None
    update_time_from: UtcTime = None
    update_time_to: UtcTime = None
    task_ids: list[str] | None = None
    task_status: list[Real3DTaskStatus] | None = None


# --- refinement subtasks ----------------------------------------------------------------------


class Real3DSubTask(WireModel):
    """``Real3DSubTaskDto``."""

    subtask_id: str
    task_id: str | None = None
    subtask_name: str | None = None
    task_name: str | None = None
    workspace_id: str | None = None
    modeling_params: ModelingParamsInfo | None = None
    subtask_status: SubTaskStatusValue
    model_path: str | None = None
    refine_product_id: str | None = None
    create_time: UtcTime = None
    update_time: UtcTime = None
    tenant_domain_id: str | None = None
    creator: str | None = None
    latest_operator: str | None = None
    subtask_progress: Progress = None
    exec_start_time: UtcTime = None
    exec_stop_time: UtcTime = None
    fail_message: str | None = None

    @property
    def progress_flags(self) -> tuple[str, ...]:
        return ("subtask_progress",) if progress_out_of_range(self.subtask_progress) else ()


class Real3DSubTaskList(RowList):
    """ListReal3DSubTasks response."""

    subtasks: Annotated[list[Real3DSubTask], BeforeValidator(null_as_empty)] = []
    page: Page


class Real3DSubTaskCreate(RequestModel):
    """``CreateReal3DSubTaskDto``."""

    subtask_name: SubTaskName


class Real3DSubTaskListQuery(QueryModel):
    """ListReal3DSubTasks query."""

    offset: Offset = 0
    limit: Limit = 10
    subtask_id: str | None = None
    subtask_name: str | None = None
    subtask_status: list[SubTaskStatus] | None = None
    create_time_from: UtcTime = None
    create_time_to: UtcTime = None
    update_time_from: UtcTime = None
    update_time_to: UtcTime = None


class Real3DSubTaskUploadStatus(RequestModel):
    """Body of the simulator-only upload-status call (SPEC §4.8, not a public operation)."""

    subtask_status: Annotated[
        Literal[SubTaskStatus.UPLOADING, SubTaskStatus.UPLOAD_SUCCESS, SubTaskStatus.UPLOAD_FAILED],
        enum_rule(
            "Upload status",
            (SubTaskStatus.UPLOADING, SubTaskStatus.UPLOAD_SUCCESS, SubTaskStatus.UPLOAD_FAILED),
        ),
    ]
