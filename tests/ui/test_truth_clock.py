"""Running durations count on the server's clock when the console is told it (the demo)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from koomap_tui.sim.server import SimServer
from koomap_tui.ui import format as fmt
from koomap_tui.ui.tablekit import all_rows
from tests.ui.helpers import open_workspace, screen_text, table, wait_for

EAST = "survey_east_2024"


@pytest.fixture
def sim_clock(sim: SimServer) -> Iterator[None]:
    fmt.use_clock(sim.core.clock.now)
    yield
    fmt.use_clock(None)


async def test_running_duration_counts_on_the_simulator_clock(
    make_app: Any, sim: SimServer, sim_clock: None
) -> None:
    app = make_app()
    async with app.run_test(size=(220, 40)) as pilot:
        await open_workspace(pilot, EAST)
        running = next(
            t
            for t in all_rows(table(pilot))
            if str(getattr(t.task_status, "value", "")) == "RUNNING"
        )
        sim_now = datetime.fromtimestamp(sim.core.clock.now(), UTC)
        expected = fmt.fmt_duration((sim_now - running.exec_start_time).total_seconds())
        assert expected not in ("0s", "—")
        line = next(ln for ln in screen_text(pilot).splitlines() if running.task_name in ln)
        await wait_for(pilot, lambda: expected in line)
        # This machine's clock would say something else entirely (the simulator's epoch is fixed).
        assert (
            fmt.fmt_duration(fmt.duration_between(running.exec_start_time, None, datetime.now(UTC)))
            != expected
        )
