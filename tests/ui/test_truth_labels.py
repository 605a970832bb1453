"""Counts say whose they are, and the rows' counts add up (issue 12, §1.3)."""

from __future__ import annotations

import re
from typing import Any

from tests.ui.helpers import screen_text, table, wait_for
from tests.ui.test_satellite_screen import open_satellite

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


async def test_task_table_labels_the_server_counts_and_its_row_counts_add_up(
    make_app: Any,
) -> None:
    from tests.ui.helpers import open_workspace

    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await wait_for(pilot, lambda: "server: total" in screen_text(pilot))
        await wait_for(pilot, lambda: re.search(r"rows \d+:", screen_text(pilot)) is not None)
        text = screen_text(pilot)
        server = re.search(
            r"server: total (\d+) · running (\d+) · success (\d+) · failed (\d+) · archived (\d+)",
            text,
        )
        assert server is not None, text
        rows = re.search(r"rows (\d+):(.*?)\[", text)
        assert rows is not None, text
        shown = int(rows.group(1))
        per_state = [int(n) for n in re.findall(r"[A-Z_]+ (\d+)", rows.group(2))]
        assert per_state, rows.group(0)
        assert shown == table(pilot).total_row_count == sum(per_state)
