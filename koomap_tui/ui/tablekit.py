"""Small conveniences over VirtualTable used by the screens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from koomap_tui.ui.widgets.virtual_table import VirtualTable


def row_or_none(table: VirtualTable, key: str | None) -> Any:
    if key is None or key not in table:
        return None
    return table.get_row(key)


def cursor_row(table: VirtualTable) -> Any:
    """The row under the cursor; None when there is none (an empty table, a row gone)."""
    return row_or_none(table, table.cursor_key)


def all_rows(table: VirtualTable) -> list[Any]:
    """Every row object, filtered out or not."""
    return table.all_rows()


def refresh_rows(table: VirtualTable, keys: Iterable[str]) -> None:
    """Re-render rows whose look changed without their data changing (pending marks)."""
    table.invalidate_rows(keys)
