"""Real3D data: oblique image sets (folders), products and refined products (SPEC §6)."""

import json
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field, ValidationError

from ._base import (
    Limit,
    Offset,
    QueryModel,
    RequestModel,
    UtcTime,
    WireModel,
    null_as_empty,
    text_rule,
)
from .common import Page
from .enums import FolderStatusValue, ProductDetailTypeValue, ProductStatusValue
from .real3d import ModelingParams
from .rows import RowList

_FOLDER_CHARSET = r"\u4e00-\u9fa5A-Za-z0-9_\-."
_FOLDER_CHARSET_TEXT = "Chinese characters, letters, digits, _, - and ."

FolderName = Annotated[str, text_rule("Folder name", 1, 100, _FOLDER_CHARSET, _FOLDER_CHARSET_TEXT)]
FolderAlias = Annotated[
    str, text_rule("Folder alias", 1, 100, _FOLDER_CHARSET, _FOLDER_CHARSET_TEXT)
]
FolderDescription = Annotated[
    str, text_rule("Folder description", 0, 255, _FOLDER_CHARSET, _FOLDER_CHARSET_TEXT)
]
FolderOrder = Literal["1", "-1", "2", "-2", "3", "-3"]


def _status_filter_text(value: Any) -> Any:
    # The filter is the string "0"/"1"/"2" while FolderVo.status is an Integer (SPEC §6.1).
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))
    return value


class FolderQueryCondition(RequestModel):
    """``FolderQueryCondition`` (all optional). ``from``/``to`` are Python keywords, hence
    ``from_time``/``to_time``."""

    folder_name: FolderName | None = None
    folder_alias: FolderAlias | None = None
    folder_desc: FolderDescription | None = None
    from_time: Annotated[UtcTime, Field(alias="from")] = None
    to_time: Annotated[UtcTime, Field(alias="to")] = None
    status: Annotated[Literal["0", "1", "2"] | None, BeforeValidator(_status_filter_text)] = None
    order: FolderOrder | None = None


class FolderListQuery(RequestModel):
    """``QueryFolderReq``: the JSON body ListFolder sends on its GET."""

    offset: Offset = 0
    limit: Limit = 10
    condition: FolderQueryCondition | None = None


class Folder(WireModel):
    """``FolderVo``: one oblique image set."""

    folder_code: str
    folder_name: str | None = None
    folder_alias: str | None = None
    folder_desc: str | None = None
    obs_endpoint: str | None = None
    obs_path: str | None = None
    create_time: UtcTime = None
    status: FolderStatusValue


class FolderList(RowList):
    """ListFolder response."""

    folders: Annotated[list[Folder], BeforeValidator(null_as_empty)] = []
    page: Page


# --- products ---------------------------------------------------------------------------------


class ProductDetail(WireModel):
    """One item of a product's detail array: a file type, its size and its files."""

    type: ProductDetailTypeValue | None = None
    storage_size_byte: float | None = None
    files: Annotated[list[str], BeforeValidator(null_as_empty)] = []


class ProductTaskInfo(WireModel):
    """``task_info`` of a Real3D product."""

    task_id: str | None = None
    task_name: str | None = None
    task_params: str | None = None
    task_exec_start_time: UtcTime = None
    task_exec_end_time: UtcTime = None

    def modeling_params(self) -> ModelingParams | None:
        """``task_params`` is the modeling parameters serialised as a JSON string; ``None``
        when absent or unreadable (display-only data, not worth failing a list for)."""
        if not self.task_params:
            return None
        try:
            return ModelingParams.model_validate(json.loads(self.task_params))
        except (ValueError, ValidationError):
            return None


def _detail_field(wire_name: str, other_name: str) -> Any:
    return Field(
        validation_alias=AliasChoices(wire_name, other_name),
        serialization_alias=wire_name,
    )


class Real3DProduct(WireModel):
    """``Real3DProductVO``. The detail array is accepted as ``product_detail`` (SDK) or
    ``product_details`` (reference page) and emitted as ``product_detail``."""

    id: str
    name: str | None = None
    status: ProductStatusValue
    folder_code: str | None = None
    task_info: ProductTaskInfo | None = None
    product_detail: Annotated[
        list[ProductDetail],
        BeforeValidator(null_as_empty),
        _detail_field("product_detail", "product_details"),
    ] = []
    storage_size_byte: float | None = None
    create_time: UtcTime = None
    update_time: UtcTime = None
    tenant_domain_id: str | None = None


class Real3DProductList(RowList):
    """ListReal3DProducts response."""

    products: Annotated[list[Real3DProduct], BeforeValidator(null_as_empty)] = []
    page: Page


class ProductListQuery(QueryModel):
    """ListReal3DProducts query."""

    offset: Offset = 0
    limit: Limit = 10
    product_name: str | None = None
    product_id: str | None = None


class RefineSubtaskInfo(WireModel):
    """``subtask_info`` of a refined product."""

    subtask_name: str | None = None
    subtask_id: str | None = None
    create_time: UtcTime = None
    completed_time: UtcTime = None


class RefineTaskInfo(WireModel):
    """``task_info`` of a refined product."""

    task_id: str | None = None
    task_name: str | None = None
    workspace_id: str | None = None
    task_params: str | None = None
    task_exec_start_time: UtcTime = None
    task_exec_end_time: UtcTime = None


class Real3DRefineProduct(WireModel):
    """``Real3DRefineProductVO``. Same attribute name ``product_detail`` as ``Real3DProduct``
    for the detail array; on the wire it is ``product_details`` (either is accepted)."""

    id: str
    name: str | None = None
    status: ProductStatusValue
    subtask_info: RefineSubtaskInfo | None = None
    task_info: RefineTaskInfo | None = None
    product_detail: Annotated[
        list[ProductDetail],
        BeforeValidator(null_as_empty),
        _detail_field("product_details", "product_detail"),
    ] = []
    storage_size_byte: float | None = None
    create_time: UtcTime = None
    update_time: UtcTime = None
    tenant_domain_id: str | None = None


class Real3DRefineProductList(RowList):
    """ListReal3DRefineProducts response."""

    refine_products: Annotated[list[Real3DRefineProduct], BeforeValidator(null_as_empty)] = []
    page: Page


class RefineProductListQuery(QueryModel):
    """ListReal3DRefineProducts query."""

    offset: Offset = 0
    limit: Limit = 10
    refine_product_id: str | None = None
    task_name: str | None = None
    subtask_name: str | None = None
    subtask_create_time_from: UtcTime = None
    subtask_create_time_to: UtcTime = None
    subtask_completed_time_from: UtcTime = None
    subtask_completed_time_to: UtcTime = None
    order_by: (
        Literal["task_name_asc", "task_name_desc", "subtask_name_asc", "subtask_name_desc"] | None
    ) = None
