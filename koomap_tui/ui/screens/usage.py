"""Usage of the tenant: Real3D (ShowReal3DUsage) and satellite (ListUsageInfo) measures.

The usage APIs answer current totals only: every item carries `usage`, `capacity` and an
`update_time`, never a series. So the chart is honest about what it has: bars of usage against
capacity per item (or, for pay-per-use items with capacity 0, against the largest item of the
same unit), and a trend column built from the samples this screen has taken while open.
"""

from __future__ import annotations

from collections import deque
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from koomap_tui.services.sources.usage import UsageRow, UsageSource
from koomap_tui.ui.format import fmt_time, inert
from koomap_tui.ui.polling import PollUpdated
from koomap_tui.ui.screens.base import ConsoleScreen
from koomap_tui.ui.tablekit import all_rows
from koomap_tui.ui.widgets.chart import BarChart, BarItem, fmt_number, sparkline
from koomap_tui.ui.widgets.console_footer import ConsoleFooter
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.header_bar import HeaderBar
from koomap_tui.ui.widgets.virtual_table import Column, VirtualTable

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


class UsageScreen(ConsoleScreen):
    BREADCRUMB = "usage"
    view_key = "usage"
    DEFAULT_CSS = """
    UsageScreen #usage { height: auto; max-height: 60%; }
    UsageScreen #chart { margin-top: 1; }
    """
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("escape", "back", "Back", show=False),
        Binding("r", "refresh", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, deque[float | None]] = {}
        self.source: UsageSource | None = None
        self._had_error = False

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Vertical(id="body"):
            yield Static("", id="summary")
            yield VirtualTable(self._columns(), id="usage", empty_text="(loading usage…)")
            yield BarChart("Usage per item", id="chart")
        yield FreshnessBar(id="freshness")
        yield ConsoleFooter()

    def _columns(self) -> list[Column]:
        return [
            Column("service", "Service", 9, render=lambda r: Text(r.service)),
            Column("type", "Type", 6, render=lambda r: Text(inert(r.usage_type))),
            Column("measure", "Measure", 30, min_width=16, render=lambda r: Text(inert(r.measure)), sort_key=lambda r: r.measure),
            Column("subtype", "Subtype", 13, priority=2, render=lambda r: Text(inert(r.subtype) or "—")),
            Column("usage", "Usage / capacity", 30, min_width=20, render=lambda r: Text(inert(usage_text(r))), sort_key=lambda r: r.usage or 0.0),
            Column("pct", "Used", 5, align="right", render=self._render_pct, sort_key=lambda r: r.fraction or 0.0),
            Column("updated", "Updated", 16, priority=3, render=lambda r: Text(fmt_time(r.updated))),
            Column("trend", "Trend (session)", 16, priority=1, render=self._render_trend),
        ]  # fmt: skip

    def _render_pct(self, row: UsageRow) -> Text:
        fraction = row.fraction
        if fraction is None:
            return Text("—", style="dim")
        return Text(f"{fraction * 100:.0f}%", style="bold red" if fraction >= 0.9 else "")

    def _render_trend(self, row: UsageRow) -> Text:
        samples = list(self.history.get(row.key, ()))
        return Text(sparkline(samples, 16), style="cyan")

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#usage", VirtualTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.source = UsageSource(self.kapp.ctx.client)
        self.poller = self.attach_source(self.source)

    def on_poll_updated(self, message: PollUpdated) -> None:
        message.stop()
        update = message.update
        if self.source is None or update.source != self.source.key:
            return
        self.query_one(FreshnessBar).freshness = update.freshness
        if update.error is not None:
            if not self._had_error:
                self.notify(str(update.error), title="Usage query failed", severity="error")
            self._had_error = True
            return
        self._had_error = False
        for key, row in update.items.items():
            self.history.setdefault(key, deque(maxlen=HISTORY)).append(row.usage)
        self.table.set_rows(update.items.items())
        rows = list(update.items.values())
        self.query_one(BarChart).set_items(
            [
                BarItem(f"{r.service} {r.subtype or r.measure}"[:24], r.usage, r.unit, r.capacity)
                for r in rows
            ],
            CHART_NOTE,
        )
        near = [r for r in rows if (r.fraction or 0) >= 0.9]
        text = Text(
            f"{len(rows)} usage items · Real3D {sum(r.service == 'Real3D' for r in rows)}"
            f" · satellite {sum(r.service == 'Satellite' for r in rows)}"
        )
        if near:
            text.append(f" · {len(near)} at or above 90% of capacity", style="bold red")
        self.query_one("#summary", Static).update(text)

    def samples(self) -> dict[str, list[float | None]]:
        return {k: list(v) for k, v in self.history.items()}

    def row_list(self) -> list[UsageRow]:
        return list(all_rows(self.table))

    def action_refresh(self) -> None:
        self.poller.refresh_now()
        self.notify("refreshing…", timeout=1.5)

    def action_back(self) -> None:
        self.kapp.go_back()
