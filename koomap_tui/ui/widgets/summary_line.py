"""A summary line whose items wrap whole ("✗ FAILED 1" never splits after its glyph).

Rich wraps on any blank, and every non-breaking space is a blank to its word splitter, so the
items are laid out here, by cell width, and re-laid out when the terminal is resized. Where its
`max-height` cuts lines off (two lines on a narrow terminal), the last line shown says so: a
count the operator cannot see is never silently missing.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.css.scalar import Unit
from textual.widgets import Static

SEPARATOR = "  "
MORE = " …more"  # ends the last line shown when lines were cut


def flow(items: Sequence[Text], width: int, separator: str = SEPARATOR) -> Text:
    """Items in order, a line break instead of the separator where the next would not fit."""
    out = Text(no_wrap=True, overflow="ellipsis", end="")
    used = 0
    for item in items:
        size = cell_len(item.plain)
        if used and width > 0 and used + len(separator) + size > width:
            out.append("\n")
            used = 0
        elif used:
            out.append(separator)
            used += len(separator)
        out.append_text(item)
        used += size
    return out


def clip(text: Text, max_lines: int, width: int) -> Text:
    """At most `max_lines` lines of `text`; the last ends with `MORE` when any were cut."""
    if text.plain.count("\n") < max_lines:  # the common case: it fits, nothing to split
        return text
    lines = text.split("\n", allow_blank=True)
    if len(lines) <= max_lines:
        return text
    kept = lines[:max_lines]
    last = kept[-1]
    if width > 0 and cell_len(last.plain) + cell_len(MORE) > width:
        last.truncate(max(width - cell_len(MORE), 0))
    last.append(MORE, style="bold")
    return Text("\n", no_wrap=True, overflow="ellipsis", end="").join(kept)


class SummaryLine(Static):
    """`show_items([...])` for items that must stay whole; `update(text)` works as for Static."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self._items: list[Text] | None = None
        self._laid_for = -1

    def show_items(self, items: Sequence[Text]) -> None:
        self._items = list(items)
        self._layout(force=True)

    def on_resize(self) -> None:
        self._layout()

    def _layout(self, *, force: bool = False) -> None:
        if self._items is None:
            return
        width = self.content_size.width
        if force or width != self._laid_for:
            self._laid_for = width
            text = flow(self._items, width)
            limit = self.styles.max_height
            if limit is not None and limit.unit is Unit.CELLS:
                text = clip(text, int(limit.value), width)
            self.update(text)
