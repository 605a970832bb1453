"""What one Real3D task is linked to: the image set it is built from and the products made
from it (the task detail's links). Read when the detail opens and on refresh, never polled."""

from __future__ import annotations

from dataclasses import dataclass

from koomap_tui.api.client import KooMapClient
from koomap_tui.api.models import Folder, Real3DProduct, Real3DTask

LINKED = 500  # the image set and products are looked for in the first 500 of each list


@dataclass(frozen=True)
class TaskLinks:
    folder: Folder | None  # None: no image set bound, or not among the first LINKED
    products: list[Real3DProduct]


async def task_links(client: KooMapClient, task: Real3DTask) -> TaskLinks:
    """Raises KooMapError."""
    folder = None
    if task.folder_code:
        async for row in client.paginate(client.list_folder, max_items=LINKED):
            if row.folder_code == task.folder_code:
                folder = row
                break
    products = [
        p
        async for p in client.paginate(client.list_real3d_products, max_items=LINKED)
        if p.task_info and p.task_info.task_id == task.task_id
    ]
    return TaskLinks(folder, products)
