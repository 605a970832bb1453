"""What the data view does with a row, whatever its tab: the action target, the text `/`
matches, the download it asks for, and the satellite rows kept in list order."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from koomap_tui.api.models import Folder, ImageInfo
from koomap_tui.domain.policy import Kind
from koomap_tui.domain.states import state_key
from koomap_tui.services.actions import Target
from koomap_tui.services.downloads import (
    DownloadError,
    DownloadRequest,
    ObsLocator,
    image_request,
    product_request,
)
from koomap_tui.services.poller import PollUpdate
from koomap_tui.services.sources.data import ImageRow, ProductRow, position_key


def obs_locator(configured: ObsLocator | None, demo: bool, api_url: str) -> ObsLocator | None:
    """Where product and image files are: configured, or the simulator in demo mode."""
    if configured is not None:
        return configured
    return ObsLocator(api_url) if demo else None


def download_dir(configured: str | Path | None) -> Path:
    return Path(configured).expanduser() if configured else Path.home() / "Downloads" / "koomap"


def download_request(row: Any, locator: ObsLocator | None, dest: Path) -> DownloadRequest:
    if locator is None:
        raise DownloadError("no OBS endpoint is configured")
    if isinstance(row, ProductRow):
        return product_request(row.product, locator, dest)
    if isinstance(row, ImageInfo):
        return image_request(row, locator, dest)
    raise DownloadError("nothing to download here")


def target_of(row: Any) -> Target | None:
    if isinstance(row, Folder):
        return Target(Kind.FOLDER, row.folder_code, state_key(row.status), row.folder_name or "")
    if isinstance(row, ProductRow):
        return Target(row.kind, row.id, row.state, row.name)
    if isinstance(row, ImageInfo):
        state = state_key(row.image_status)
        return Target(Kind.SATELLITE_IMAGE, row.image_id, state, row.image_name or "")
    return None


def search_text(row: Any) -> str:
    if isinstance(row, Folder):
        return f"{row.folder_name or ''} {row.folder_code} {row.folder_alias or ''}"
    if isinstance(row, ProductRow):
        return f"{row.name} {row.id} {row.task_name}"
    image = row.image if isinstance(row, ImageRow) else None
    if image is None:  # a row whose page is not read yet matches nothing
        return ""
    return f"{image.image_name or ''} {image.image_id} {image.image_alias or ''}"


def image_rows(items: Mapping[str, ImageInfo], end: int, start: int = 0) -> dict[str, ImageRow]:
    """One row per list position, "…" (no image) where the page has not been read."""
    return {position_key(i): ImageRow(i, items.get(position_key(i))) for i in range(start, end)}


def image_row_changes(
    update: PollUpdate[ImageInfo], shown: int
) -> tuple[dict[str, ImageRow], dict[str, ImageRow], list[str]]:
    """(added, changed, removed) rows for a satellite table that shows `shown` positions.

    The list grew or shrank elsewhere: rows are added or dropped at the end only, so the
    operator's position in a long list stays put."""
    total = int(update.meta.get("total", 0))
    items = update.items
    touched = (set(update.added) | set(update.changed)) - {
        k for k in update.added if int(k) >= shown
    }
    changed = {k: ImageRow(int(k), items[k]) for k in touched if int(k) < min(total, shown)}
    changed.update({k: ImageRow(int(k)) for k in update.removed if int(k) < min(total, shown)})
    added = image_rows(items, total, start=shown)
    removed = [position_key(i) for i in range(total, shown)]
    return added, changed, removed
