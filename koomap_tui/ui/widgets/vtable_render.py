"""Column definition and cell rendering for `VirtualTable`.

Row values come from the API (task names typed by other people), so they are never parsed as
markup and every control character is replaced before it reaches the terminal: an ESC in a task
name must not be able to move the cursor or recolour the screen of the operator reading it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text

Align = Literal["left", "center", "right"]
CellValue = str | Text
RowStyle = str | Style | None

REPLACEMENT = "\ufffd"

# C0, DEL and C1 controls, plus the bidi overrides/isolates that can make a name display as
# something it is not ("Trojan Source"). Each is replaced by one character so Text spans that a
# renderer computed over the original string keep their positions.
_UNSAFE = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F)]
_UNSAFE += list(range(0x2066, 0x206A))
_SANITIZE_TABLE = dict.fromkeys(_UNSAFE, REPLACEMENT)


def sanitize(value: str) -> str:
    """Replace control characters and bidi overrides with U+FFFD (length is preserved)."""
    return value.translate(_SANITIZE_TABLE)


def inert_text(value: CellValue) -> Text:
    """Return `value` as a Text that is safe to paint: never markup, no control characters."""
    if isinstance(value, Text):
        plain = value.plain
        clean = sanitize(plain)
        if clean == plain:
            return value
        text = value.copy()
        text.plain = clean
        return text
    return Text(sanitize(value))


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a `VirtualTable`.

    `render(obj)` gives the cell (a str, or a Text to colour it); without it the cell shows
    `obj.<key>` (or `obj[key]` for mappings). `sort_key(obj)` gives the value to sort on;
    without it the table sorts on the same attribute. `width=None` fits the label and a sample
    of the first rows.

    On a terminal narrower than the table (80 columns over SSH), columns with a `min_width`
    give up cells first, then columns with a `priority` above 0 are hidden, highest first; on a
    wider one, columns with a `max_width` grow into the room left (see `layout_columns`).
    """

    key: str
    label: str
    width: int | None = None
    align: Align = "left"
    render: Callable[[Any], CellValue] | None = None
    sort_key: Callable[[Any], Any] | None = None
    min_width: int | None = None
    max_width: int | None = None
    priority: int = 0

    def raw_value(self, obj: Any) -> Any:
        if isinstance(obj, Mapping):
            return obj.get(self.key)
        return getattr(obj, self.key, None)

    def cell(self, obj: Any) -> CellValue:
        if self.render is not None:
            return self.render(obj)
        value = self.raw_value(obj)
        if value is None:
            return ""
        return value if isinstance(value, str) else str(value)

    def sort_value(self, obj: Any) -> Any:
        value = self.sort_key(obj) if self.sort_key is not None else self.raw_value(obj)
        # None sorts last and never meets a non-None value in a comparison.
        return (value is None, 0 if value is None else value)


def layout_columns(
    columns: Sequence[Column], widths: Sequence[int], available: int, gutter: int, gap: int
) -> list[tuple[Column, int]]:
    """The columns shown in `available` cells, with their widths.

    Hidden first (highest `priority`, rightmost on a tie) while even the shrunk columns do not
    fit; then shrunk (the column with the most room above its `min_width` gives a cell at a
    time); or, when there is room left, grown up to `max_width` in column order. With
    `available <= 0` (not laid out yet) every column keeps its width.
    """
    shown = list(zip(columns, widths, strict=True))
    if available <= 0:
        return shown

    def floor(column: Column, width: int) -> int:
        return min(width, column.min_width) if column.min_width is not None else width

    def total(pairs: Sequence[tuple[Column, int]], minimal: bool = False) -> int:
        cells = sum(floor(c, w) if minimal else w for c, w in pairs)
        return gutter + cells + gap * len(pairs)

    while total(shown, minimal=True) > available:
        hideable = [i for i, (c, _) in enumerate(shown) if c.priority > 0]
        if not hideable:
            break
        del shown[max(hideable, key=lambda i: (shown[i][0].priority, i))]
    cols = [c for c, _ in shown]
    sizes = [w for _, w in shown]
    excess = total(shown) - available
    while excess > 0 and cols:
        slack, i = max((sizes[i] - floor(c, sizes[i]), i) for i, c in enumerate(cols))
        if slack <= 0:
            break
        sizes[i] -= 1
        excess -= 1
    room = -excess
    for i, column in enumerate(cols):
        if room > 0 and column.max_width is not None and column.max_width > sizes[i]:
            extra = min(room, column.max_width - sizes[i])
            sizes[i] += extra
            room -= extra
    return list(zip(cols, sizes, strict=True))


