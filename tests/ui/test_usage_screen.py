"""The usage screen against the simulator: Real3D and satellite items, quota vs pay-per-use,
the chart, and the session trend."""

from __future__ import annotations

from typing import Any

from koomap_tui.ui.navigation import navigate
from koomap_tui.ui.screens.usage import UsageScreen
from koomap_tui.ui.widgets.chart import BarChart, BarItem, bar_lines, hbar, sparkline
from tests.ui.helpers import screen_text, wait_for


def _screen_ready(app: Any) -> bool:
    screen = app.screen
    return isinstance(screen, UsageScreen) and bool(screen.query("#usage")) and bool(screen.history)


async def test_usage_items_numbers_and_chart(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        assert navigate(app, "usage")
        await wait_for(pilot, lambda: _screen_ready(app))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, UsageScreen)
        rows = {(r.service, r.usage_type, r.subtype): r for r in screen.rows()}
        # Real3D: both usage types; satellite: DATA and one TASK item per production level.
        assert ("Real3D", "REAL3D", "REAL3D_BASIC") in rows
        assert ("Real3D", "REAL3D", "REAL3D_PRO") in rows
        assert ("Real3D", "DATA", "") in rows
        assert ("Satellite", "DATA", "") in rows
        for level in ("L2", "L3", "L4", "L5"):
            assert ("Satellite", "TASK", level) in rows
        # The demo has two finished L2 tasks (one archived) and one L5 task.
        assert rows[("Satellite", "TASK", "L2")].usage == 2.0
        assert rows[("Satellite", "TASK", "L5")].usage == 1.0
        assert rows[("Satellite", "TASK", "L3")].usage == 0.0
        text = screen_text(pilot)
        assert "128.4 GP (pay-per-use)" in text  # REAL3D_BASIC: capacity 0
        pro = rows[("Real3D", "REAL3D", "REAL3D_PRO")]
        assert pro.capacity == 100.0
        assert f"{pro.usage:,.0f} / 100 次" in text
        assert f"{pro.usage / 100 * 100:.0f}%" in text
        data = rows[("Real3D", "DATA", "")]
        assert data.capacity == 500.0 and "/ 500 GB" in text
        assert "时空专属存储" in text and "基础处理：影像镶嵌L5" in text
        chart = screen.query_one(BarChart)
        assert len(chart.items) == len(rows)
        assert "current totals only" in text
        assert sim.request_log.count(operation="ShowReal3DUsage") >= 2
        assert sim.request_log.count(operation="ListUsageInfo") >= 2
        # Each refresh adds a sample to the session trend.
        before = max(len(v) for v in screen.history.values())
        screen.action_refresh()
        await wait_for(pilot, lambda: max(len(v) for v in screen.history.values()) > before)


async def test_usage_error_is_reported(make_app: Any, sim: Any) -> None:
    app = make_app()
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        sim.faults.set(error_rates={500: 1.0}, path_prefix="/v1/real3d/usages")
        app.push_screen(UsageScreen())
        await wait_for(
            pilot, lambda: any("Usage query failed" in title for title, _ in app.recent_notices)
        )
        sim.faults.clear()


def test_chart_helpers() -> None:
    assert sparkline([1, 2, 3, 4]) == "▁▃▆█"
    assert sparkline([5, 5, 5]) == "▁▁▁"
    assert sparkline([None, 1.0, 2.0]) == " ▁█"
    assert sparkline(list(range(100)), 10) == sparkline(list(range(90, 100)))
    assert hbar(0.5, 10) == "█████     "
    assert hbar(None, 4) == "    "
    assert hbar(2.0, 4) == "████"
    text = bar_lines(
        [BarItem("pro", 12.0, "次", 100.0), BarItem("basic", 50.0, "GP", 0.0),
         BarItem("other", 25.0, "GP", None)]
    ).plain  # fmt: skip
    lines = text.splitlines()
    assert "12 / 100 次 (12%)" in lines[0]
    assert "50 GP (pay-per-use)" in lines[1] and lines[1].count("█") == 30  # the largest GP
    assert lines[2].count("█") == 15  # half of the largest item of the same unit


async def test_a_filtered_usage_list_says_how_many_items_it_shows(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        assert navigate(app, "usage")
        await wait_for(pilot, lambda: _screen_ready(app))
        screen = app.screen
        assert isinstance(screen, UsageScreen)
        total = screen.table.total_row_count
        await pilot.press("slash", *"Satellite", "enter")
        await wait_for(pilot, lambda: 0 < screen.table.row_count < total)
        shown = screen.table.row_count
        await wait_for(pilot, lambda: f"{total} usage items · {shown} shown" in screen_text(pilot))
