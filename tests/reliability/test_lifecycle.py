"""Long sessions: leaving a screen releases its poller and the screen itself, and coming back
to a workspace shows its rows at once (regressions found by the soak test)."""

from __future__ import annotations

import gc
import time
import weakref
from pathlib import Path

from koomap_tui.sim.server import SimServer
from tests.reliability.conftest import make_app
from tests.ui.helpers import open_workspace, table, wait_for


async def test_screens_and_pollers_are_released_and_reopening_shows_rows(
    sim: SimServer, tmp_path: Path
) -> None:
    app = make_app(sim.base_url, tmp_path, fast=0.5, slow=0.5)
    closed: list[weakref.ref[object]] = []
    async with app.run_test(size=(160, 40)) as pilot:
        for name in ("survey_east_2024", "城市更新_一期", "survey_east_2024"):
            await open_workspace(pilot, name)  # waits for rows: an empty table fails here
            # watches, workspaces, the workspaces' counts, this workspace
            assert len(app.hub.pollers) == 4
            closed.append(weakref.ref(app.screen))
            await pilot.press("escape")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
            await pilot.pause(0.3)
            assert sorted(app.hub.pollers) == ["watches", "workspace-counts", "workspaces"]
        # Cancelled timer handles (5 s interval) keep a screen reachable until they leave the
        # loop's queue: wait (bounded) until all three screens have been collected.
        deadline = time.monotonic() + 15
        while not all(ref() is None for ref in closed) and time.monotonic() < deadline:
            await pilot.pause(0.25)
            gc.collect()
        assert [ref() is None for ref in closed] == [True, True, True]
        assert table(pilot).total_row_count > 0
