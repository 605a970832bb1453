"""Poll sources of the data view: oblique image sets, Real3D (refined) products and satellite
images.

The satellite list can hold 100,000 images, so its source never reads everything each cycle:
it reads the pages the operator is looking at first, the pages of images that are still
moving, and a few more unread pages per cycle in the background, all through the client's rate
limiter (docs/downloads.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from koomap_tui.api.client import KooMapClient
from koomap_tui.api.models import (
    Folder,
    ImageInfo,
    ImageInfoList,
    Real3DProduct,
    Real3DRefineProduct,
)
from koomap_tui.api.models.satellite_compact import CompactImage, as_image_info
from koomap_tui.api.paging import CountedCalls
from koomap_tui.api.ratelimit import URGENT
from koomap_tui.domain.policy import Kind
from koomap_tui.domain.states import is_active, state_key
from koomap_tui.services.poller import FetchResult

PAGE = 100


def _status(value: object) -> str:
    return state_key(value)


class FolderSource:
    """All oblique image sets (ListFolder)."""

    key = "data:folders"

    def __init__(self, client: KooMapClient) -> None:
        self.client = client

    def is_active(self, item: Folder) -> bool:
        return is_active(Kind.FOLDER, item.status)

    async def fetch(self, previous: Mapping[str, Folder] | None) -> FetchResult[Folder]:
        calls = CountedCalls(self.client.list_folder)
        items = {f.folder_code: f async for f in self.client.paginate(calls, page_size=PAGE)}
        return FetchResult(items, calls.requests)


@dataclass(frozen=True)
class ProductRow:
    """A product or refined product in the shared products table."""

    kind: Kind
    product: Real3DProduct | Real3DRefineProduct

    @property
    def id(self) -> str:
        return self.product.id

    @property
    def state(self) -> str:
        return _status(self.product.status)

    @property
    def name(self) -> str:
        return self.product.name or self.product.id

    @property
    def size(self) -> float | None:
        p = self.product
        if p.storage_size_byte is not None:
            return p.storage_size_byte
        sizes = [d.storage_size_byte for d in p.product_detail if d.storage_size_byte is not None]
        return sum(sizes) if sizes else None

    @property
    def file_count(self) -> int:
        return len({f for d in self.product.product_detail for f in d.files})

    @property
    def task_name(self) -> str:
        info = self.product.task_info
        return (info.task_name or "") if info else ""


def product_key(kind: Kind, product_id: str) -> str:
    return f"{'p' if kind is Kind.PRODUCT else 'r'}:{product_id}"


class ProductSource:
    """Real3D products and refined products together (ListReal3DProducts + ...RefineProducts)."""

    key = "data:products"

    def __init__(self, client: KooMapClient) -> None:
        self.client = client

    def is_active(self, item: ProductRow) -> bool:
        return is_active(item.kind, item.state)

    async def fetch(self, previous: Mapping[str, ProductRow] | None) -> FetchResult[ProductRow]:
        products = CountedCalls(self.client.list_real3d_products)
        refined = CountedCalls(self.client.list_real3d_refine_products)
        items: dict[str, ProductRow] = {}
        async for p in self.client.paginate(products, page_size=PAGE):
            items[product_key(Kind.PRODUCT, p.id)] = ProductRow(Kind.PRODUCT, p)
        async for r in self.client.paginate(refined, page_size=PAGE):
            items[product_key(Kind.REFINE_PRODUCT, r.id)] = ProductRow(Kind.REFINE_PRODUCT, r)
        return FetchResult(items, products.requests + refined.requests)


def position_key(position: int) -> str:
    return f"{position:07d}"


class ImageRow(NamedTuple):
    """A row of the satellite list: its position, and the image once its page has been read
    (kept compact: 100,000 rows of full `ImageInfo` models would be ~100 MB)."""

    position: int
    data: CompactImage | ImageInfo | None = None

    @property
    def image(self) -> ImageInfo | None:
        """The image as an `ImageInfo` (the fields the list keeps), for code written for it."""
        data = self.data
        return as_image_info(data) if isinstance(data, CompactImage) else data


class SatelliteImageSource:
    """Satellite images (ListImageBaseInfo), read page by page, viewport first.

    Items are keyed by list position. When rows on screen were never read (the operator jumped,
    e.g. `G`), a cycle reads just those pages and ends, and a cycle already reading switches
    to them after its current page. Otherwise each cycle reads, in this order and never more
    than `budget` pages: the pages on screen, pages holding images in a moving state (迁入中,
    迁出中, 删除中), then unread pages (background fill), then, once everything has been read,
    the pages read longest ago (a rolling refresh). So the first screenful costs one or two
    requests and a 100,000-image list costs `budget` requests per cycle, never 1,000.
    """

    key = "data:images"

    def __init__(self, client: KooMapClient, *, budget: int = 8, page_size: int = PAGE) -> None:
        self.client = client
        self.budget = budget
        self.page_size = page_size
        self.total: int | None = None
        self.items: dict[str, CompactImage] = {}
        self.read_at: dict[int, int] = {}  # page -> cycle number it was last read in
        self.view: tuple[int, int] = (0, 0)  # first and last position on screen
        self.cycle = 0
        self._active_pages: set[int] = set()
        self._jumped = asyncio.Event()  # set when the view moves to unread rows

    @property
    def page_count(self) -> int:
        return 0 if not self.total else (self.total + self.page_size - 1) // self.page_size

    @property
    def complete(self) -> bool:
        return self.total is not None and len(self.read_at) >= self.page_count

    def is_active(self, item: CompactImage | ImageInfo) -> bool:
        return is_active(Kind.SATELLITE_IMAGE, item.image_status)

    def view_pages(self) -> list[int]:
        first, last = self.view
        return list(range(first // self.page_size, last // self.page_size + 1))

    def set_view(self, first: int, last: int) -> bool:
        """The operator looks at positions first..last; True when some of them are unread."""
        self.view = (max(0, first), max(first, last))
        unread = bool(self.unread_view_pages())
        if unread:
            self._jumped.set()
        return unread

    def unread_view_pages(self) -> list[int]:
        n = self.page_count
        return [p for p in self.view_pages() if p < n and p not in self.read_at]

    def plan(self) -> list[int]:
        """The pages this cycle reads, most wanted first."""
        if not self.total:  # unknown, or empty: the first page tells whether that changed
            return [0]
        n = self.page_count
        wanted: list[int] = []

        def add(pages: list[int]) -> None:
            for p in pages:
                if 0 <= p < n and p not in wanted and len(wanted) < self.budget:
                    wanted.append(p)

        view = self.unread_view_pages()
        if view:
            # Rows on screen that were never read (a jump, `G`): read just those and end the
            # cycle, so they are shown after one request, not after the whole budget.
            return view[: self.budget]
        add(self.view_pages())
        # Moving images are re-read stalest first, but never with more than half of what is
        # left, so that the background fill always progresses.
        share = max(1, (self.budget - len(wanted)) // 2)
        moving = sorted(self._active_pages, key=lambda p: self.read_at.get(p, -1))
        add(moving[:share])
        unread = [p for p in range(n) if p not in self.read_at]
        first = self.view[0] // self.page_size
        add(sorted(unread, key=lambda p: (p < first, abs(p - first)))[: self.budget])
        if len(wanted) < self.budget and not unread:
            stale = sorted(self.read_at, key=lambda p: self.read_at[p])
            add(stale[: self.budget - len(wanted)])
        return wanted

    async def fetch(self, previous: Mapping[str, CompactImage] | None) -> FetchResult[CompactImage]:
        self.cycle += 1
        requests = 0
        plan = self.plan()
        while plan and requests < self.budget:
            page_no = plan.pop(0)
            requests += 1  # counted even if it gives way: it may have been sent
            page = await self._read(page_no)
            if page is not None:
                self._place(page_no, page.data_info, page.page.total)
            # The operator jumped to unread rows while this cycle was reading (a refresh asked
            # for meanwhile would only run after the cycle): read those next and end the cycle.
            jump = self.unread_view_pages()
            if jump and plan[: len(jump)] != jump:
                plan = jump
        meta = {"total": self.total or 0, "complete": self.complete, "pages": len(self.read_at)}
        return FetchResult(dict(self.items), requests, meta)

    async def _read(self, page_no: int) -> ImageInfoList | None:
        """One page; None when the operator jumped to unread rows meanwhile. A page that is
        not on screen gives way: at the rate limit it is mostly waiting for a token, and the
        rows on screen would wait for it (measured: ~50 ms of `G`'s ~170 ms). A page on screen
        is read as urgent: it goes before background reads at the rate limiter."""
        on_screen = page_no in self.view_pages()
        urgent = URGENT.set(True) if on_screen else None
        try:  # the task copies the context now: only this read is urgent
            read = asyncio.ensure_future(
                self.client.list_image_base_info(
                    offset=page_no * self.page_size, limit=self.page_size
                )
            )
        finally:
            if urgent is not None:
                URGENT.reset(urgent)
        if on_screen:
            return await read
        self._jumped.clear()
        jumped = asyncio.ensure_future(self._jumped.wait())
        try:
            await asyncio.wait({read, jumped}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # this cycle was cancelled: so is its read
            read.cancel()
            raise
        finally:
            jumped.cancel()
        if read.done():
            return read.result()
        read.cancel()
        await asyncio.wait({read})
        return None

    def _place(self, page_no: int, images: list[ImageInfo], total: int) -> None:
        if total != self.total:
            self.total = total
            limit = self.page_count
            self.read_at = {p: c for p, c in self.read_at.items() if p < limit}
            self.items = {k: v for k, v in self.items.items() if int(k) < total}
        self.read_at[page_no] = self.cycle
        start = page_no * self.page_size
        moving = False
        for i in range(self.page_size):
            key = position_key(start + i)
            if i < len(images):
                image = CompactImage.of(images[i])
                if self.items.get(key) != image:  # unchanged rows keep their object (cheap diff)
                    self.items[key] = image
                moving = moving or self.is_active(image)
            else:
                self.items.pop(key, None)
        if moving:
            self._active_pages.add(page_no)
        else:
            self._active_pages.discard(page_no)
