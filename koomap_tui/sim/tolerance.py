"""Tolerance mode: answers as loose as the official SDK's types allow the real service to be.

The production service cannot be reached from here, so this mode makes the simulator send the
variations a tolerant client must survive (issue 12 §3), deterministically per row so that
repeated polls agree:

* numbers as strings (``"total": "12"``, ``"complete_stage": "3"``, counts as strings);
* nulls where the SDK allows them (progress, modeling parameter fields, one overview count);
* ``modeling_params`` as ``{}`` or with ``"500"`` (outside the create range);
* progress outside 0..1 (``"1.05"``);
* an unknown state on about one row in ten (``<STATE>_V2``);
* extra fields everywhere (``x_tolerance``).

Ids, names and times are never changed: the console must still be able to act on the rows.
"""

from __future__ import annotations

import zlib
from typing import Any

EXTRA_FIELD = "x_tolerance"
UNKNOWN_SUFFIX = "_V2"

_ID_KEYS = ("task_id", "subtask_id", "workspace_id", "id", "image_id", "folder_code")
_STATUS_KEYS = ("task_status", "subtask_status")
_PROGRESS_KEYS = ("task_progress", "AT_progress", "subtask_progress")
_COUNT_KEYS = (
    "total_count",
    "running_count",
    "success_count",
    "failed_count",
    "archived_count",
    "total",
    "finished",
    "unfinished",
)


def _variant(row: dict[str, Any]) -> int:
    key = next((str(row[k]) for k in _ID_KEYS if row.get(k) is not None), "")
    return zlib.crc32(key.encode()) % 10


def _numbers_as_text(row: dict[str, Any]) -> None:
    for key, value in list(row.items()):
        if isinstance(value, int) and not isinstance(value, bool) and key not in _ID_KEYS:
            row[key] = str(value)


def vary_row(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out[EXTRA_FIELD] = {"note": "field unknown to the console", "n": 1}
    variant = _variant(row)
    if variant in (0, 5):
        _numbers_as_text(out)
    elif variant == 1:
        for key in _PROGRESS_KEYS:
            if key in out:
                out[key] = None
        if "modeling_params" in out:
            out["modeling_params"] = {}
    elif variant == 2:
        for key in _STATUS_KEYS:
            if isinstance(out.get(key), str):
                out[key] = out[key] + UNKNOWN_SUFFIX
    elif variant == 3:
        if isinstance(out.get("modeling_params"), dict):
            out["modeling_params"] = {
                **out["modeling_params"],
                "key_point_limit": "500",
                "accuracy": None,
            }
    elif variant == 4:
        for key in _PROGRESS_KEYS:
            if key in out:
                out[key] = "1.05"
    return out


def _vary_counts(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    nulled = False
    for key in _COUNT_KEYS:
        if isinstance(out.get(key), int):
            if not nulled and key != "total_count" and key != "total":
                out[key] = None  # one count the server "did not fill"
                nulled = True
            else:
                out[key] = str(out[key])
    return out


def vary(result: Any) -> Any:
    """The same answer with tolerance variations (lists of rows, pages, overview counts)."""
    if not isinstance(result, dict):
        return result
    out: dict[str, Any] = {}
    for key, value in result.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out[key] = [vary_row(v) for v in value]
        elif key == "page" and isinstance(value, dict):
            out[key] = {k: str(v) if isinstance(v, int) else v for k, v in value.items()}
        else:
            out[key] = value
    if any(k in out for k in _COUNT_KEYS):
        out = _vary_counts(out)
    elif any(k in out for k in _STATUS_KEYS):
        out = vary_row(out)  # a single object answer (create/start/update)
    out[EXTRA_FIELD] = "extra top-level field"
    return out
