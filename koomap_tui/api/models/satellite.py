"""Satellite imagery production: tasks, image validation, image files (SPEC §8, §9)."""

from typing import Annotated, Any, Literal, Self

from pydantic import AliasChoices, BeforeValidator, Field, RootModel, model_validator

from ._base import (
    Flag01,
    FlagText,
    Limit,
    Offset,
    OptCount,
    Progress,
    QueryModel,
    RequestModel,
    UtcTime,
    WireModel,
    comma_joined,
    enum_rule,
    null_as_empty,
    pattern_rule,
    progress_out_of_range,
    rule_error,
    text_rule,
)
from .common import Page
from .enums import (
    ImageStatusValue,
    ImageTypeValue,
    ProductionLevel,
    ProductionLevelValue,
    SatelliteTaskStatus,
    SatelliteTaskStatusValue,
    SatelliteTaskType,
    SatelliteTaskTypeValue,
)
from .rows import RowList

SatelliteTaskName = Annotated[str, text_rule("Task name", 1, 50)]
WorkspaceId = Annotated[
    str, pattern_rule("Workspace id", r"[a-z0-9]{32}", "32 lowercase letters or digits")
]
LevelChoice = Annotated[ProductionLevel, enum_rule("Production level", ProductionLevel)]
ShapeId = Annotated[
    str, pattern_rule("Vector file id", r"[a-z0-9]{32}", "32 lowercase letters or digits")
]


def _camel_or_snake(camel: str, snake: str) -> Any:
    # CreateTask's published example writes is_clip/is_tile; tables and SDK say isClip/isTile.
    return Field(validation_alias=AliasChoices(camel, snake), serialization_alias=camel)


def _ids_as_text(value: Any) -> Any:
    # TaskVo.data_id is a String, but the definition's example is an array of ids (SPEC §8.3).
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return value


class SatelliteTask(WireModel):
    """``TaskVo``: one ORSIP processing task."""

    task_id: str
    workspace_id: str | None = None
    data_id: Annotated[str | None, BeforeValidator(_ids_as_text)] = None
    task_name: str | None = None
    creator: str | None = None
    create_time: UtcTime = None
    task_status: SatelliteTaskStatusValue
    task_type: SatelliteTaskTypeValue | None = None
    task_description: str | None = None
    exec_start_time: UtcTime = None
    exec_stop_time: UtcTime = None
    origin_data_alias: str | None = None
    production_level: ProductionLevelValue | None = None
    task_progress: Progress = None
    shape_id: str | None = None
    is_deleted: int | None = None
    image_url: str | None = None
    domain_id: str | None = None
    fail_message: str | None = None
    frozen_tag: str | None = None
    is_clip: Annotated[Flag01, _camel_or_snake("isClip", "is_clip")] = None
    is_tile: Annotated[Flag01, _camel_or_snake("isTile", "is_tile")] = None

    @property
    def frozen(self) -> bool:
        return self.frozen_tag == "frozen"

    @property
    def progress_flags(self) -> tuple[str, ...]:
        return ("task_progress",) if progress_out_of_range(self.task_progress) else ()


class SatelliteTaskOverview(WireModel):
    """ShowTaskOverview response."""

    total: OptCount = 0
    finished: OptCount = 0
    unfinished: OptCount = 0


class TaskNumVo(WireModel):
    """Per-workspace counts returned with ListTaskInfo."""

    total_num: Annotated[OptCount, Field(alias="totalNum")] = 0
    failed_num: Annotated[OptCount, Field(alias="failedNum")] = 0
    archived_num: Annotated[OptCount, Field(alias="archivedNum")] = 0
    success_num: Annotated[OptCount, Field(alias="successNum")] = 0
    running_num: Annotated[OptCount, Field(alias="runningNum")] = 0


class SatelliteTaskList(RowList):
    """ListTaskInfo response."""

    page: Page
    data: Annotated[list[SatelliteTask], BeforeValidator(null_as_empty)] = []
    task_num_vo: Annotated[TaskNumVo | None, Field(alias="taskNumVo")] = None


