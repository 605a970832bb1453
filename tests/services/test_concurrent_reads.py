"""Independent reads of one poll cycle go at once (issue 14): `concurrently`, and the sources
that use it. Each read here waits until the other one has started, so code that reads one
after the other never finishes (bounded by a timeout, so the test fails instead of hanging)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from koomap_tui.api.errors import ServerError
from koomap_tui.api.models import Real3DTaskOverview
from koomap_tui.services.poller import concurrently
from koomap_tui.services.sources import Real3DTaskSource

GUARD = 5.0  # seconds; only reached when the reads are serialized (the failure case)


class Meeting:
    """`arrive(name)` returns once every expected party has arrived."""

    def __init__(self, *names: str) -> None:
        self.waiting = set(names)
        self.all_here = asyncio.Event()

    async def arrive(self, name: str) -> None:
        self.waiting.discard(name)
        if not self.waiting:
            self.all_here.set()
        await self.all_here.wait()


async def test_steps_run_at_once_and_results_keep_their_order() -> None:
    meeting = Meeting("a", "b", "c")

    async def step(name: str) -> str:
        await meeting.arrive(name)
        return name.upper()

    got = await asyncio.wait_for(concurrently(step("a"), step("b"), step("c")), GUARD)
    assert got == ["A", "B", "C"]


async def test_the_first_failure_is_raised_as_itself_and_the_rest_is_cancelled() -> None:
    started = asyncio.Event()
    cancelled: list[str] = []

    async def slow() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append("slow")
            raise

    async def failing() -> None:
        await started.wait()
        raise ServerError("KM.5000", "down", 500, None, None)

    with pytest.raises(ServerError):
        await asyncio.wait_for(concurrently(failing(), slow()), GUARD)
    await asyncio.sleep(0)  # let the cancellation be delivered
    assert cancelled == ["slow"]


class Page:
    def __init__(self) -> None:
        self.tasks: list[Any] = []
        self.bad_rows: list[Any] = []
        self.count = 0
        self.total = 0


class MeetingClient:
    """The client calls of a first Real3D read; each call waits for the other to start."""

    def __init__(self) -> None:
        self.meeting = Meeting("overview", "list")

    async def show_task_overview_in_workspace(self, workspace_id: str) -> Real3DTaskOverview:
        await self.meeting.arrive("overview")
        return Real3DTaskOverview.model_validate({"total_count": 0})

    async def list_tasks_in_workspace(self, workspace_id: str, **kw: Any) -> Page:
        await self.meeting.arrive("list")
        return Page()

    async def paginate(self, call: Any, *args: Any, **kw: Any) -> Any:
        await call(*args, **kw)
        for _ in ():
            yield _


async def test_a_first_real3d_read_asks_counts_and_list_at_once() -> None:
    source = Real3DTaskSource(MeetingClient(), "ws1")  # type: ignore[arg-type]
    result = await asyncio.wait_for(source.fetch(None), GUARD)
    assert result.meta["full"] is True
    assert result.meta["overview"] is not None and result.meta["overview"].total_count == 0
    assert dict(result.items) == {}


async def test_satellite_image_pages_on_screen_are_read_urgently_the_rest_not() -> None:
    from koomap_tui.api.models import ImageInfoList
    from koomap_tui.api.ratelimit import URGENT
    from koomap_tui.services.sources.data import SatelliteImageSource

    seen: list[tuple[int, bool]] = []

    class Client:
        async def list_image_base_info(self, *, offset: int = 0, limit: int = 10) -> Any:
            seen.append((offset // limit, URGENT.get()))
            data = [
                {"image_id": f"{i:032x}", "image_status": "0"}
                for i in range(offset, offset + limit)
            ]
            return ImageInfoList.model_validate(
                {"data_info": data, "page": {"offset": offset, "limit": limit, "total": 100_000}}
            )

    source = SatelliteImageSource(Client(), budget=4)  # type: ignore[arg-type]
    await source.fetch(None)
    source.set_view(50_000, 50_040)  # G: the last rows the operator asked for
    await source.fetch(None)  # the page on screen alone
    await source.fetch(None)  # then background pages
    assert seen[0] == (0, True) and seen[1] == (500, True)
    assert seen[2][0] == 500 and seen[2][1] is True  # on screen, re-read: still urgent
    assert seen[3:] and all(urgent is False for _, urgent in seen[3:])
    assert URGENT.get() is False
