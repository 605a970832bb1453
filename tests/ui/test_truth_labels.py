"""Counts say whose they are, and the rows' counts add up (issue 12, §1.3)."""

from __future__ import annotations

import re
from typing import Any

from koomap_tui.ui.screens import tasks as fleet_module
from koomap_tui.ui.screens.tasks import FleetScreen
from tests.ui.helpers import open_workspace, screen_text, table, wait_for
from tests.ui.test_satellite_screen import open_satellite
from tests.ui.test_truth_unreadable import hostile as hostile_rows

ROWS = re.compile(
    r"rows (\d+): finished (\d+) · unfinished (\d+) · not run \(INIT\) (\d+) · stop failed (\d+)"
    r"(?: · other (\d+))?"
)


async def test_satellite_counts_are_labelled_and_row_buckets_add_up(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await open_satellite(pilot)
        await wait_for(pilot, lambda: ROWS.search(screen_text(pilot)) is not None)
        await wait_for(pilot, lambda: "server: total" in screen_text(pilot))
        text = screen_text(pilot)
        assert "server: running" in text
        m = ROWS.search(text)
        assert m is not None
        total, *parts = (int(g or 0) for g in m.groups())
        assert total == table(pilot).total_row_count == sum(parts)
        states = {str(getattr(r.task_status, "value", r.task_status)) for r in app.screen.rows()}
        assert states & {"INIT", "STOP_FAILED"}, "the scenario has a task in neither bucket"
        server = re.search(
            r"server: total (\d+) · finished (\d+) · unfinished (\d+) · neither (\d+)", text
        )
        assert server is not None
        t, f, u, n = (int(g) for g in server.groups())
        assert f + u + n == t


# -- the Real3D task tables ------------------------------------------------------------------
STATE_COUNT = re.compile(r"(?:^|\s)\S ([A-Z][A-Z_]+|unreadable) (\d+)(?=\s|$)")
SERVER = re.compile(r"server: total (\d+), run (\d+), ok (\d+), fail (\d+), arch (\d+)")


def summary_lines(pilot: Any) -> list[str]:
    """The summary line as the screen shows it (the two lines under the header)."""
    lines = screen_text(pilot).splitlines()
    return lines[1:3]


def row_total(pilot: Any, where: str = "") -> tuple[int, int | None, int]:
    """(rows, of, sum of the per-state counts) read off the summary line."""
    text = " ".join(summary_lines(pilot))
    m = re.search(r"rows (\d+)(?: of (\d+))?" + re.escape(where) + r": (.*?)(?:server:|$)", text)
    assert m is not None, text
    parts = sum(int(n) for _, n in STATE_COUNT.findall(m.group(3)))
    return int(m.group(1)), int(m.group(2)) if m.group(2) else None, parts


async def test_task_table_counts_are_labelled_and_add_up(make_app: Any) -> None:
    app = make_app()
    # 120 columns: seven states and the history flag leave no room for the server's counts on
    # 80 (they come last, after the flags and the rows').
    async with app.run_test(size=(120, 30)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        await wait_for(pilot, lambda: SERVER.search(" ".join(summary_lines(pilot))) is not None)
        shown, of, parts = row_total(pilot)
        assert shown == parts == table(pilot).row_count == 9 and of is None
        server = SERVER.search(" ".join(summary_lines(pilot)))
        assert server is not None and server.group(1) == "9"  # the overview's own total
        # The server's "ok" bucket is not a state: no unlabelled "success 5" beside "SUCCESS 3".
        assert not re.search(r"\b(success|running|failed) \d", " ".join(summary_lines(pilot)))


async def test_task_table_filter_flags_stay_on_screen_and_rows_count_what_is_shown(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await pilot.press("A")  # archived shown: the longest flags the table has
        await wait_for(pilot, lambda: table(pilot).total_row_count == 6)
        await pilot.press("slash", *"east_block_fine", "enter")
        await wait_for(pilot, lambda: table(pilot).row_count == 1)
        await wait_for(pilot, lambda: "/east_block_fine" in summary_lines(pilot)[0])
        assert "[filter: all · /east_block_fine · +archived" in summary_lines(pilot)[0]
        shown, of, parts = row_total(pilot)
        assert (shown, of, parts) == (1, 6, 1)


async def test_all_workspaces_rows_add_up_with_the_filter_flags_shown(
    make_app: Any, sim: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(fleet_module, "wall_clock", sim.core.clock.now)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        await pilot.press("0")
        await wait_for(pilot, lambda: isinstance(app.screen, FleetScreen) and app.screen.loaded)
        await wait_for(pilot, lambda: table(pilot).total_row_count > 0)
        await pilot.press("3")  # failed only
        await wait_for(pilot, lambda: "[filter: failed" in summary_lines(pilot)[0])
        n = table(pilot).row_count
        spaces = {w.workspace_id for w in map(table(pilot).get_row, table(pilot).keys_in_order())}
        shown, of, parts = row_total(pilot, f" in {len(spaces)} workspace(s)")
        assert shown == parts == n and of == table(pilot).total_row_count > n


hostile = hostile_rows  # the simulator sends one task this console cannot read


async def test_an_unreadable_row_is_counted_so_the_rows_still_add_up(
    make_app: Any, hostile: None
) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await wait_for(pilot, lambda: "⚠ unreadable 1" in " ".join(summary_lines(pilot)))
        shown, of, parts = row_total(pilot)
        assert shown == parts == table(pilot).row_count and of is None


async def test_satellite_and_subtask_flags_stay_on_screen_at_80x24(make_app: Any) -> None:
    # Their counts fill the summary's two lines at 80 columns: a filter, marks and the archived
    # toggle, said after them, were cut off, so what hid rows or would be acted on was unseen.
    from tests.ui.test_subtasks_screen import NERF_A, push_subtasks

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_satellite(pilot)
        await pilot.press("slash", *"L2", "enter", "space")
        await wait_for(pilot, lambda: table(pilot).marked_keys != frozenset())
        await wait_for(pilot, lambda: "/L2" in " ".join(summary_lines(pilot)))
        shown = " ".join(summary_lines(pilot))
        assert "archived hidden (A)" in shown and "1 marked" in shown, shown
        await pilot.press("escape")  # the filter's Esc clears it; the next leaves the view
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        await push_subtasks(pilot, "城市更新_一期", NERF_A)
        await pilot.press("space")
        await wait_for(pilot, lambda: table(pilot).marked_keys != frozenset())
        await wait_for(pilot, lambda: "1 marked" in " ".join(summary_lines(pilot)))
