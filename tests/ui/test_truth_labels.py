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

