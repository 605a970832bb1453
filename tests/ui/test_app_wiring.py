"""App-level wiring of issue 13: history fed by every poll and "since you were last here",
a corrupt or locked history that never blocks, `--on-change` for watched tasks, the remembered
view/workspace/theme, and `y` copying the selected id."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from textual.screen import Screen
from textual.widgets import Static

from koomap_tui.services.history import HistoryStore
from koomap_tui.services.on_change import OnChangeRunner
from koomap_tui.services.remember import RememberStore, default_path
from koomap_tui.ui.app import KooMapApp
from koomap_tui.ui.screens.base import ConsoleScreen
from tests.ui.conftest import make_context
from tests.ui.helpers import notices, open_workspace, select, table, wait_for


def app_with(sim: Any, tmp_path: Path, **kw: Any) -> KooMapApp:
    return KooMapApp(make_context(sim, tmp_path, **kw))


async def flushed(store: HistoryStore) -> None:
    assert await asyncio.to_thread(store.flush, 20.0)


def stored_items(path: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT kind, name, state FROM items").fetchall()
    return {name: (kind, state) for kind, name, state in rows}


async def test_every_task_poll_reaches_the_history_and_nothing_else_does(
    sim: Any, tmp_path: Path
) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3")
    app = app_with(sim, tmp_path, history=store)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await flushed(store)
        items = stored_items(store.path)
        assert items["east_block_fine"] == ("real3d_task", "RUNNING")
        # the workspaces list is polled too, but history keeps tasks only
        assert "survey_east_2024" not in items
        assert {kind for kind, _ in items.values()} <= {"real3d_task", "satellite_task", "subtask"}
        assert store.active
    assert not store.active  # closed with the app: the writer thread and its file are done


async def test_leaving_a_view_releases_its_poller_though_the_history_listens(
    sim: Any, tmp_path: Path
) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3")
    app = app_with(sim, tmp_path, history=store)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        key = next(k for k in app.hub.pollers if k.startswith("real3d:"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        await wait_for(pilot, lambda: key not in app.hub.pollers)


async def test_since_you_were_last_here_after_a_restart(sim: Any, tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    first = HistoryStore(path, clock=lambda: 1_000.0)
    app = app_with(sim, tmp_path, history=first)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await flushed(first)
    assert stored_items(path)["east_block_fine"][1] == "RUNNING"

    sim.advance(7 * 24 * 3600)  # the console is closed; the run ends meanwhile
    second = HistoryStore(path, clock=lambda: 2_000.0)
    app = app_with(sim, tmp_path, history=second)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await wait_for(
            pilot, lambda: any(n.startswith("Since you were last here") for n in notices(pilot))
        )
        said = [n for n in notices(pilot) if n.startswith("Since you were last here")]
        assert len(said) == 1
        assert "east_block_fine: RUNNING → " in said[0]


async def test_a_corrupt_history_is_said_once_and_the_tasks_still_show(
    sim: Any, tmp_path: Path
) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = HistoryStore(path)
    app = app_with(sim, tmp_path, history=store)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await wait_for(pilot, lambda: any("moved aside" in n for n in notices(pilot)))
        await flushed(store)
        assert stored_items(path)["east_block_fine"][1] == "RUNNING"  # a fresh file is used
        assert sum("moved aside" in n for n in notices(pilot)) == 1


async def test_a_locked_history_is_skipped_and_polling_goes_on(sim: Any, tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).start().close()  # a valid file...
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # ...that another program holds
    try:
        store = HistoryStore(path, open_timeout=0.2)
        app = app_with(sim, tmp_path, history=store)
        async with app.run_test(size=(160, 40)) as pilot:
            await open_workspace(pilot, "survey_east_2024")  # the table fills regardless
            await wait_for(pilot, lambda: any("locked" in n for n in notices(pilot)))
            assert table(pilot).total_row_count > 0 and not store.active
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# -- on-change -------------------------------------------------------------------------------
def stdin_to(path: Path) -> list[str]:
    code = "import sys, pathlib; pathlib.Path(sys.argv[1]).write_bytes(sys.stdin.buffer.read())"
    return [sys.executable, "-c", code, str(path)]


async def watch_and_finish(pilot: Any, app: KooMapApp, sim: Any) -> str:
    await open_workspace(pilot, "survey_east_2024")
    key = await select(pilot, "east_block_fine")  # RUNNING
    await pilot.press("w")
    await wait_for(pilot, lambda: key in app.watches)
    sim.advance(7 * 24 * 3600)
    app.hub.pollers["watches"].refresh_now()
    return key


async def test_on_change_runs_the_command_with_the_change_on_stdin(
    sim: Any, tmp_path: Path
) -> None:
    out = tmp_path / "change.json"
    app = app_with(sim, tmp_path, on_change=OnChangeRunner(stdin_to(out)))
    async with app.run_test(size=(160, 40)) as pilot:
        key = await watch_and_finish(pilot, app, sim)
        await wait_for(pilot, lambda: out.exists() and out.stat().st_size > 0, timeout=20)
    change = json.loads(out.read_text(encoding="utf-8"))
    assert change["task_id"] == key and change["name"] == "east_block_fine"
    assert change["from"] == "RUNNING" and change["to"] != "RUNNING"
    assert change["workspace"] and change["time"].endswith("Z")


async def test_a_failing_on_change_command_is_a_notice(sim: Any, tmp_path: Path) -> None:
    code = "import sys; sys.stdin.read(); print('pager down', file=sys.stderr); sys.exit(4)"
    app = app_with(sim, tmp_path, on_change=OnChangeRunner([sys.executable, "-c", code]))
    async with app.run_test(size=(160, 40)) as pilot:
        await watch_and_finish(pilot, app, sim)
        await wait_for(pilot, lambda: any("status 4: pager down" in n for n in notices(pilot)))
        assert any(n.startswith("On-change command failed") for n in notices(pilot))


async def test_a_hanging_on_change_command_times_out_and_the_ui_goes_on(
    sim: Any, tmp_path: Path
) -> None:
    hang = [sys.executable, "-c", "import time; time.sleep(600)"]
    app = app_with(sim, tmp_path, on_change=OnChangeRunner(hang, timeout=1.0))
    async with app.run_test(size=(160, 40)) as pilot:
        await watch_and_finish(pilot, app, sim)
        await pilot.press("question_mark")  # the UI answers while the command hangs
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        await wait_for(pilot, lambda: any("did not finish within 1 s" in n for n in notices(pilot)))


# -- remember --------------------------------------------------------------------------------
async def test_view_workspace_and_theme_are_remembered_and_restored(
    sim: Any, tmp_path: Path
) -> None:
    memory = RememberStore(tmp_path / "remember.json", "k")
    app = app_with(sim, tmp_path, remember=memory)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await pilot.press("ctrl+t")
        await pilot.pause()
        theme = app.theme
        await pilot.press("colon", *"usage", "enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "UsageScreen")
        await pilot.press("question_mark")  # help is not a view: not remembered
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
    state = RememberStore(tmp_path / "remember.json", "k").state
    assert state.view == "usage" and state.theme == theme
    assert state.workspace_name == "survey_east_2024" and state.workspace_id

    again = app_with(
        sim,
        tmp_path,
        remember=RememberStore(tmp_path / "remember.json", "k"),
        start_view=state.view,
        workspace_id=state.workspace_id,
        workspace_name=state.workspace_name,
        theme=state.theme,
    )
    async with again.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: type(again.screen).__name__ == "UsageScreen")
        assert again.theme == theme
        assert again.current_workspace == (state.workspace_id, "survey_east_2024")
        assert [type(s).__name__ for s in again.screen_stack][-2:] == ["TasksScreen", "UsageScreen"]


async def test_going_back_is_remembered_too(sim: Any, tmp_path: Path) -> None:
    memory = RememberStore(tmp_path / "remember.json", "k")
    app = app_with(sim, tmp_path, remember=memory)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")  # Enter, not `:tasks`
        await wait_for(pilot, lambda: memory.state.view == "tasks")
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        await wait_for(pilot, lambda: memory.state.view == "ws")
    assert RememberStore(tmp_path / "remember.json", "k").state.view == "ws"


async def test_a_remembered_view_that_needs_a_task_is_not_restored(
    sim: Any, tmp_path: Path
) -> None:
    app = app_with(sim, tmp_path, start_view="spurs")
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        await pilot.pause()
        assert not any("select a task" in n for n in notices(pilot))
    assert not default_path().exists()  # no store given (as in every test): nothing written


# -- y: copy the selected id -----------------------------------------------------------------
class PickScreen(ConsoleScreen):
    def __init__(self, chosen: str | None) -> None:
        super().__init__()
        self.chosen = chosen

    def compose(self) -> Any:
        yield Static("pick")

    def cursor_id(self) -> str | None:
        return self.chosen


class PlainScreen(Screen[None]):
    def compose(self) -> Any:
        yield Static("plain")


async def test_y_copies_the_selected_id_with_osc52(sim: Any, tmp_path: Path) -> None:
    app = app_with(sim, tmp_path)
    written: list[str] = []
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        driver = app._driver
        assert driver is not None
        original = driver.write

        def spy(data: str) -> None:
            written.append(data)
            original(data)

        driver.write = spy  # type: ignore[method-assign]
        await app.push_screen(PickScreen("a1b2c3"))
        await pilot.press("y")
        await wait_for(pilot, lambda: any("copied a1b2c3" in n for n in notices(pilot)))
        assert app.clipboard == "a1b2c3"
        assert any("\x1b]52;c;" in chunk for chunk in written)  # OSC 52: works over SSH

        await app.push_screen(PickScreen(None))
        await pilot.press("y")
        await wait_for(pilot, lambda: any("nothing selected" in n for n in notices(pilot)))
        await app.push_screen(PlainScreen())
        await pilot.press("y")
        await wait_for(pilot, lambda: any("nothing to copy here" in n for n in notices(pilot)))
        assert app.clipboard == "a1b2c3"


def test_the_away_notice_puts_failures_first_and_stays_short() -> None:
    from koomap_tui.services.history import AwayChange
    from koomap_tui.ui.app import AWAY_LISTED, away_text

    def change(name: str, outcome: str, after: str) -> AwayChange:
        return AwayChange("real3d_task", name, name, "w", outcome, "RUNNING", after, 0.0)

    changes = [change(f"ok_{i}", "finished", "SUCCESS") for i in range(AWAY_LISTED + 2)]
    changes.append(change("broken", "failed", "FAILED"))
    lines = away_text(changes).splitlines()
    assert lines[0] == f"1 failed, {AWAY_LISTED + 2} finished"
    assert lines[1] == "broken: RUNNING → FAILED"
    assert len(lines) == 1 + AWAY_LISTED + 1 and lines[-1] == "and 3 more (:history)"


async def test_y_on_the_task_table_copies_the_task_under_the_cursor(
    sim: Any, tmp_path: Path
) -> None:
    app = app_with(sim, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await wait_for(pilot, lambda: table(pilot).total_row_count > 1)
        rows = [key for key in table(pilot).keys_in_order()]
        table(pilot).move_cursor_to_key(rows[1])
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: any(f"copied {rows[1]}" in n for n in notices(pilot)))
        assert app.clipboard == rows[1]


async def test_a_table_s_sort_and_filters_are_remembered_and_restored(
    sim: Any, tmp_path: Path
) -> None:
    path = tmp_path / "remember.json"
    app = app_with(sim, tmp_path, remember=RememberStore(path, "k"))
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await wait_for(pilot, lambda: table(pilot).total_row_count > 0)
        await pilot.press("2", "o", "O")  # quick filter "active", sort by the first column, reversed
        await pilot.press("slash", *"east", "enter")
        await wait_for(pilot, lambda: not app.screen.query_one("#filter").display)
        sorted_by = table(pilot).sort_column
        assert sorted_by is not None
    remembered = RememberStore(path, "k").table("tasks")
    assert remembered == {"sort": sorted_by, "reverse": True, "quick": "2", "filter": "east"}

    again = app_with(sim, tmp_path, remember=RememberStore(path, "k"))
    async with again.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await wait_for(pilot, lambda: table(pilot).total_row_count > 0)
        screen: Any = again.screen
        assert table(pilot).sort_column == sorted_by and screen.panel.sort_reverse
        assert screen.panel.quick == "2" and screen.panel.text_filter == "east"
        summary = str(screen.query_one("#summary").render())
        assert "/east" in summary
