"""Usage of the tenant: Real3D (ShowReal3DUsage) and satellite (ListUsageInfo) measures.

The usage APIs answer current totals only: every item carries `usage`, `capacity` and an
`update_time`, never a series. So the chart is honest about what it has: bars of usage against
capacity per item (or, for pay-per-use items with capacity 0, against the largest item of the
same unit), and a trend column built from the samples this screen has taken while open.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.widget import Widget

from koomap_tui.services.poller import PollUpdate
from koomap_tui.services.sources.usage import UsageRow, UsageSource
from koomap_tui.ui.format import fmt_percent, fmt_time, inert
from koomap_tui.ui.screens.listview import ListScreen
from koomap_tui.ui.specs import USAGE
from koomap_tui.ui.widgets.chart import BarChart, BarItem, fmt_number, sparkline
from koomap_tui.ui.widgets.virtual_table import Column

HISTORY = 60  # samples kept per item for the trend column
CHART_NOTE = (
    "The usage APIs return current totals only (no history): bars compare usage with capacity; "
    "pay-per-use items (capacity 0) are scaled to the largest item of the same unit. "
    "The trend column samples this session's refreshes."
)


def usage_text(row: UsageRow) -> str:
    """ "12 / 100 次", or "128.4 GP (pay-per-use)" when there is no capacity."""
    if row.pay_per_use:
        return f"{fmt_number(row.usage)} {row.unit} (pay-per-use)"
    return f"{fmt_number(row.usage)} / {fmt_number(row.capacity)} {row.unit}"


class UsageScreen(ListScreen):
    BREADCRUMB = "usage"
    view_key = "usage"
    POLL_ERROR_TITLE = "Usage query failed"
    DEFAULT_CSS = """
    UsageScreen #usage { height: auto; max-height: 60%; }
    UsageScreen #chart { margin-top: 1; }
    """
    SPEC = USAGE
    BINDINGS = []

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, deque[float | None]] = {}

    def compose_extra(self) -> Iterable[Widget]:
        yield BarChart("Usage per item", id="chart")

    def columns(self) -> list[Column]:
        return [
            Column("service", "Service", 9, render=lambda r: Text(r.service)),
            Column("type", "Type", 6, render=lambda r: Text(inert(r.usage_type))),
            Column("measure", "Measure", 30, min_width=16, render=lambda r: Text(inert(r.measure)), sort_key=lambda r: r.measure),
            Column("subtype", "Subtype", 13, priority=2, render=lambda r: Text(inert(r.subtype) or "—")),
            Column("usage", "Usage / capacity", 30, min_width=20, render=lambda r: Text(inert(usage_text(r))), sort_key=lambda r: r.usage or 0.0),
            Column("pct", "Used", 5, align="right", render=self._render_pct, sort_key=lambda r: r.fraction or 0.0),
            Column("updated", "Updated (UTC)", 16, priority=3, render=lambda r: Text(fmt_time(r.updated))),
            Column("trend", "Trend (session)", 16, priority=1, render=self._render_trend),
        ]  # fmt: skip

    def _render_pct(self, row: UsageRow) -> Text:
        f = row.fraction
        return Text(fmt_percent(f), style="dim" if f is None else "bold red" if f >= 0.9 else "")

    def _render_trend(self, row: UsageRow) -> Text:
        samples = list(self.history.get(row.key, ()))
        return Text(sparkline(samples, 16), style="cyan")

    def make_source(self) -> UsageSource:
        return UsageSource(self.kapp.ctx.client)

    def polled(self, update: PollUpdate[Any]) -> None:
        for key, row in update.items.items():
            self.history.setdefault(key, deque(maxlen=HISTORY)).append(row.usage)
        bars = [
            BarItem(f"{r.service} {r.subtype or r.measure}"[:24], r.usage, r.unit, r.capacity)
            for r in update.items.values()
        ]
        self.query_one(BarChart).set_items(bars, CHART_NOTE)

    def summary_items(self) -> list[Text]:
        rows = self.rows()
        text = Text(f"{len(rows)} usage items")
        if self.table.row_count < self.table.total_row_count:  # a filter hides some
            text.append(f" · {self.table.row_count} shown")
        text.append(
            f" · Real3D {sum(r.service == 'Real3D' for r in rows)}"
            f" · satellite {sum(r.service == 'Satellite' for r in rows)}"
        )
        near = [r for r in rows if (r.fraction or 0) >= 0.9]
        if near:
            text.append(f" · {len(near)} at or above 90% of capacity", style="bold red")
        return [text]
