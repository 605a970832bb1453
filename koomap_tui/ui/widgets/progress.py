"""Progress as text: a compact bar for table cells and a full-width bar for detail screens.

Eighth-block characters give 8 steps per cell, so a 10-cell bar resolves 1.25 %; the percentage
is always printed beside it so the number, not the bar length, is what an operator reads.
"""

from __future__ import annotations

import math

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"
_NONE = "—"


def clamp_fraction(value: float | None) -> float | None:
    """API progress arrives as 0..1 (the client parses "0.35"); junk and NaN become None."""
    if value is None or not isinstance(value, int | float) or math.isnan(value):
        return None
    return min(1.0, max(0.0, float(value)))


def bar(fraction: float, width: int) -> str:
    """Just the bar, exactly `width` cells wide."""
    eighths = round(fraction * width * 8)
    full, rest = divmod(eighths, 8)
    text = _FULL * full + (_EIGHTHS[rest] if rest and full < width else "")
    return text.ljust(width)


def format_percent(fraction: float) -> str:
    # Floor, so that 99.7 % never reads as "100%" while the task still runs.
    return f"{math.floor(fraction * 100 + 1e-9):d}%"


def progress_cell(value: float | None, width: int = 10, *, style: Style | str = "") -> Text:
    """ "█████▌     56%": a `width`-cell bar, a space and a right-aligned percentage."""
    fraction = clamp_fraction(value)
    if fraction is None:
        return Text(" " * (width + 1) + _NONE.rjust(4), style="dim", no_wrap=True, end="")
    return Text.assemble(
        (bar(fraction, width), style),
        " ",
        format_percent(fraction).rjust(4),
        no_wrap=True,
        end="",
    )


class TaskProgressBar(Widget):
    """Full-width labelled bar for a detail screen: "Modeling  ███████▍        74%"."""

    DEFAULT_CSS = """
    TaskProgressBar {
        height: 1;
        width: 1fr;
    }
    TaskProgressBar > .task-progress--bar {
        color: $primary;
    }
    """
    COMPONENT_CLASSES = {"task-progress--bar"}

    progress: reactive[float | None] = reactive[float | None](None)
    label: reactive[str] = reactive("")

    def __init__(
        self,
        label: str = "",
        progress: float | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.set_reactive(TaskProgressBar.label, label)
        self.set_reactive(TaskProgressBar.progress, clamp_fraction(progress))

    def validate_progress(self, value: float | None) -> float | None:
        return clamp_fraction(value)

    def render(self) -> Text:
        prefix = f"{self.label}  " if self.label else ""
        width = max(1, self.size.width - len(prefix) - 5)
        bar_style = self.get_component_rich_style("task-progress--bar")
        return Text.assemble(prefix, progress_cell(self.progress, width, style=bar_style), end="")
