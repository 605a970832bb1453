"""The CreateTask body from the create form's values, refused until cleanly validated."""

from __future__ import annotations

from typing import Any

import pytest

from koomap_tui.api.models import ImageCheckResult
from koomap_tui.domain.satellite_task import (
    create_body,
    product_names,
    results_summary,
    split_ids,
)

IDS = ["a" * 32, "b" * 32]
WS = "e" * 32
OK = [ImageCheckResult(name="P1", data_id=IDS[0]), ImageCheckResult(name="P1", data_id=IDS[1])]
FIELDS: dict[str, Any] = {
    "task_name": "north_1", "task_description": "", "production_level": "L2",
    "coordination": "WGS84", "csv_ids": "", "shape_id": "", "is_clip": False, "is_tile": True,
}  # fmt: skip


def body(**changes: Any) -> Any:
    args: dict[str, Any] = {
        "fields": FIELDS, "products": {"P1": ("alias1", "")}, "results": OK,
        "still_validated": True,
    }  # fmt: skip
    args.update(changes)
    return create_body(WS, IDS, args.pop("fields"), args.pop("products"), args.pop("results"),
                       still_validated=args.pop("still_validated"))  # fmt: skip


def test_a_clean_validation_gives_the_body_with_one_alias_per_product() -> None:
    assert product_names(OK) == ["P1"]
    created = body()
    assert created.data_alias == {"P1": "alias1"}
    assert created.data_description == {"P1": None}
    assert (created.workspace_id, created.task_type, list(created.data_ids)) == (
        WS,
        "ORSIP",
        IDS,
    )
    assert (created.is_clip, created.is_tile) == (False, True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"results": None}, "validate the images first"),
        ({"still_validated": False}, "selection changed"),
        ({"results": [ImageCheckResult(name="P1", error_message="bad band")]}, "1 image file"),
        ({"fields": {**FIELDS, "csv_ids": "short, " + "c" * 32}}, "csv_ids: not a 32-character"),
        ({"products": {"P1": ("", "")}}, "data_alias: give an alias for P1"),
    ],
)
def test_refusals_name_what_to_do(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        body(**changes)


def test_ids_split_on_commas_and_spaces_and_the_verdict_counts() -> None:
    assert split_ids(" a, b  c,,") == ["a", "b", "c"]
    assert results_summary([]) == "the service returned no results"
    assert results_summary(OK) == "all 2 image file(s) passed validation"
    bad = [*OK, ImageCheckResult(name="P2", error_message="x")]
    assert results_summary(bad) == "1 of 3 image file(s) failed validation"
