"""Rows the server sent that could not be parsed: shown marked, never acted on.

One bad row must not blank a table (issue 12 §3.8). The API layer keeps such a row as a `BadRow`
(its id, the field and the reason); a list view shows it in place with a glyph and
"unreadable: <field>: <reason>", every other cell empty, and refuses every action on it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from rich.text import Text

from koomap_tui.api.models import BadRow
from koomap_tui.ui.format import inert
from koomap_tui.ui.widgets.vtable_render import CellValue, Column

GLYPH = "⚠"
#: Where the full "unreadable: field: reason" goes, first column found wins.
MESSAGE_COLUMNS = ("name", "task_name", "subtask_name", "product", "state")


class UnreadableRow:
    """A table row standing for a `BadRow`: reads as its id and name, every other field None."""

    __slots__ = ("bad",)

    def __init__(self, bad: BadRow) -> None:
        self.bad = bad

    @property
    def message(self) -> str:
        return f"unreadable: {self.bad.describe()}"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raw = self.bad.raw if isinstance(self.bad.raw, dict) else {}
        value = raw.get(name)
        if isinstance(value, str) and (name.endswith("_name") or name.endswith("id")):
            return value
        if name.endswith("_id") or name == "id":
            return self.bad.key
        return None


def _message_column(columns: list[Column]) -> str:
    keys = [c.key for c in columns]
    return next((k for k in MESSAGE_COLUMNS if k in keys), keys[0] if keys else "")


def tolerant_columns(columns: list[Column], style: Callable[[], str]) -> list[Column]:
    """`columns` whose renderers and sort keys leave `UnreadableRow`s to this module."""
    target = _message_column(columns)

    def wrap(col: Column) -> Column:
        render, sort_key = col.render, col.sort_key

        def cell(obj: Any) -> CellValue:
            if isinstance(obj, UnreadableRow):
                if col.key == target:
                    return Text(f"{GLYPH} {inert(obj.message)}", style=style())
                if col.key == "state":
                    return Text(f"{GLYPH} ?", style=style())
                if col.key == "id":
                    return Text(inert(obj.bad.key))
                return Text("")
            return render(obj) if render is not None else Column.cell(col, obj)

        def sort(obj: Any) -> Any:
            if isinstance(obj, UnreadableRow):
                return None
            return sort_key(obj) if sort_key is not None else col.raw_value(obj)

        return dataclasses.replace(col, render=cell, sort_key=sort)

    return [wrap(c) for c in columns]
