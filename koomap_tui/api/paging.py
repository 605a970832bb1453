"""Walking every page of a KooMap list operation.

Every list answer carries ``page = {offset, limit, total}`` next to one list of items whose name
differs per operation (``data``, ``tasks``, ``subtasks``, ``spurInfos``, ...).  Paging is by
record offset, at most 100 per page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

#: Largest page the API accepts (``limit`` 1..100).
MAX_PAGE_SIZE = 100

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


def page_total(result: Any) -> int | None:
    page = getattr(result, "page", None)
    total = getattr(page, "total", None)
    return total if isinstance(total, int) else None


async def paginate(
    method: Callable[..., Awaitable[Any]],
    *args: Any,
    page_size: int = MAX_PAGE_SIZE,
    offset: int = 0,
    max_items: int | None = None,
    **kwargs: Any,
) -> AsyncIterator[Any]:
    """Yield every item of every page of ``method(*args, offset=, limit=, **kwargs)``.

    Stops when the offset reaches ``page.total``, when a page comes back empty (the list shrank
    while we walked it), or after ``max_items``.  Items inserted or deleted during the walk can
    shift later pages by a few records; callers that need an exact snapshot dedupe by id.
    """
    limit = max(1, min(page_size, MAX_PAGE_SIZE))
    seen = 0
    while True:
        result = await method(*args, offset=offset, limit=limit, **kwargs)
        items = page_items(result)
        for item in items:
            if max_items is not None and seen >= max_items:
                return
            seen += 1
            yield item
        offset += len(items)
        total = page_total(result)
        if not items or total is None or offset >= total:
            return


class CountedCalls:
    """A list method that counts the requests made through it and keeps the last answer.

    Poll sources report what a cycle cost, and some answers carry more than their items (the
    satellite list's per-state counts, a spur list's total): wrap the method, hand the wrapper
    to ``paginate``, and read ``requests`` and ``last`` afterwards.
    """

    def __init__(self, method: Callable[..., Awaitable[Any]]) -> None:
        self.method = method
        self.requests = 0
        self.last: Any = None

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.requests += 1  # a request that fails still cost one
        self.last = await self.method(*args, **kwargs)
        return self.last
