"""Walking every page of a KooMap list operation, with bounds a hostile server cannot move.

Every list answer carries ``page = {offset, limit, total}`` next to one list of items whose name
differs per operation (``data``, ``tasks``, ``subtasks``, ``spurInfos``, ...).  Paging is by
record offset, at most 100 per page.

The walk ends normally when a page comes back with fewer rows than asked (the last page) or
when the offset reaches ``page.total``. It never trusts ``total`` alone: a server answering
``total: 10**9`` with full pages forever would otherwise be paged without end. So it also
stops at the documented quota of the list (500 workspaces per tenant, 500 tasks per workspace,
10 subtasks per task: SPEC §13) and after a page budget, and then raises `PagingError` with the
reason instead of returning a silently truncated list.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final

from koomap_tui.api.errors import PagingError

#: Largest page the API accepts (``limit`` 1..100).
MAX_PAGE_SIZE = 100

#: Pages one walk may read whatever ``total`` says (100,000 rows at 100 a page).
PAGE_BUDGET: Final = 1000

#: Documented upper bounds of list sizes (SPEC §13), by client method name.
QUOTAS: Final[dict[str, int]] = {
    "list_common_workspace": 500,
    "list_tasks_in_workspace": 500,
    "list_real3d_subtasks": 10,
}

# Attribute names (python side) of the item lists of the list models, in the contract's order.
_ITEM_FIELDS = (
    "data",
    "tasks",
    "subtasks",
    "spur_infos",
    "folders",
    "products",
    "refine_products",
    "data_info",
)


def page_items(result: Any) -> list[Any]:
    """The item list of a list answer, whatever the operation calls it."""
    for name in _ITEM_FIELDS:
        items = getattr(result, name, None)
        if isinstance(items, list):
            return items
    raise TypeError(f"{type(result).__name__} is not a paged list answer")


def page_rows(result: Any) -> int:
    """Rows the server sent on a page: good items plus rows kept aside as unreadable."""
    return len(page_items(result)) + len(getattr(result, "bad_rows", ()) or ())


def page_total(result: Any) -> int | None:
    page = getattr(result, "page", None)
    total = getattr(page, "total", None)
    return total if isinstance(total, int) else None


def quota_for(method: Callable[..., Any]) -> int | None:
    """The documented bound of a client list method, also through a `CountedCalls` wrapper."""
    inner = getattr(method, "method", method)
    return QUOTAS.get(getattr(inner, "__name__", ""))


async def walk_pages(
    method: Callable[..., Awaitable[Any]],
    *args: Any,
    page_size: int = MAX_PAGE_SIZE,
    offset: int = 0,
    quota: int | None = None,
    page_budget: int = PAGE_BUDGET,
    **kwargs: Any,
) -> AsyncIterator[Any]:
    """Yield each page (the list answer) of ``method(*args, offset=, limit=, **kwargs)``.

    ``quota`` defaults to the documented bound of the method (`QUOTAS`). Raises `PagingError`
    when the quota is reached while the server still claims more rows, or after
    ``page_budget`` pages.
    """
    limit = max(1, min(page_size, MAX_PAGE_SIZE))
    quota = quota_for(method) if quota is None else quota
    name = getattr(getattr(method, "method", method), "__name__", "list")
    rows_read = 0
    pages = 0
    total: int | None = None
    while True:
        if pages >= page_budget:
            raise PagingError(
                f"{name}: stopped after {pages} pages ({rows_read} rows) and the server still "
                f"claims more (total {total}); the list is incomplete",
                name,
                items_read=rows_read,
            )
        result = await method(*args, offset=offset, limit=limit, **kwargs)
        pages += 1
        rows = page_rows(result)
        rows_read += rows
        yield result
        offset += rows
        total = page_total(result)
        if rows < limit or total is None or offset >= total:
            return
        if quota is not None and rows_read >= quota:
            raise PagingError(
                f"{name}: the server claims {total} rows but at most {quota} can exist "
                f"(documented quota); stopped after {rows_read} rows",
                name,
                items_read=rows_read,
            )


async def paginate(
    method: Callable[..., Awaitable[Any]],
    *args: Any,
    page_size: int = MAX_PAGE_SIZE,
    offset: int = 0,
    max_items: int | None = None,
    quota: int | None = None,
    page_budget: int = PAGE_BUDGET,
    **kwargs: Any,
) -> AsyncIterator[Any]:
    """Yield every item of every page of ``method(*args, offset=, limit=, **kwargs)``.

    The bounds of `walk_pages` apply. Items inserted or deleted during the walk can shift later
    pages by a few records; callers that need an exact snapshot dedupe by id. Rows that could
    not be parsed are not yielded (they are on each page's ``bad_rows``).
    """
    seen = 0
    async for result in walk_pages(
        method,
        *args,
        page_size=page_size,
        offset=offset,
        quota=quota,
        page_budget=page_budget,
        **kwargs,
    ):
        for item in page_items(result):
            if max_items is not None and seen >= max_items:
                return
            seen += 1
            yield item


class CountedCalls:
    """A list method that counts the requests made through it and keeps the last answer.

    Poll sources report what a cycle cost, and some answers carry more than their items (the
    satellite list's per-state counts, a spur list's total): wrap the method, hand the wrapper
    to ``paginate``, and read ``requests``, ``last`` and ``bad_rows`` (the unreadable rows of
    every page, which ``paginate`` does not yield) afterwards.
    """

    def __init__(self, method: Callable[..., Awaitable[Any]]) -> None:
        self.method = method
        self.requests = 0
        self.last: Any = None
        self.bad_rows: list[Any] = []

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.requests += 1  # a request that fails still cost one
        self.last = await self.method(*args, **kwargs)
        self.bad_rows.extend(getattr(self.last, "bad_rows", ()) or ())
        return self.last
