"""Poll source of the spurs view: a task's spurs on the known images and the spur count of
each control point (the API cannot list a task's images or its control points, SPEC §5.7)."""

from __future__ import annotations

from collections.abc import Mapping

from koomap_tui.api.client import KooMapClient
from koomap_tui.api.errors import InvalidParameterError, NotFoundError
from koomap_tui.api.models import SpurCountQuery, SpurInfoDetail
from koomap_tui.api.paging import CountedCalls
from koomap_tui.services.poller import FetchResult
from koomap_tui.services.spur_points import GroupKey, SpurReading, point_key, spur_key
from koomap_tui.services.spur_workbench import Workbench

# ShowSpurCount is one request per control point; past this many a cycle leaves the rest "…".
MAX_COUNT_QUERIES = 50


class SpurSource:
    """Spurs of a task on the known images, and the spur count of each control point."""

    def __init__(self, client: KooMapClient, task_id: str, workbench: Workbench) -> None:
        self.client = client
        self.task_id = task_id
        self.key = f"spurs:{task_id}"
        # The view changes the image codes and points there; each cycle reads them anew.
        self.workbench = workbench

    def is_active(self, item: SpurInfoDetail) -> bool:
        return False

    async def fetch(
        self, previous: Mapping[str, SpurInfoDetail] | None
    ) -> FetchResult[SpurInfoDetail]:
        items: dict[str, SpurInfoDetail] = {}
        per_image: dict[str, int] = {}
        image_errors: dict[str, str] = {}
        requests = 0
        for code in list(self.workbench.images):
            calls = CountedCalls(self.client.list_spur_points)
            try:
                async for spur in self.client.paginate(calls, self.task_id, code):
                    items[spur.id] = spur
            except (InvalidParameterError, NotFoundError) as exc:
                # A mistyped code must not blank the whole screen: only that image fails.
                image_errors[code] = f"{exc.code}: {exc.message}"
            else:
                per_image[code] = calls.last.page.total
            requests += calls.requests
        groups: dict[GroupKey, dict[str, str]] = {}
        for spur in items.values():
            key = spur_key(spur)
            if key is not None and key not in groups:
                groups[key] = {
                    "longitude": str(spur.longitude),
                    "latitude": str(spur.latitude),
                    "height": str(spur.height),
                    "accuracy": str(spur.accuracy),
                }
        for point in self.workbench.points:
            groups.setdefault(
                point_key(point),
                {
                    "longitude": point.x,
                    "latitude": point.y,
                    "height": point.height,
                    "accuracy": point.accuracy,
                },
            )
        counts: dict[GroupKey, int] = {}
        for key, coords in list(groups.items())[:MAX_COUNT_QUERIES]:
            query = SpurCountQuery.model_validate({"task_id": self.task_id, **coords})
            result = await self.client.show_spur_count(query)
            requests += 1
            counts[key] = result.count
        reading = SpurReading(per_image, image_errors, groups, counts)
        return FetchResult(items, requests, {"reading": reading})