def cell_plain(column: Column, obj: Any) -> str:
    """The sanitized plain text of a cell (used for change detection and text filters)."""
    value = column.cell(obj)
    return sanitize(value.plain if isinstance(value, Text) else value)


def fit_plain(text: str, width: int, align: Align) -> str:
    """Crop (with an ellipsis) or pad a plain string to exactly `width` cells."""
    length = cell_len(text)
    if length > width:
        if width <= 1:
            return set_cell_size(text, width)
        return set_cell_size(text, width - 1) + "…"
    gap = width - length
    if gap == 0:
        return text
    if align == "right":
        return " " * gap + text
    if align == "center":
        left = gap // 2
        return " " * left + text + " " * (gap - left)
    return text + " " * gap


class StyleResolver:
    """Turns style strings into Rich styles, resolving `$theme-variable` colours.

    Renderers can colour a state cell with `Text("● Running", style="$state-running")` and the
    colour follows the app theme; the cache is dropped when the theme changes.
    """

    def __init__(self, variables: Callable[[], Mapping[str, str]]) -> None:
        self._variables = variables
        self._cache: dict[str, Style] = {}

    def clear(self) -> None:
        self._cache.clear()

    def __call__(self, style: str | Style | None) -> Style:
        if style is None:
            return Style.null()
        if isinstance(style, Style):
            return style
        cached = self._cache.get(style)
        if cached is not None:
            return cached
        resolved = self._parse(style)
        self._cache[style] = resolved
        return resolved

    def _parse(self, style: str) -> Style:
        if "$" in style:
            from textual.color import Color

            variables = self._variables()
            words = []
            for word in style.split():
                if word.startswith("$"):
                    value = variables.get(word[1:])
                    if value is None:
                        continue
                    try:
                        word = Color.parse(value).hex6
                    except Exception:
                        continue
                words.append(word)
            style = " ".join(words)
        try:
            return Style.parse(style)
        except Exception:
            return Style.null()


def cell_segments(
    value: CellValue,
    width: int,
    align: Align,
    base: Style,
    resolve: StyleResolver,
) -> list[Segment]:
    """Render one cell to exactly `width` cells of segments over the row's `base` style."""
    if isinstance(value, str) or (not value.spans and not value.style):
        plain = value if isinstance(value, str) else value.plain
        return [Segment(fit_plain(sanitize(plain), width, align), base)]
    text = inert_text(value)
    plain = text.plain
    fitted = fit_plain(plain, width, align)
    # Re-map spans onto the fitted string: padding only shifts them, cropping cuts them.
    shift = 0
    if cell_len(plain) <= width and align != "left":
        gap = width - cell_len(plain)
        shift = gap if align == "right" else gap // 2
    limit = len(fitted)
    spans = [
        Span(span.start + shift, min(span.end + shift, limit), span.style)
        for span in text.spans
        if span.start + shift < limit
    ]
    segments: list[Segment] = []
    text_style = base + resolve(text.style) if text.style else base
    if not spans:
        return [Segment(fitted, text_style)]
    # Paint span styles in order, later spans over earlier ones, the way Rich does.
    boundaries = sorted({0, limit, *(s.start for s in spans), *(s.end for s in spans)})
    for start, end in pairwise(boundaries):
        if start >= end:
            continue
        style = text_style
        for span in spans:
            if span.start <= start and span.end >= end:
                style = style + resolve(span.style)
        segments.append(Segment(fitted[start:end], style))
    return segments
