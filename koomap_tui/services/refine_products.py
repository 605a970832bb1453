"""The state of the refined products that subtasks name (the subtask carries only the id)."""

from __future__ import annotations

from collections.abc import Iterable

from koomap_tui.api.client import KooMapClient
from koomap_tui.domain.states import state_key


async def refine_product_states(
    client: KooMapClient, task_name: str | None, product_ids: Iterable[str]
) -> dict[str, str]:
    """Product id -> state word of each of `product_ids` the service still lists.

    By the task's name one paged listing answers for all of them; a task without a name is
    asked product by product. Raises KooMapError."""
    wanted = set(product_ids)
    found: dict[str, str] = {}
    if task_name:
        async for product in client.paginate(
            client.list_real3d_refine_products, task_name=task_name
        ):
            if product.id in wanted:
                found[product.id] = state_key(product.status)
        return found
    for pid in sorted(wanted):
        page = await client.list_real3d_refine_products(refine_product_id=pid)
        for product in page.refine_products:
            found[product.id] = state_key(product.status)
    return found
