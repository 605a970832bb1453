"""Parsing and validation of request parameters with the documented ranges.

Every failure raises a 400 `KMP.00011004` SimError naming the parameter (never its value,
which might be long or sensitive).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from koomap_tui.sim.clock import parse_utc
from koomap_tui.sim.errors import bad_param

NAME_CHARS = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9_]*$")
FOLDER_CHARS = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9_.\-]*$")
IMAGE_NAME_CHARS = re.compile(r"^[\u4e00-\u9fa5\w.\-]{0,100}$")
WS_ID = re.compile(r"^[a-z0-9]{32}$")
MAX_OFFSET = 2147483647


class Query:
    """Decoded query string: repeated keys kept in order."""

    __slots__ = ("_pairs",)

    def __init__(self, raw: str) -> None:
        self._pairs: dict[str, list[str]] = {}
        if raw:
            for key, value in parse_qsl(raw, keep_blank_values=True):
                self._pairs.setdefault(key, []).append(value)

    def get(self, name: str) -> str | None:
        values = self._pairs.get(name)
        return values[0] if values else None

    def has(self, name: str) -> bool:
        return name in self._pairs

    def list(self, name: str) -> list[str]:
        """Array parameter: repeated keys and/or comma-separated values."""
        out: list[str] = []
        for value in self._pairs.get(name, ()):
            out.extend(v.strip() for v in value.split(",") if v.strip())
        return out


def to_int(value: Any, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool):
        raise bad_param(name)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
        number = int(value)
    else:
        raise bad_param(name)
    if not lo <= number <= hi:
        raise bad_param(f"{name} out of range [{lo}, {hi}]")
    return number


def paging(source: Any, *, required: bool = False) -> tuple[int, int]:
    """(offset, limit) from a Query or a dict; defaults 0/10 unless `required`."""
    get = source.get
    raw_offset, raw_limit = get("offset"), get("limit")
    if required and (raw_offset is None or raw_limit is None):
        raise bad_param("offset and limit are required")
    offset = 0 if raw_offset is None else to_int(raw_offset, "offset", 0, MAX_OFFSET)
    limit = 10 if raw_limit is None else to_int(raw_limit, "limit", 1, 100)
    return offset, limit


def page(items: list[Any], offset: int, limit: int) -> tuple[list[Any], dict[str, int]]:
    return items[offset : offset + limit], {"offset": offset, "limit": limit, "total": len(items)}


def time_param(value: Any, name: str) -> float | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise bad_param(name)
    try:
        return parse_utc(value)
    except ValueError as exc:
        raise bad_param(f"{name} must be YYYY-MM-DDTHH:MM:SSZ") from exc


def bool_param(value: Any, name: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise bad_param(name)


def name_param(
    value: Any, name: str, lo: int, hi: int, pattern: re.Pattern[str] = NAME_CHARS
) -> str:
    if not isinstance(value, str) or not lo <= len(value) <= hi or not pattern.match(value):
        raise bad_param(f"{name} must be {lo}-{hi} characters (Chinese, letters, digits, _)")
    return value


def opt_name(value: Any, name: str, hi: int, pattern: re.Pattern[str] = NAME_CHARS) -> str | None:
    if value is None:
        return None
    return name_param(value, name, 0, hi, pattern)


def json_body(body: bytes, *, required: bool) -> dict[str, Any] | None:
    """The JSON object of the body; a body-less call on the "{} required" list is refused."""
    if not body.strip():
        if required:
            raise bad_param("a JSON body is required (send {})")
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_param("body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise bad_param("body must be a JSON object")
    return data


def require(body: dict[str, Any], name: str) -> Any:
    if body.get(name) is None:
        raise bad_param(f"{name} is required")
    return body[name]


def in_range(items: list[Any], lo_hi: tuple[float | None, float | None], attr: str) -> list[Any]:
    lo, hi = lo_hi
    if lo is None and hi is None:
        return items
    out = []
    for item in items:
        value = getattr(item, attr)
        if value is None:
            continue
        if lo is not None and value < lo:
            continue
        if hi is not None and value > hi:
            continue
        out.append(item)
    return out


def fuzzy(value: str | None) -> str | None:
    return value.lower() if value else None


def parse_form(content_type: str, body: bytes) -> dict[str, str]:
    """Form fields from multipart/form-data, urlencoded or JSON bodies."""
    ctype = content_type.lower()
    if not body:
        return {}
    if ctype.startswith("multipart/form-data"):
        match = re.search(r'boundary="?([^";]+)"?', content_type)
        if not match:
            raise bad_param("multipart boundary missing")
        return _parse_multipart(body, match.group(1).encode())
    if ctype.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    data = json_body(body, required=False) or {}
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items() if v is not None}


def _parse_multipart(body: bytes, boundary: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in body.split(b"--" + boundary):
        part = part.strip(b"\r\n")
        if not part or part == b"--":
            continue
        head, _, value = part.partition(b"\r\n\r\n")
        match = re.search(rb'name="([^"]*)"', head)
        if match:
            fields[match.group(1).decode()] = value.rstrip(b"\r\n").decode("utf-8", "replace")
    return fields
