"""History on screen: the ETA column ("?" until samples, "—" when not active, "history off"
without a store) and the task detail's timeline, fed by real polls into a real SQLite file."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from textual.widgets import Input, Select

from koomap_tui.domain.policy import Kind
from koomap_tui.domain.states import state_info
from koomap_tui.services.history import HistoryStore
from koomap_tui.ui.format import fmt_duration
from koomap_tui.ui.forms.export import ExportDialog
from koomap_tui.ui.screens.history import HistoryScreen
from koomap_tui.ui.screens.task_detail import TaskDetailScreen
from koomap_tui.ui.tablekit import all_rows
from tests.ui.helpers import open_workspace, screen_text, select, table, wait_for
from tests.ui.test_navigation import command

QUIET = {"fast_interval": 30.0, "slow_interval": 60.0}  # polls only when a test asks


class Clock:
    """The history's clock, moved with the simulator's so progress has a rate."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def eta_cell(pilot: Any, name: str) -> str:
    task = next(t for t in all_rows(table(pilot)) if t.task_name == name)
    column = next(c for c in table(pilot).columns if c.key == "eta")
    assert column.render is not None
    return str(column.render(task)).strip()


async def step(pilot: Any, sim: Any, clock: Clock, store: HistoryStore, seconds: float) -> None:
    """Let `seconds` pass on both clocks and poll once; wait until the history has it."""
    sim.advance(seconds)
    clock.now += seconds
    before = store.batches
    pilot.app.screen.poller.refresh_now()
    await wait_for(pilot, lambda: store.batches > before)
    await pilot.pause(0.1)


async def test_eta_is_unknown_then_estimated_and_a_dash_when_finished(
    make_app: Any, sim: Any, tmp_path: Path
) -> None:
    clock = Clock()
    store = HistoryStore(tmp_path / "h.sqlite3", clock=clock)
    app = make_app(history=store, **QUIET)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await wait_for(pilot, lambda: store.batches > 0)
        assert eta_cell(pilot, "east_block_fine") == "?"  # RUNNING, one sample
        done = next(t for t in all_rows(table(pilot)) if t.task_status == "SUCCESS")
        assert eta_cell(pilot, done.task_name) == "—"
        for _ in range(4):
            await step(pilot, sim, clock, store, 30)
        await wait_for(pilot, lambda: eta_cell(pilot, "east_block_fine") != "?")
        assert re.fullmatch(r"\d+(s|m\d\ds|h\d\dm|d\d\dh)", eta_cell(pilot, "east_block_fine"))


async def test_without_history_the_eta_and_timeline_say_history_off(make_app: Any) -> None:
    app = make_app(**QUIET)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        assert "eta" not in [c.key for c in table(pilot).columns]
        assert "no ETA: history off" in screen_text(pilot)
        await select(pilot, "east_block_fine")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        await wait_for(pilot, lambda: "Timeline: history off" in screen_text(pilot))


