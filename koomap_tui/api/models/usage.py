"""Usage statistics of both services (SPEC §7, §10)."""

from typing import Annotated, Literal

from pydantic import BeforeValidator

from ._base import Limit, Offset, QueryModel, UtcTime, WireModel, null_as_empty
from .common import Page
from .enums import UsageType, UsageTypeValue, UsageUnitTypeValue
from .rows import RowList


class Real3DUsage(WireModel):
    """``UsageVo`` of ShowReal3DUsage."""

    usage_measure_name: str | None = None
    usage_type: UsageTypeValue | None = None
    domain_id: str | None = None
    usage_subtype: str | None = None
    usage: float | None = None
    capacity: float | None = None
    usage_unit_type: UsageUnitTypeValue | None = None
    unit: str | None = None
    created_time: UtcTime = None
    update_time: UtcTime = None


class Real3DUsageList(RowList):
    """ShowReal3DUsage response (not paged)."""

    data: Annotated[list[Real3DUsage], BeforeValidator(null_as_empty)] = []


class Real3DUsageQuery(QueryModel):
    """ShowReal3DUsage query."""

    usage_type: Literal[UsageType.DATA, UsageType.REAL3D]


class UsageInfo(WireModel):
    """``UsageInfo`` of ListUsageInfo (satellite)."""

    usage_measure_name: str | None = None
    usage_unit_type: UsageUnitTypeValue | None = None
    usage_type: UsageTypeValue | None = None
    domain_id: str | None = None
    usage_subtype: str | None = None
    usage: float | None = None
    capacity: float | None = None
    unit: str | None = None
    created_time: UtcTime = None
    update_time: UtcTime = None


class UsageInfoList(RowList):
    """ListUsageInfo response."""

    data: Annotated[list[UsageInfo], BeforeValidator(null_as_empty)] = []
    page: Page


class UsageInfoQuery(QueryModel):
    """ListUsageInfo query."""

    usage_type: Literal[UsageType.DATA, UsageType.TASK]
    offset: Offset = 0
    limit: Limit = 10
