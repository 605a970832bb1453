"""Spur (control-point) editing (SPEC §5). The wire uses camelCase; Python uses snake_case."""

from typing import Annotated

from pydantic import BeforeValidator, Field

from ._base import (
    DecimalText,
    Limit,
    Offset,
    RequestModel,
    WireDecimal,
    WireModel,
    decimal_range,
    null_as_empty,
    whole_number,
)
from .common import Page
from .rows import RowList

_COORD = 10_000_000

Longitude = Annotated[DecimalText, decimal_range("Longitude", -_COORD, _COORD)]
Latitude = Annotated[DecimalText, decimal_range("Latitude", -_COORD, _COORD)]
Height = Annotated[DecimalText, decimal_range("Height", -_COORD, _COORD)]
SpurAccuracy = Annotated[DecimalText, decimal_range("Accuracy", 0, 100, exclusive=True)]
# "Must lie inside the image" cannot be checked without the image; at least not negative.
PixelPosition = Annotated[DecimalText, decimal_range("Pixel position", 0, 2**31)]


class SpurInfo(RequestModel):
    """AddSpurPoint body: one GCP marked on one image. All values travel as strings."""

    image_code: Annotated[str, Field(alias="imageCode", min_length=1)]
    task_id: Annotated[str, Field(alias="taskId", min_length=1)]
    point_width: Annotated[PixelPosition, Field(alias="pointWidth")]
    point_height: Annotated[PixelPosition, Field(alias="pointHeight")]
    longitude: Longitude
    latitude: Latitude
    height: Height
    accuracy: SpurAccuracy


class SpurInfoDetail(WireModel):
    """``SpurInfoDetail``: a stored spur."""

    id: str
    image_code: Annotated[str | None, Field(alias="imageCode")] = None
    task_id: Annotated[str | None, Field(alias="taskId")] = None
    point_width: Annotated[WireDecimal, Field(alias="pointWidth")] = None
    point_height: Annotated[WireDecimal, Field(alias="pointHeight")] = None
    longitude: WireDecimal = None
    latitude: WireDecimal = None
    height: WireDecimal = None
    accuracy: WireDecimal = None


class SpurList(RowList):
    """ListSpurPoints response."""

    spur_infos: Annotated[
        list[SpurInfoDetail], BeforeValidator(null_as_empty), Field(alias="spurInfos")
    ] = []
    page: Page


class SpurListQuery(RequestModel):
    """``SpurQueryParaInfo``: ListSpurPoints body (all spurs of one image)."""

    image_code: Annotated[str, Field(alias="imageCode", min_length=1)]
    task_id: Annotated[str, Field(alias="taskId", min_length=1)]
    offset: Offset = 0
    limit: Limit = 10


class SpurCountQuery(RequestModel):
    """``SpurCountQueryParaInfo``: ShowSpurCount body. Numbers or strings in, strings out."""

    task_id: Annotated[str, Field(alias="taskId", min_length=1)]
    longitude: Longitude
    latitude: Latitude
    height: Height
    accuracy: SpurAccuracy


class SpurCount(WireModel):
    """ShowSpurCount response: number of images the GCP has been spurred on."""

    count: Annotated[int, whole_number("Spur count")]
