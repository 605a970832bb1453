"""Poll source of the usage view: Real3D (ShowReal3DUsage) and satellite (ListUsageInfo)
measures, flattened into one row type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from koomap_tui.api.client import KooMapClient
from koomap_tui.api.paging import CountedCalls
from koomap_tui.domain.states import state_key
from koomap_tui.services.poller import FetchResult, concurrently


@dataclass(frozen=True)
class UsageRow:
    """One measure of either family, flattened for the table."""

    service: str  # "Real3D" | "Satellite"
    operation: str  # the API operation it came from
    usage_type: str
    measure: str
    subtype: str
    usage: float | None
    capacity: float | None
    unit: str
    unit_type: str
    updated: datetime | None
    key: str = ""

    @property
    def pay_per_use(self) -> bool:
        return not self.capacity

    @property
    def fraction(self) -> float | None:
        if self.pay_per_use or self.usage is None or not self.capacity:
            return None
        return self.usage / self.capacity


def usage_row(service: str, operation: str, item: Any) -> UsageRow:
    return UsageRow(
        service=service,
        operation=operation,
        usage_type=state_key(item.usage_type) if item.usage_type is not None else "",
        measure=item.usage_measure_name or "",
        subtype=item.usage_subtype or "",
        usage=item.usage,
        capacity=item.capacity,
        unit=item.unit or "",
        unit_type=state_key(item.usage_unit_type) if item.usage_unit_type is not None else "",
        updated=item.update_time,
    )


class UsageSource:
    """Both families in one cycle: 2 × ShowReal3DUsage + ≥ 2 × ListUsageInfo (paged)."""

    key = "usage"

    def __init__(self, client: KooMapClient) -> None:
        self.client = client

    def is_active(self, item: UsageRow) -> bool:
        return False  # usage moves slowly: poll at the slow interval

    async def _real3d(self, usage_type: str) -> tuple[dict[str, UsageRow], int]:
        rows: dict[str, UsageRow] = {}
        answer = await self.client.show_real3d_usage(usage_type)
        for i, item in enumerate(answer.data):
            row = usage_row("Real3D", "ShowReal3DUsage", item)
            key = f"real3d:{usage_type}:{row.subtype or row.measure}:{i}"
            rows[key] = replace(row, key=key)
        return rows, 1

    async def _satellite(self, usage_type: str) -> tuple[dict[str, UsageRow], int]:
        rows: dict[str, UsageRow] = {}
        calls = CountedCalls(self.client.list_usage_info)
        position = 0
        async for info in self.client.paginate(calls, usage_type):
            row = usage_row("Satellite", "ListUsageInfo", info)
            key = f"sat:{usage_type}:{row.subtype or row.measure}:{position}"
            rows[key] = replace(row, key=key)
            position += 1
        return rows, calls.requests

    async def fetch(self, previous: Mapping[str, UsageRow] | None) -> FetchResult[UsageRow]:
        # The four families are independent: read at once, kept in this order (issue 14).
        parts = await concurrently(
            self._real3d("DATA"),
            self._real3d("REAL3D"),
            self._satellite("DATA"),
            self._satellite("TASK"),
        )
        rows: dict[str, UsageRow] = {}
        requests = 0
        for part, n in parts:
            rows.update(part)
            requests += n
        return FetchResult(rows, requests)
