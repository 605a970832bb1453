"""Snapshot tests: what the operator sees, pixel for pixel (SVG), compared with accepted images.

Regenerate after an intended change with `pytest tests/ui/test_snapshots.py --snapshot-update`,
then look at the new files under `__snapshots__/` before committing them.

What keeps a snapshot stable from run to run:
* the simulator runs at speed 0 from its fixed default epoch (2024-06-01), so states, progress
  and every time shown are the same each run (and times are shown in UTC);
* the header shows a fixed endpoint (`ctx.endpoint`; the client still talks to the ephemeral
  port), because the port changes every run; the download directory is fixed too (not $HOME);
* the poll interval is longer than a test, so no second poll changes anything mid-screenshot;
* the freshness bar, the one thing on screen that moves with the wall clock ("updated 2 s ago"),
  is frozen after the data arrived: it gets fixed poll facts and a fixed clock (`_freeze`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from koomap_tui.sim.server import SimServer
from koomap_tui.ui import format as format_module
from koomap_tui.ui.app import KooMapApp
from koomap_tui.ui.navigation import navigate
from koomap_tui.ui.tablekit import all_rows
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.virtual_table import VirtualTable
from tests.ui.conftest import make_context
from tests.ui.helpers import open_workspace, screen_text, select, table, wait_for

SIZE = (120, 32)
SHOWN_ENDPOINT = "https://koomap.cn-north-4.myhuaweicloud.com"
THEMES = ["koomap-dark", "koomap-light"]
ALL_THEMES = ["koomap-dark", "koomap-light", "high-contrast", "colour-blind", "terminal-ansi"]
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


@dataclass(frozen=True)
class FrozenFacts:
    """Poll facts of a healthy poller, 2 s after its last good poll (see `describe`)."""

    last_ok: float = 1000.0
    next_at: float = 1003.0
    errors: int = 0
    last_error: str | None = None
    interval: float = 3.0
    paused: bool = False


FROZEN_NOW = 1002.0


async def _freeze(pilot: Pilot[Any]) -> None:
    """Stop the wall clock from reaching the screen: fixed facts, fixed clock, repainted."""
    for poller in pilot.app.hub.pollers.values():  # type: ignore[attr-defined]
        poller.pause()
        # A cycle already in flight still ends and posts its answer (with the real clock's
        # facts) after this: nothing may reach the screen once the picture is being fixed.
        poller._listeners.clear()
    await pilot.pause(0.1)
    # rows that just changed flash for a second: wait for the steady picture
    tables = list(pilot.app.screen.query(VirtualTable))
    await wait_for(pilot, lambda: not any(t._flash for t in tables))
    for bar in pilot.app.screen.query(FreshnessBar):
        bar._clock = lambda: FROZEN_NOW
        bar.freshness = FrozenFacts()
        bar.tick()
    await pilot.pause()


@pytest.fixture(scope="module")
def snap_sim() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0) as sim:
        yield sim


@pytest.fixture
def snap_app(
    snap_sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., KooMapApp]:
    monkeypatch.chdir(tmp_path)  # the audit view shows the log's path: a relative one is stable
    # running durations count to the simulator's (stopped, fixed-epoch) clock, not today
    virtual_now = datetime.fromtimestamp(snap_sim.core.clock.now(), UTC)
    monkeypatch.setattr(format_module, "now_utc", lambda: virtual_now)

    def factory(theme: str = "koomap-dark") -> KooMapApp:
        snap_sim.reset()
        ctx = make_context(snap_sim, Path(), theme=theme, fast_interval=60, slow_interval=120)
        ctx.endpoint = SHOWN_ENDPOINT
        ctx.download_dir = Path("/home/operator/Downloads/koomap")  # not $HOME
        return KooMapApp(ctx)

    return factory


# -- steps --------------------------------------------------------------------------------------
async def _task_table(pilot: Pilot[Any]) -> None:
    await open_workspace(pilot, "城市更新_一期")
    await wait_for(pilot, lambda: "total 9" in screen_text(pilot))
    await select(pilot, "西区_重建_v2")  # FAILED: the footer shows which keys are dimmed


async def _task_states(pilot: Pilot[Any]) -> None:
    """ARCHIVED, INIT and RUNNING rows (with BUNDLE_SUCCESS and SUCCESS) in one table."""
    await open_workspace(pilot, "survey_east_2024")
    await pilot.press("A")  # archived rows are hidden by default
    await wait_for(pilot, lambda: table(pilot).total_row_count == 6)
    text = screen_text(pilot)
    assert all(state in text for state in ("ARCHIVED", "INIT", "RUNNING"))
    await select(pilot, "east_block_fine")  # RUNNING: stop offered, start dimmed
    pilot.app.clear_notifications()  # "archived tasks shown" would hide rows' right ends
    await pilot.pause()


async def _task_detail(pilot: Pilot[Any]) -> None:
    await open_workspace(pilot, "城市更新_一期")
    await select(pilot, "老城区_nerf")  # Nerf: the detail lists its refinement subtasks
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "TaskDetailScreen")
    await wait_for(pilot, lambda: " of 10" in screen_text(pilot))
    detail: Any = pilot.app.screen
    # The image set and products are read after the detail opens: wait for both answers.
    await wait_for(pilot, lambda: detail.links.error is not None or detail.links.value is not None)


async def _workspaces(pilot: Pilot[Any]) -> None:
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "WorkspacesScreen")
    await wait_for(pilot, lambda: table(pilot).total_row_count == 5)
    # every row's task counts loaded (they arrive one request per workspace)
    await wait_for(pilot, lambda: "…" not in screen_text(pilot))


def then_freeze(step: RunBefore) -> RunBefore:
    async def run(pilot: Pilot[Any]) -> None:
        await step(pilot)
        await _freeze(pilot)

    return run


# -- task table and task detail, in two themes ----------------------------------------------------
@pytest.mark.parametrize("theme", THEMES)
def test_task_table(snap_compare: Any, snap_app: Any, theme: str) -> None:
    app = snap_app(theme)
    assert snap_compare(app, terminal_size=SIZE, run_before=then_freeze(_task_table))


@pytest.mark.parametrize("theme", ALL_THEMES)
def test_task_states(snap_compare: Any, snap_app: Any, theme: str) -> None:
    """Colour by state in every theme: a regression in one theme's state colours shows here."""
    app = snap_app(theme)
    assert snap_compare(app, terminal_size=SIZE, run_before=then_freeze(_task_states))