async def test_detail_shows_the_timeline_state_by_state(
    make_app: Any, sim: Any, tmp_path: Path
) -> None:
    clock = Clock()
    store = HistoryStore(tmp_path / "h.sqlite3", clock=clock)
    app = make_app(history=store, **QUIET)
    async with app.run_test(size=(160, 50)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        pending = next(t for t in all_rows(table(pilot)) if t.task_status == "PENDING")
        await wait_for(pilot, lambda: store.batches > 0)
        for _ in range(8):
            await step(pilot, sim, clock, store, 120)
        seen = store.timeline("real3d_task", pending.task_id)
        assert len({e.state for e in seen}) >= 2  # it moved on: the timeline has a story
        await select(pilot, pending.task_name)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        await wait_for(pilot, lambda: "From (UTC)" in screen_text(pilot))
        await wait_for(pilot, lambda: "2m00s" in screen_text(pilot))
        lines = screen_text(pilot).splitlines()
        rows = lines[next(i for i, ln in enumerate(lines) if "From (UTC)" in ln) + 1 :]
        for entry, line in zip(seen, rows, strict=False):  # oldest first, one line a segment
            assert f"{state_info(Kind.REAL3D_TASK, entry.state).glyph} {entry.state}" in line
            assert f"{entry.stage}/{entry.total_stage}" in line
            assert (fmt_duration(entry.duration)) in line
        assert "PENDING" in rows[0] and "2m00s" in rows[0]  # queued for one 120 s step
        assert "now" in rows[len(seen) - 1]  # the segment it is still in


async def test_detail_reads_the_timeline_again_only_when_the_task_moved(
    make_app: Any, sim: Any, tmp_path: Path
) -> None:
    clock = Clock()
    store = HistoryStore(tmp_path / "h.sqlite3", clock=clock)
    reads: list[str] = []
    read = store.timeline

    def counted(kind: str, item_id: str) -> Any:
        reads.append(item_id)
        return read(kind, item_id)

    store.timeline = counted  # type: ignore[method-assign]
    app = make_app(history=store, **QUIET)
    async with app.run_test(size=(160, 50)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        pending = next(t for t in all_rows(table(pilot)) if t.task_status == "PENDING")
        await wait_for(pilot, lambda: store.batches > 0)
        await select(pilot, pending.task_name)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        await wait_for(pilot, lambda: "From (UTC)" in screen_text(pilot))
        settled = len(reads)
        for _ in range(3):  # polls that find the task as it was: nothing to read again
            await step(pilot, sim, clock, store, 0)
        assert len(reads) == settled
        await step(pilot, sim, clock, store, 120)  # it leaves PENDING: read again
        await step(pilot, sim, clock, store, 0)  # (in case the first read beat the write)

        def pending_row() -> str:
            lines = screen_text(pilot).splitlines()
            start = next(i for i, ln in enumerate(lines) if "From (UTC)" in ln)
            return lines[start + 1]

        await wait_for(pilot, lambda: "2m00s" in pending_row())  # PENDING has ended
        assert "PENDING" in pending_row() and len(reads) > settled


async def test_history_view_filters_and_exports_csv_and_jsonl(
    make_app: Any, sim: Any, tmp_path: Path
) -> None:
    clock = Clock()
    store = HistoryStore(tmp_path / "h.sqlite3", clock=clock)
    downloads = tmp_path / "dl"
    downloads.mkdir()
    app = make_app(history=store, download_dir=downloads, **QUIET)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        queued = next(t for t in all_rows(table(pilot)) if t.task_status == "PENDING")
        await wait_for(pilot, lambda: store.batches > 0)
        for _ in range(6):
            await step(pilot, sim, clock, store, 120)
        kept = store.transitions()
        await command(pilot, "history")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await wait_for(pilot, lambda: table(pilot).total_row_count == len(kept))
        assert "PENDING → RUNNING" in screen_text(pilot)
        await pilot.press("slash", *queued.task_name, "enter")
        await pilot.pause()
        mine = [t for t in kept if t.item_id == queued.task_id]
        assert len(mine) >= 2 and table(pilot).row_count == len(mine)
        # CSV of what is shown, oldest first, in the download directory by default
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
        box = app.screen.query_one("#path", Input)
        assert box.value.startswith(str(downloads / "koomap-history-"))
        assert box.value.endswith(".csv")
        out = downloads / "mine.csv"
        box.value = str(out)
        await pilot.press("enter")
        await wait_for(pilot, lambda: out.exists())
        rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
        assert [(r["item_id"], r["to_state"]) for r in rows] == [
            (t.item_id, t.to_state) for t in reversed(mine)
        ]
        # JSON lines
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
        app.screen.query_one("#format", Select).value = "jsonl"
        await pilot.pause()
        lines_out = downloads / "mine.jsonl"
        app.screen.query_one("#path", Input).value = str(lines_out)
        await pilot.press("enter")
        await wait_for(pilot, lambda: lines_out.exists())
        records = [json.loads(x) for x in lines_out.read_text(encoding="utf-8").splitlines()]
        assert [r["to_state"] for r in records] == [t.to_state for t in reversed(mine)]
        assert {r["name"] for r in records} == {queued.task_name}


async def test_history_view_without_history_says_off(make_app: Any) -> None:
    app = make_app(**QUIET)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await command(pilot, "history")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        assert "history off" in screen_text(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert not isinstance(app.screen, ExportDialog)


async def test_history_view_shows_the_global_keys_like_the_audit_at_80x24(make_app: Any) -> None:
    # Neither records view has a freshness line (they read a local file), so neither had the
    # "? help  : command  q quit" every other view shows on it; the audit added its own line.
    app = make_app(**QUIET)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        for view in ("history", "audit"):
            await command(pilot, view)
            name = f"{view}screen"
            await wait_for(pilot, lambda n=name: type(app.screen).__name__.lower() == n)
            await wait_for(pilot, lambda: "? help" in screen_text(pilot))
            assert "esc back" in screen_text(pilot)


def summary(pilot: Any) -> list[str]:
    """The summary's two lines as the screen shows them."""
    return screen_text(pilot).splitlines()[1:3]


async def test_the_records_views_keep_their_filters_on_screen_at_80x24(
    make_app: Any, tmp_path: Path
) -> None:
    # "N of M transition(s) · <path>" took both summary lines at 80 columns: the filters said
    # after it ("[to state: failed · /sat]") were cut off.
    store = HistoryStore(tmp_path / "a-folder-name-long-enough-to-fill-a-line" / "h.sqlite3")
    app = make_app(history=store, **QUIET)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        for view, quick in (("history", "failed"), ("audit", "ok")):
            await command(pilot, view)
            name = f"{view}screen"
            await wait_for(pilot, lambda n=name: type(app.screen).__name__.lower() == n)
            await pilot.press("2", "slash", *"zz", "enter")
            await wait_for(pilot, lambda q=quick: f"{q} · /zz]" in " ".join(summary(pilot)))
            assert any("0 of " in line for line in summary(pilot)), summary(pilot)
