"""Per-row parsing of list answers: one bad row never hides the good ones.

A list answer is parsed row by row. A row that cannot be understood (a progress of ``"abc"``, a
missing id) does not fail the page: it is kept aside as a `BadRow` carrying the row's key, the
raw row, the field at fault and the reason, so the console shows the 39 good tasks and marks the
40th instead of showing "(no rows)". Only the envelope (``page``, a list that is not a list)
still fails the whole answer, because then nothing on the page can be trusted.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import ValidationError, model_validator

from ._base import WireModel

# A raw row is kept for display; very long ones are cut so a hostile row cannot fill memory.
_RAW_TEXT_LIMIT = 2000


class BadRow(WireModel):
    """A row of a list answer that could not be parsed, kept so the console can show it."""

    key: str
    raw: Any = None
    field: str = ""
    reason: str = ""

    def describe(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason


def _item_type(annotation: Any) -> type[WireModel] | None:
    if typing.get_origin(annotation) is not list:
        return None
    (arg,) = typing.get_args(annotation) or (None,)
    return arg if isinstance(arg, type) and issubclass(arg, WireModel) else None


def _key_field(model: type[WireModel]) -> str | None:
    """The item's id: its first required string field (task_id, id, image_id, ...)."""
    for name, info in model.model_fields.items():
        if info.is_required() and info.annotation is str:
            return info.alias or name
    return None


def _raw(item: Any) -> Any:
    if isinstance(item, dict | list | str | int | float | bool) or item is None:
        text = repr(item)
        return item if len(text) <= _RAW_TEXT_LIMIT else text[:_RAW_TEXT_LIMIT] + "…"
    return repr(item)[:_RAW_TEXT_LIMIT]


def bad_row(item: Any, index: int, key_field: str | None, exc: ValidationError) -> BadRow:
    key = f"#{index}"
    if isinstance(item, dict) and key_field is not None:
        value = item.get(key_field)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            key = str(value)
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0] if errors else {"loc": (), "msg": "invalid row"}
    field = ".".join(str(part) for part in first.get("loc", ()))
    reason = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    if len(errors) > 1:
        reason += f" (and {len(errors) - 1} more)"
    return BadRow(key=key, raw=_raw(item), field=field, reason=reason)


# (python name, wire name, item model, key field) of a list answer's item list.
_RowSpec = tuple[str, str, type[WireModel], str | None]
_ROW_SPECS: dict[type, _RowSpec | None] = {}


class RowList(WireModel):
    """Base of list answers: the item list is parsed per row, failures go to `bad_rows`."""

    bad_rows: tuple[BadRow, ...] = ()

    @classmethod
    def _rows(cls) -> _RowSpec | None:
        if cls not in _ROW_SPECS:
            spec: _RowSpec | None = None
            for name, info in cls.model_fields.items():
                item = _item_type(info.annotation)
                if item is not None:
                    spec = (name, info.alias or name, item, _key_field(item))
                    break
            _ROW_SPECS[cls] = spec
        return _ROW_SPECS[cls]

    @model_validator(mode="before")
    @classmethod
    def _split_rows(cls, data: Any) -> Any:
        spec = cls._rows()
        if spec is None or not isinstance(data, dict):
            return data
        name, alias, item_model, key_field = spec
        wire = alias if alias in data else name
        items = data.get(wire)
        if not isinstance(items, list):
            return data  # null becomes []; a non-list fails the envelope as before
        good: list[Any] = []
        bad: list[BadRow] = []
        for index, item in enumerate(items):
            if isinstance(item, item_model):
                good.append(item)
                continue
            try:
                good.append(item_model.model_validate(item))
            except ValidationError as exc:
                bad.append(bad_row(item, index, key_field, exc))
        # A "bad_rows" key sent by the server is not ours to trust: it is replaced.
        return {**data, wire: good, "bad_rows": tuple(bad)}

    @property
    def row_count(self) -> int:
        """Rows the server sent on this page, good and bad (what paging advances by)."""
        spec = self._rows()
        good = len(getattr(self, spec[0])) if spec is not None else 0
        return good + len(self.bad_rows)
