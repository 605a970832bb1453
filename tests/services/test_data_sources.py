"""Image sets, products and satellite images against the simulator: every item, read page by
page with the client's paginate, and what a cycle costs."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from koomap_tui.api.client import KooMapClient
from koomap_tui.api.models import ImageInfo
from koomap_tui.api.models.satellite_compact import CompactImage
from koomap_tui.domain.policy import Kind
from koomap_tui.services.sources import (
    FolderSource,
    ImageRow,
    ProductSource,
    SatelliteImageSource,
    position_key,
    product_key,
)
from koomap_tui.sim.server import SimServer
from tests.services.conftest import fetch_counted, open_client

# 150 image sets (two pages), >100 available products of 1000 tasks (two pages), 250 images.
PARAMS = {"workspaces": 2, "tasks_per_workspace": 500, "active_tasks": 0, "folders": 150}
PARAMS["images"] = 250


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(
        seed=7, scenario="scale", speed=0.0, qps_limit=1000, scenario_params=PARAMS
    ) as s:
        yield s


@pytest.fixture
async def client(sim: SimServer) -> AsyncIterator[KooMapClient]:
    async for c in open_client(sim):
        yield c


def store(sim: SimServer) -> Any:
    return sim.core.stores["demo"]


async def test_folder_source_reads_every_image_set_over_two_pages(
    client: KooMapClient, sim: SimServer
) -> None:
    result = await fetch_counted(client, FolderSource(client))
    expected = {f.code for f in store(sim).folders.values()}
    assert len(expected) == 150
    assert set(result.items) == expected
    assert result.requests == 2


async def test_product_source_reads_products_and_refined_products(
    client: KooMapClient, sim: SimServer
) -> None:
    result = await fetch_counted(client, ProductSource(client))
    products = {product_key(Kind.PRODUCT, p) for p in store(sim).products}
    refined = {product_key(Kind.REFINE_PRODUCT, r) for r in store(sim).refine_products}
    assert len(products) > 100  # more than one page
    assert set(result.items) == products | refined
    pages = math.ceil(len(products) / 100) + max(1, math.ceil(len(refined) / 100))
    assert result.requests == pages
    row = result.items[next(iter(products))]
    assert row.kind is Kind.PRODUCT and row.state == str(row.product.status.value)


async def test_satellite_image_source_fills_the_list_within_its_budget(
    client: KooMapClient, sim: SimServer
) -> None:
    source = SatelliteImageSource(client, budget=2)
    first = await fetch_counted(client, source)
    assert first.requests == 1 and first.meta["total"] == 250 and not first.meta["complete"]
    result, cycles = first, 1
    while not result.meta["complete"]:
        result = await fetch_counted(client, source, result.items)
        cycles += 1
        assert result.requests <= 2
    assert cycles == 3  # page 0 on screen each cycle, plus one unread page per cycle
    names = {img.image_name for img in result.items.values()}
    assert names == {i.name for i in store(sim).images.values()}
    assert set(result.items) == {position_key(i) for i in range(250)}


async def test_satellite_source_keeps_compact_rows_that_read_as_the_images(
    client: KooMapClient,
) -> None:
    source = SatelliteImageSource(client, budget=3)
    result = await fetch_counted(client, source)
    page = await client.list_image_base_info(offset=0, limit=100)
    assert len(page.data_info) == 100
    for i, info in enumerate(page.data_info):
        item = result.items[position_key(i)]
        assert isinstance(item, CompactImage)  # not 100,000 pydantic models
        image = ImageRow(i, item).image
        assert isinstance(image, ImageInfo)  # what the screen's gates and downloads are given
        for name in CompactImage._fields:
            assert getattr(image, name) == getattr(info, name), name
    assert ImageRow(0).image is None


async def test_satellite_source_replaces_only_the_images_that_changed() -> None:
    client = _Pages(300)
    source = SatelliteImageSource(client, budget=1)  # type: ignore[arg-type]
    first = await source.fetch(None)
    kept = dict(first.items)
    client.moving = {5}
    again = await source.fetch(first.items)  # page 0 again: it is on screen
    assert again.items[position_key(5)] is not kept[position_key(5)]
    assert str(again.items[position_key(5)].image_status) == "1"
    # Unchanged images keep their objects, so the poller's diff of 100,000 rows stops at `is`.
    assert all(again.items[k] is kept[k] for k in kept if k != position_key(5))


class _Pages:
    """A stand-in client for the read order alone: `total` images, records the offsets read."""

    def __init__(self, total: int, moving: set[int] = frozenset()) -> None:  # type: ignore[assignment]
        self.total = total
        self.moving = moving
        self.offsets: list[int] = []

    async def list_image_base_info(
        self, query: Any = None, *, offset: int = 0, limit: int = 10
    ) -> Any:
        from koomap_tui.api.models import ImageInfoList

        self.offsets.append(offset)
        data = [
            {"image_id": f"{i:032x}", "image_status": "1" if i in self.moving else "0"}
            for i in range(offset, min(offset + limit, self.total))
        ]
        return ImageInfoList.model_validate(
            {"data_info": data, "page": {"offset": offset, "limit": limit, "total": self.total}}
        )


async def test_satellite_source_reads_view_then_moving_then_unread_pages() -> None:
    client = _Pages(100_000, moving={150})
    source = SatelliteImageSource(client, budget=8)  # type: ignore[arg-type]
    result = await source.fetch(None)
    assert client.offsets == [0] and result.meta["total"] == 100_000
    assert source.set_view(50_000, 50_040)  # unread rows on screen
    client.offsets.clear()
    result = await source.fetch(None)
    assert client.offsets == [50_000]  # the screen's page alone: shown after one request
    assert result.items[position_key(50_040)].image_id == f"{50_040:032x}"
    assert not source.set_view(50_000, 50_040)
    client.offsets.clear()
    await source.fetch(None)
    pages = [o // 100 for o in client.offsets]
    assert pages[0] == 500  # the screen first
    assert len(pages) == 8 and len(set(pages)) == 8
    assert all(p >= 500 for p in pages[1:])  # then unread pages nearest the view
    # Page 1 holds a moving image once read; it is re-read before further unread pages.
    source.set_view(100, 120)
    await source.fetch(None)
    client.offsets.clear()
    await source.fetch(None)
    pages = [o // 100 for o in client.offsets]
    assert pages[0] == 1 and len(pages) == 8
    assert len(source.read_at) < source.page_count  # never everything in one go


async def test_satellite_source_jumps_to_the_view_while_a_cycle_is_reading() -> None:
    client = _Pages(100_000)
    source = SatelliteImageSource(client, budget=8)  # type: ignore[arg-type]
    await source.fetch(None)
    real_read = client.list_image_base_info

    async def read_then_jump(query: Any = None, *, offset: int = 0, limit: int = 10) -> Any:
        page = await real_read(query, offset=offset, limit=limit)
        if len(client.offsets) == 3:  # `G` pressed while the background fill is reading
            source.set_view(99_960, 99_999)
        return page

    client.list_image_base_info = read_then_jump  # type: ignore[method-assign]
    client.offsets.clear()
    result = await source.fetch(None)
    pages = [o // 100 for o in client.offsets]
    assert pages == [0, 1, 2, 999]  # the last page right after the one in flight, then done
    assert result.items[position_key(99_999)].image_id == f"{99_999:032x}"
    assert result.requests == 4


async def test_satellite_source_drops_a_background_read_that_holds_up_a_jump() -> None:
    client = _Pages(100_000)
    source = SatelliteImageSource(client, budget=8)  # type: ignore[arg-type]
    await source.fetch(None)
    real_read = client.list_image_base_info
    never = asyncio.Event()  # a background read stuck waiting (for a rate-limiter token)
    cancelled: list[int] = []

    async def slow_unless_last(query: Any = None, *, offset: int = 0, limit: int = 10) -> Any:
        if offset not in (0, 99_900):  # page 0 is on screen, 999 is where `G` goes
            try:
                await never.wait()
            except asyncio.CancelledError:
                cancelled.append(offset)
                raise
        return await real_read(query, offset=offset, limit=limit)

    client.list_image_base_info = slow_unless_last  # type: ignore[method-assign]
    client.offsets.clear()
    cycle = asyncio.create_task(source.fetch(None))
    while not client.offsets:  # page 0 (on screen) answered; page 1 is stuck
        await asyncio.sleep(0)
    for _ in range(5):
        await asyncio.sleep(0)
    assert not cycle.done()
    source.set_view(99_960, 99_999)  # `G`
    result = await asyncio.wait_for(cycle, timeout=10)
    assert client.offsets == [0, 99_900]
    assert cancelled == [100]  # the read that held the cycle up was dropped, not waited for
    assert result.items[position_key(99_999)].image_id == f"{99_999:032x}"
    assert 999 in source.read_at


async def test_satellite_source_refreshes_stalest_pages_once_complete() -> None:
    client = _Pages(450)
    source = SatelliteImageSource(client, budget=3)  # type: ignore[arg-type]
    while not source.complete:
        await source.fetch(None)
    assert len(source.items) == 450
    client.offsets.clear()
    for _ in range(3):
        await source.fetch(None)
    counts = {o // 100: client.offsets.count(o) for o in set(client.offsets)}
    assert set(counts) == {0, 1, 2, 3, 4}  # rolling refresh reaches every page
    client.total = 320  # images deleted elsewhere: rows past the end disappear
    await source.fetch(None)
    assert source.total == 320 and max(int(k) for k in source.items) < 320
    client.total = 0  # an empty list is still watched, one request a cycle
    await source.fetch(None)
    assert source.items == {} and source.plan() == [0]