class SatelliteTaskCreate(RequestModel):
    """``CreateTaskDto``. ``shape_id`` is required when ``is_clip`` is true."""

    task_name: SatelliteTaskName
    task_type: SatelliteTaskType = SatelliteTaskType.ORSIP
    workspace_id: WorkspaceId
    data_ids: Annotated[list[str], Field(min_length=1)]
    shape_id: ShapeId | None = None
    production_level: LevelChoice
    task_description: Annotated[str, text_rule("Task description", 0, 255)] | None = None
    data_alias: dict[str, str]
    coordination: Annotated[str, Field(min_length=1)]
    data_description: dict[str, str | None]
    csv_ids: list[str]
    is_clip: Annotated[FlagText, _camel_or_snake("isClip", "is_clip")]
    is_tile: Annotated[FlagText, _camel_or_snake("isTile", "is_tile")]

    @model_validator(mode="after")
    def _shape_needed_for_clip(self) -> Self:
        if self.is_clip and not self.shape_id:
            raise rule_error("shape", "A vector file (shape_id) is required to clip by vector")
        return self


class SatelliteTaskListQuery(QueryModel):
    """ListTaskInfo query (workspace, offset and limit are required by the service)."""

    workspace_id: str
    offset: Offset = 0
    limit: Limit = 10
    task_name: Annotated[str, text_rule("Task name filter", 1, 50, None)] | None = None
    task_status: list[SatelliteTaskStatus] | None = None
    create_time_start: UtcTime = None
    create_time_end: UtcTime = None


# --- image validation -------------------------------------------------------------------------


class ImageCheckRequest(RequestModel):
    """``CheckImageDataDto``: ValidateImage body."""

    data_ids: Annotated[list[str], Field(min_length=1)]
    production_level: LevelChoice
    task_name: SatelliteTaskName
    coordination: Annotated[str, Field(min_length=1)]


class ImageCheckResult(WireModel):
    """``CheckImageResultDto``: one file's verdict; ``error_message`` is ``None`` when fine."""

    name: str | None = None
    data_id: str | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return not self.error_message


class ImageCheckResultList(RootModel[list[ImageCheckResult]]):
    """ValidateImage answers a bare JSON array, on 200 and on 400 alike."""

    root: Annotated[list[ImageCheckResult], BeforeValidator(null_as_empty)]

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.root)


# --- image files ------------------------------------------------------------------------------

ImageNameFilter = Annotated[
    str,
    text_rule(
        "Image name",
        0,
        100,
        r"\u4e00-\u9fa5A-Za-z0-9_.\-",
        "Chinese characters, letters, digits, _, . and -",
    ),
]
ImageOrder = Literal["1", "-1", "2", "-2", "3", "-3"]
CommaList = Annotated[str, BeforeValidator(comma_joined)]


class ImageInfoQuery(RequestModel):
    """ListImageBaseInfo form fields. List-valued filters may be given as lists; they are sent
    comma-separated as documented."""

    limit: Limit = 10
    offset: Offset = 0
    image_name: ImageNameFilter | None = None
    image_date_from: UtcTime = None
    image_date_to: UtcTime = None
    image_status: CommaList | None = None
    raw_alias: Annotated[str, text_rule("Raw alias", 0, 100, None)] | None = None
    image_alias: CommaList | None = None
    image_levels: CommaList | None = None
    is_product: Annotated[Flag01, Field(description='"0" raw, "1" product')] = None
    order: ImageOrder | None = None
    description: Annotated[str, text_rule("Description", 0, 255, None)] | None = None
    image_type: ImageTypeValue | None = None

    def to_form(self) -> dict[str, str]:
        """Form fields as strings (multipart or urlencoded)."""
        payload = self.to_wire()
        return {key: str(value) for key, value in payload.items()}


class ImageInfo(WireModel):
    """``DataInfo``: one satellite image file."""

    image_name: str | None = None
    is_product: str | None = None
    image_level: str | None = None
    image_status: ImageStatusValue
    image_date: UtcTime = None
    upload_date: UtcTime = None
    image_resolution: str | None = None
    image_description: str | None = None
    image_id: str
    image_type: ImageTypeValue | None = None
    user_name: str | None = None
    image_alias: str | None = None
    product_clip: int | None = None
    product_tile: int | None = None
    is_cog: int | None = None


class ImageInfoList(RowList):
    """ListImageBaseInfo response."""

    data_info: Annotated[list[ImageInfo], BeforeValidator(null_as_empty)] = []
    page: Page
