"""Small text charts: a sparkline for a series and horizontal bars for a set of items.

Charts here only ever show numbers that are also printed as text beside them: a bar's length
is an aid for comparing at a glance, never the only place a value can be read (and they stay
meaningful without colour).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import set_cell_size
from rich.text import Text
from textual.widgets import Static

_SPARKS = "▁▂▃▄▅▆▇█"
_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"


def _finite(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def sparkline(values: Sequence[float | None], width: int | None = None) -> str:
    """One character per value (the last `width` values), lowest ▁ to highest █.

    A flat series is drawn at the bottom, missing values as a space, so "no change" and
    "no data" look different.
    """
    series = list(values)[-width:] if width else list(values)
    finite = _finite(series)
    if not finite:
        return " " * len(series)
    lo, hi = min(finite), max(finite)
    span = hi - lo
    out = []
    for v in series:
        if v is None or not math.isfinite(v):
            out.append(" ")
        elif span == 0:
            out.append(_SPARKS[0])
        else:
            out.append(_SPARKS[min(len(_SPARKS) - 1, int((v - lo) / span * len(_SPARKS)))])
    return "".join(out)


def hbar(fraction: float | None, width: int) -> str:
    """A bar exactly `width` cells wide with eighth-cell resolution; None gives blanks."""
    if fraction is None or not math.isfinite(fraction):
        return " " * width
    f = min(1.0, max(0.0, fraction))
    eighths = round(f * width * 8)
    full, rest = divmod(eighths, 8)
    text = _FULL * full + (_EIGHTHS[rest] if rest and full < width else "")
    return text.ljust(width)


def fmt_number(value: float | None) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class BarItem:
    """One bar: `value` of `unit`, against `capacity` when there is one (0/None: no quota)."""

    label: str
    value: float | None
    unit: str = ""
    capacity: float | None = None

    @property
    def has_quota(self) -> bool:
        return bool(self.capacity) and (self.capacity or 0) > 0


def bar_lines(items: Sequence[BarItem], *, bar_width: int = 30, label_width: int = 24) -> Text:
    """One line per item: label, bar, number.

    With a quota the bar is usage / capacity and the number reads "12 / 100 次 (12%)". Without
    one (pay-per-use) the bar is scaled against the largest item of the same unit, and says so
    ("pay-per-use, scale = max GB"), because bars of different units cannot be compared.
    """
    maxima: dict[str, float] = {}
    for item in items:
        if not item.has_quota and item.value is not None:
            maxima[item.unit] = max(maxima.get(item.unit, 0.0), float(item.value))
    text = Text(no_wrap=True, overflow="ellipsis")
    for i, item in enumerate(items):
        if i:
            text.append("\n")
        label = set_cell_size(item.label, label_width)  # CJK labels are two cells a character
        text.append(label + " ")
        value = item.value
        if item.has_quota and item.capacity:
            fraction = None if value is None else value / item.capacity
            style = "bold red" if fraction is not None and fraction >= 0.9 else "green"
            text.append(hbar(fraction, bar_width), style=style)
            pct = "—" if fraction is None else f"{fraction * 100:.0f}%"
            text.append(f" {fmt_number(value)} / {fmt_number(item.capacity)} {item.unit} ({pct})")
        else:
            top = maxima.get(item.unit) or 0.0
            fraction = None if value is None else (value / top if top else 0.0)
            text.append(hbar(fraction, bar_width), style="cyan")
            text.append(f" {fmt_number(value)} {item.unit} (pay-per-use)")
    return text


class BarChart(Static):
    """A titled block of horizontal bars (see `bar_lines`)."""

    DEFAULT_CSS = """
    BarChart {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, title: str = "", *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.title_text = title
        self.items: list[BarItem] = []

    def set_items(self, items: Sequence[BarItem], note: str = "") -> None:
        self.items = list(items)
        text = Text(self.title_text + "\n", style="bold") if self.title_text else Text()
        if self.items:
            text.append_text(bar_lines(self.items))
        else:
            text.append("(no usage items)", style="dim")
        if note:
            text.append("\n" + note, style="dim")
        self.update(text)
