"""The data view's rows without a screen: targets, `/` text, downloads, satellite row diffs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from koomap_tui.api.models import Folder, ImageInfo
from koomap_tui.domain.policy import Kind
from koomap_tui.services.data_items import (
    download_dir,
    download_request,
    image_row_changes,
    image_rows,
    obs_locator,
    search_text,
    target_of,
)
from koomap_tui.services.downloads import DownloadError, ObsLocator
from koomap_tui.services.poller import Freshness, PollUpdate
from koomap_tui.services.sources.data import ImageRow, position_key

FRESH = Freshness(last_ok=1.0, next_at=2.0, errors=0, last_error=None, interval=1.0, paused=False)


def image(i: int) -> ImageInfo:
    return ImageInfo.model_validate(
        {"image_id": f"id{i}", "image_name": f"GF2_{i}", "image_status": "2",
         "image_alias": f"alias{i}"}
    )  # fmt: skip


def update(items: dict[str, ImageInfo], total: int, **kw: Any) -> PollUpdate[ImageInfo]:
    fields: dict[str, Any] = {"added": frozenset(), "changed": {}, "removed": frozenset()}
    fields.update(kw)
    return PollUpdate(
        source="data:images", items=items, fetched_at=1.0, error=None, requests=1,
        freshness=FRESH, meta={"total": total}, **fields,
    )  # fmt: skip


def test_locator_is_configured_or_the_simulator_in_the_demo_only(tmp_path: Path) -> None:
    mine = ObsLocator("https://obs.example")
    assert obs_locator(mine, demo=True, api_url="http://127.0.0.1:1") is mine
    assert obs_locator(None, demo=True, api_url="http://127.0.0.1:1") == ObsLocator(
        "http://127.0.0.1:1"
    )
    assert obs_locator(None, demo=False, api_url="http://127.0.0.1:1") is None
    assert download_dir(tmp_path) == tmp_path
    assert download_dir(None).parts[-2:] == ("Downloads", "koomap")


def test_download_request_refuses_without_locator_and_for_image_sets(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="no OBS endpoint"):
        download_request(image(1), None, tmp_path)
    folder = Folder.model_validate({"folder_code": "f1", "folder_name": "set", "status": "0"})
    with pytest.raises(DownloadError, match="nothing to download"):
        download_request(folder, ObsLocator("http://x"), tmp_path)
    request = download_request(image(1), ObsLocator("http://x"), tmp_path)
    assert request.dest_dir == tmp_path / "images" and request.item_id == "id1"


def test_targets_and_search_text_of_each_row_kind() -> None:
    folder = Folder.model_validate({"folder_code": "f1", "folder_name": "set", "status": "0"})
    set_target = target_of(folder)
    assert set_target is not None
    assert (set_target.kind, set_target.id, set_target.label) == (Kind.FOLDER, "f1", "set")
    assert target_of(image(3)).id == "id3"  # type: ignore[union-attr]
    assert target_of(None) is None
    assert "alias3" in search_text(ImageRow(3, image(3)))
    assert search_text(ImageRow(3)) == ""  # an unread page matches no filter
    assert "f1" in search_text(folder)


def test_satellite_rows_grow_and_shrink_at_the_end_only() -> None:
    items = {position_key(i): image(i) for i in range(3)}
    assert list(image_rows(items, 4).values()) == [
        ImageRow(0, items["0000000"]), ImageRow(1, items["0000001"]),
        ImageRow(2, items["0000002"]), ImageRow(3),
    ]  # fmt: skip
    grown = update(items, 5, changed={position_key(1): frozenset({"image_status"})})
    added, changed, removed = image_row_changes(grown, shown=3)
    assert sorted(added) == [position_key(3), position_key(4)]
    assert changed == {position_key(1): ImageRow(1, items[position_key(1)])}
    assert removed == []
    shrunk = update(items, 2, removed=frozenset({position_key(1)}))
    added, changed, removed = image_row_changes(shrunk, shown=3)
    assert added == {} and removed == [position_key(2)]
    assert changed == {position_key(1): ImageRow(1)}  # read again as "…"