@pytest.mark.parametrize("theme", THEMES)
def test_task_detail(snap_compare: Any, snap_app: Any, theme: str) -> None:
    app = snap_app(theme)
    assert snap_compare(app, terminal_size=SIZE, run_before=then_freeze(_task_detail))


def test_workspaces(snap_compare: Any, snap_app: Any) -> None:
    app = snap_app()
    assert snap_compare(app, terminal_size=SIZE, run_before=then_freeze(_workspaces))


# -- one snapshot per other view, reached by its command --------------------------------------
async def _enter_workspace(pilot: Pilot[Any], name: str) -> None:
    """Like `open_workspace`, for a workspace that may hold no Real3D task."""
    await _workspaces(pilot)
    key = next(w.workspace_id for w in all_rows(table(pilot)) if w.workspace_name == name)
    assert table(pilot).move_cursor_to_key(key)
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "TasksScreen")
    await wait_for(pilot, lambda: "total " in screen_text(pilot))


def _view(name: str, ready: str, workspace: str, task: str | None) -> RunBefore:
    async def run(pilot: Pilot[Any]) -> None:
        await _enter_workspace(pilot, workspace)
        if task is not None:
            await select(pilot, task)
        assert navigate(pilot.app, name)  # type: ignore[arg-type]
        await wait_for(pilot, lambda: ready in screen_text(pilot))
        await pilot.pause(0.3)

    return run


# (view, module, text that shows its data arrived, workspace, task under the cursor)
OTHER_VIEWS = [
    ("sub", "subtasks", "Refinement subtasks of", "城市更新_一期", "老城区_nerf"),
    ("spurs", "spurs", "Control points", "survey_east_2024", "east_block_ctrl"),
    ("images", "images", "old_town_2023", "survey_east_2024", None),
    ("sat", "satellite", "gf2_city_centre_L2", "卫星影像_华北", None),
    ("usage", "usage", "Usage per item", "survey_east_2024", None),
    ("audit", "audit", "audit", "survey_east_2024", None),
]


@pytest.mark.parametrize(
    ("view", "module", "ready", "workspace", "task"), OTHER_VIEWS, ids=[v[0] for v in OTHER_VIEWS]
)
def test_view(
    snap_compare: Any,
    snap_app: Any,
    view: str,
    module: str,
    ready: str,
    workspace: str,
    task: str | None,
) -> None:
    if importlib.util.find_spec(f"koomap_tui.ui.screens.{module}") is None:
        pytest.skip(f"the :{view} view is not in this build (koomap_tui/ui/screens/{module}.py)")
    app = snap_app()
    step = then_freeze(_view(view, ready, workspace, task))
    assert snap_compare(app, terminal_size=SIZE, run_before=step)
