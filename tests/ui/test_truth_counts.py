"""What the workspaces view's counts claim is true: they follow the server without `r`."""

from __future__ import annotations

import re
from typing import Any

from koomap_tui.sim.server import SimServer
from koomap_tui.ui.tablekit import all_rows
from tests.ui.helpers import screen_text, table, wait_for

COUNTS = re.compile(r"(\d+) / (\d+) / (\d+) / (\d+) / (\d+)")


def counts_on_screen(pilot: Any) -> dict[str, tuple[int, ...]]:
    """Name -> (total, running, ok, failed, archived) as the rows show them."""
    names = [w.workspace_name for w in all_rows(table(pilot))]
    shown: dict[str, tuple[int, ...]] = {}
    for line in screen_text(pilot).splitlines():
        name = next((n for n in names if n and n in line), None)
        m = COUNTS.search(line)
        if name and m:
            shown[name] = tuple(int(g) for g in m.groups())
    return shown


async def every_count_shown(app: Any, pilot: Any) -> int:
    """Wait until the workspaces view shows counts on every row; the number of rows."""
    await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
    await wait_for(pilot, lambda: table(pilot).total_row_count > 0)
    rows: int = table(pilot).total_row_count
    await wait_for(pilot, lambda: len(counts_on_screen(pilot)) == rows)
    return rows


async def test_workspace_counts_follow_the_server_without_refresh(
    make_app: Any, sim: SimServer
) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await every_count_shown(app, pilot)
        busy = {n: c for n, c in counts_on_screen(pilot).items() if c[1] > 0}
        assert busy, "the demo scenario has running tasks somewhere"

        sim.advance(48 * 3600)  # every running task reaches its end; no key is pressed
        await wait_for(
            pilot,
            lambda: all(counts_on_screen(pilot).get(n, (0, 1))[1] == 0 for n in busy),
            timeout=15,
        )
        # The bar's "updated … ago" covers these counts: none carries an age of its own.
        lines = [ln for ln in screen_text(pilot).splitlines() if any(n in ln for n in busy)]
        assert lines and not any(" ago" in ln for ln in lines)


async def test_counts_older_than_the_bar_say_their_age(make_app: Any, sim: SimServer) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await every_count_shown(app, pilot)
        screen: Any = app.screen
        key = next(iter(screen.overviews))
        old = screen.overviews[key]
        # As an idle workspace's counts are between two slow sweeps: 40 s older than the rows.
        screen.overviews[key] = type(old)(**{**_fields(old), "fetched_at": old.fetched_at - 40})
        await wait_for(pilot, lambda: "s ago" in screen_text(pilot), timeout=10)


def _fields(obj: Any) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in obj.__slots__}


async def test_usage_poll_failing_from_the_start_says_so_in_the_table(
    make_app: Any, sim: SimServer
) -> None:
    from koomap_tui.ui.screens.usage import UsageScreen

    app = make_app()
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        sim.faults.set(error_rates={500: 1.0}, path_prefix="/v1/real3d/usages")
        app.push_screen(UsageScreen())
        await wait_for(pilot, lambda: "could not load" in screen_text(pilot))
        assert "loading usage" not in screen_text(pilot)
        assert "Updated (UTC)" in screen_text(pilot)  # which clock the times are in
        sim.faults.clear()
        await pilot.press("r")
        await wait_for(pilot, lambda: "could not load" not in screen_text(pilot))
        await wait_for(pilot, lambda: table(pilot).total_row_count > 0)


async def test_start_up_reads_each_workspace_s_counts_once(make_app: Any, sim: SimServer) -> None:
    """The counts source is their one reader: the rows the view shows are read in its first
    cycle, and no second cycle is asked for them (a second read of each spent the start-up's
    rate budget, which Enter then waited for)."""
    app = make_app(fast_interval=60, slow_interval=120)  # no second counts cycle in the test
    async with app.run_test(size=(200, 40)) as pilot:
        rows = await every_count_shown(app, pilot)
        await pilot.pause()  # a cycle the view would have asked on the first answer starts now
        assert app.screen.counts.cycles == 1
        assert overview_reads(sim) == rows


def overview_reads(sim: SimServer) -> int:
    log = sim.core.request_log.entries
    return sum(1 for e in log if e.operation == "ShowTaskOverviewInWorkspace")


async def test_r_reads_the_counts_on_screen_again(make_app: Any, sim: SimServer) -> None:
    app = make_app(fast_interval=60, slow_interval=120)  # no counts cycle but the one r asks
    async with app.run_test(size=(200, 40)) as pilot:
        rows = await every_count_shown(app, pilot)
        before = overview_reads(sim)
        await pilot.press("r")
        await wait_for(pilot, lambda: overview_reads(sim) >= before + rows)
        await every_count_shown(app, pilot)
