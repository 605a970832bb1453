"""A new satellite processing task (CreateTask, ORSIP) from what the create form holds.

ValidateImage is the only place the service says which product image names a selection will
produce (the keys of `data_alias` / `data_description`), so a body is built only after the
current selection has validated cleanly: a change since asks for a new validation instead of
sending names that may no longer apply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from koomap_tui.api.models import ImageCheckResult, SatelliteTaskCreate

SHAPE_OR_CSV_ID = re.compile(r"[a-z0-9]{32}")


def split_ids(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\s]+", text) if part.strip()]


def results_summary(results: Sequence[ImageCheckResult]) -> str:
    bad = [r for r in results if not r.ok]
    if not results:
        return "the service returned no results"
    if not bad:
        return f"all {len(results)} image file(s) passed validation"
    return f"{len(bad)} of {len(results)} image file(s) failed validation"


def product_names(results: Sequence[ImageCheckResult]) -> list[str]:
    """The product images a clean validation announced, once each, in its order."""
    return list(dict.fromkeys(r.name for r in results if r.ok and r.name))


def create_body(
    workspace_id: str,
    data_ids: Sequence[str],
    fields: Mapping[str, Any],
    products: Mapping[str, tuple[str, str]],
    results: Sequence[ImageCheckResult] | None,
    *,
    still_validated: bool,
) -> SatelliteTaskCreate:
    """The request body; raises ValueError / ValidationError with operator-facing text.

    `fields` are the form's values by field id; `products` maps each product image name to the
    (alias, description) typed for it; `still_validated` says the selection is unchanged since
    `results` came back."""
    if results is None:
        raise ValueError("validate the images first (F5)")
    if not still_validated:
        raise ValueError("the selection changed since it was validated: validate again (F5)")
    bad = [r for r in results if not r.ok]
    if bad:
        raise ValueError(
            f"{len(bad)} image file(s) failed validation; change the selection and validate"
        )
    csv_ids = split_ids(fields["csv_ids"])
    wrong = [c for c in csv_ids if not SHAPE_OR_CSV_ID.fullmatch(c)]
    if wrong:
        raise ValueError(f"csv_ids: not a 32-character id: {', '.join(wrong[:3])}")
    for name, (alias, _) in products.items():
        if not alias:
            raise ValueError(f"data_alias: give an alias for {name}")
    return SatelliteTaskCreate.model_validate(
        {
            "task_name": fields["task_name"],
            "task_type": "ORSIP",
            "workspace_id": workspace_id,
            "data_ids": list(data_ids),
            "shape_id": fields["shape_id"] or None,
            "production_level": fields["production_level"],
            "task_description": fields["task_description"] or None,
            "data_alias": {name: alias for name, (alias, _) in products.items()},
            "coordination": fields["coordination"],
            "data_description": {name: desc or None for name, (_, desc) in products.items()},
            "csv_ids": csv_ids,
            "isClip": "1" if fields["is_clip"] else "0",
            "isTile": "1" if fields["is_tile"] else "0",
        }
    )
