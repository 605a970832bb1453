"""Snapshots at 80x24 (an SSH terminal): `:all`, and a task detail scrolled to its timeline.

Same rules as tests/ui/test_snapshots.py (simulator at speed 0 from its fixed epoch, fixed
endpoint, freshness bar frozen); here the history's clock and "the last 24 h" of `:all` are the
simulator's clock too, so every time on screen is fixed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from koomap_tui.services.history import HistoryStore
from koomap_tui.sim.server import SimServer
from koomap_tui.ui import format as format_module
from koomap_tui.ui.app import KooMapApp
from koomap_tui.ui.navigation import navigate
from koomap_tui.ui.screens import tasks as fleet_module
from koomap_tui.ui.screens.task_detail import TaskDetailScreen
from koomap_tui.ui.screens.tasks import FleetScreen
from koomap_tui.ui.tablekit import all_rows
from tests.ui.conftest import make_context
from tests.ui.helpers import open_workspace, select, table, wait_for
from tests.ui.test_snapshots import SHOWN_ENDPOINT, _freeze

SIZE = (80, 24)


@pytest.fixture(scope="module")
def snap_sim() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0) as sim:
        yield sim


@pytest.fixture
def mon_app(
    snap_sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., KooMapApp]:
    monkeypatch.chdir(tmp_path)
    virtual_now = datetime.fromtimestamp(snap_sim.core.clock.now(), UTC)
    monkeypatch.setattr(format_module, "now_utc", lambda: virtual_now)
    monkeypatch.setattr(fleet_module, "wall_clock", snap_sim.core.clock.now)

    def factory(history: bool = False) -> KooMapApp:
        snap_sim.reset()
        store = HistoryStore(tmp_path / "h.sqlite3", clock=snap_sim.core.clock.now)
        ctx = make_context(
            snap_sim,
            Path(),
            fast_interval=60,
            slow_interval=120,
            history=store if history else None,
        )
        ctx.endpoint = SHOWN_ENDPOINT
        ctx.download_dir = Path("/home/operator/Downloads/koomap")
        return KooMapApp(ctx)

    return factory


async def _all(pilot: Pilot[Any]) -> None:
    await open_workspace(pilot, "城市更新_一期")
    assert navigate(pilot.app, "all")  # type: ignore[arg-type]
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FleetScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.loaded and table(pilot).total_row_count > 0)

    # the first sweep of the idle workspaces is spread over cycles: poll until it is done
    def swept() -> bool:
        if screen.source.sweeper.swept:  # type: ignore[attr-defined]
            return True
        screen.poller.refresh_now()  # type: ignore[attr-defined]
        return False

    await wait_for(pilot, swept)
    # one more whole answer, applied before the picture is taken (not a fixed pause: under
    # load the answer can take longer than any pause chosen here)
    poller = screen.poller  # type: ignore[attr-defined]
    before = poller._last_ok
    poller.refresh_now()
    await wait_for(pilot, lambda: poller._last_ok != before)
    await pilot.pause()
    await _freeze(pilot)


def make_timeline(sim: SimServer) -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        store = pilot.app.ctx.history  # type: ignore[attr-defined]
        await open_workspace(pilot, "城市更新_一期")
        queued = next(t for t in all_rows(table(pilot)) if t.task_name == "西区_排队中")
        await wait_for(pilot, lambda: store.batches > 0)
        for _ in range(6):  # queued, then running stage by stage, on the simulator's clock
            sim.advance(120)
            before = store.batches
            pilot.app.screen.poller.refresh_now()  # type: ignore[attr-defined]
            await wait_for(pilot, lambda b=before: store.batches > b)
        await select(pilot, queued.task_name)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TaskDetailScreen))
        detail = pilot.app.screen
        await wait_for(pilot, lambda: detail.timeline.value and detail.links.value is not None)  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: detail.subtask_summary.value != "…")  # type: ignore[attr-defined]
        await pilot.press("t")
        await pilot.pause(0.2)
        await _freeze(pilot)

    return run


def test_all_80x24(snap_compare: Any, mon_app: Any) -> None:
    assert snap_compare(mon_app(), terminal_size=SIZE, run_before=_all)


def test_timeline_80x24(snap_compare: Any, mon_app: Any, snap_sim: SimServer) -> None:
    app = mon_app(history=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=make_timeline(snap_sim))
