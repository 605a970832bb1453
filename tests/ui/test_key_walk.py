"""The key walk: on every view, with a row of every state there selected, every key the view
binds (and `?`) is pressed; the console must not crash, and every key either acts, asks (a
dialog opens: it is dismissed) or says why not (a notice).

States come from the demo scenario, which holds rows in every state the simulator seeds (tasks
from INIT to ARCHIVED, subtasks from INIT to STOP_SUCCESS, products preparing/available/deleting,
satellite images in each migration state); the walk itself moves some of them further (it
starts, stops, archives), which the later keys then see.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen

from koomap_tui.services.data_items import target_of
from koomap_tui.ui.navigation import navigate
from koomap_tui.ui.screens.base import ConsoleScreen
from koomap_tui.ui.screens.help import HelpScreen
from koomap_tui.ui.screens.images import ImagesScreen
from koomap_tui.ui.screens.listview import ListScreen
from koomap_tui.ui.screens.satellite import SatelliteScreen
from koomap_tui.ui.screens.spurs import SpursScreen
from koomap_tui.ui.screens.subtasks import SubtasksScreen
from koomap_tui.ui.screens.task_detail import TaskDetailScreen
from koomap_tui.ui.tablekit import row_or_none
from tests.ui.helpers import open_workspace, table, wait_for

# Keys that leave the console or its view, pressed once at the end or not at all.
NOT_WALKED = {"q", "ctrl+q", "ctrl+c", "escape", "ctrl+p", "tab", "shift+tab"}
EAST = "survey_east_2024"
CITY = "城市更新_一期"


# Actions on the view rather than on the row under the cursor: cursor and scroll moves, the
# filter, sorting, the command line, the theme, refresh and copying selected text. Nothing of
# what they do depends on the row's state, so each view walks them once, with its first row;
# every other key is walked with a row of every state.
VIEW_LEVEL_ACTIONS = frozenset(
    {
        "cursor_up", "cursor_down", "cursor_home", "cursor_end", "cursor_page_up",
        "cursor_page_down", "scroll_left", "scroll_right", "page_left", "page_right",
        "filter", "sort_next", "sort_reverse", "command_mode", "cycle_theme", "refresh",
        "screen.copy_text",
    }
)  # fmt: skip


def walked_keys(screen: Screen[Any]) -> list[str]:
    """Every key bound on the view now (its own, the focused table's, the app's), and `?`."""
    keys = [k for k in screen.active_bindings if k not in NOT_WALKED]
    return list(dict.fromkeys([*keys, "question_mark"]))


async def settle(pilot: Pilot[Any], view: Screen[Any]) -> None:
    """Close whatever the key opened (dialog, form, help, another view) and reset the view."""
    app = pilot.app
    for _ in range(4):
        if app.screen is view:
            break
        await pilot.press("escape")
        await pilot.pause()
    if app.screen is not view:  # a pushed view whose Esc went elsewhere
        while app.screen is not view and len(app.screen_stack) > 2:
            app.pop_screen()
            await pilot.pause()
    assert app.screen is view, f"could not return to {view!r} from {app.screen!r}"
    if isinstance(view, ListScreen | ImagesScreen):
        view.close_filter(clear=True)
    if isinstance(view, ListScreen) and view.main.spec.quick:
        view.action_quick(next(iter(view.main.spec.quick)))


async def press_and_check(pilot: Pilot[Any], view: Screen[Any], key: str) -> None:
    app = pilot.app
    before = len(app.recent_notices)  # type: ignore[attr-defined]
    await pilot.press(key)
    await pilot.pause()
    assert app.is_running and app._exception is None, (key, app._exception)
    if key == "question_mark":
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
    if isinstance(view, ConsoleScreen):
        gated = view._gated_name("act", (key_action(view, key),)) if key_action(view, key) else None
        if gated is not None:
            # A catalogue key acts (a notice of the outcome), asks (a dialog) or says why not.
            await wait_for(
                pilot,
                lambda: isinstance(app.screen, ModalScreen) or len(app.recent_notices) > before,  # type: ignore[attr-defined]
            )
    await settle(pilot, view)
    assert app.is_running and app._exception is None, (key, app._exception)


def first_time(view: Screen[Any], key: str, seen: set[tuple[str, str]], where: str = "") -> bool:
    """False for a view-level key already walked on this view (see VIEW_LEVEL_ACTIONS)."""
    active = view.active_bindings.get(key)
    if active is None or active.binding.action not in VIEW_LEVEL_ACTIONS:
        return True
    mark = (f"{type(view).__name__}{where}", key)
    if mark in seen:
        return False
    seen.add(mark)
    return True


def key_action(view: Screen[Any], key: str) -> str | None:
    for binding in view._bindings.key_to_bindings.get(key, ()):
        if binding.action.startswith("act("):
            return binding.action[5:-2]
    return None


async def walk(
    pilot: Pilot[Any],
    view: Screen[Any],
    row_keys: list[str | None],
    seen: set[tuple[str, str]] | None = None,
) -> int:
    """Press every key with each of `row_keys` under the cursor (the view-level ones only with
    the first row walked on this kind of view, see `seen`); returns the presses made."""
    seen = set() if seen is None else seen
    presses = 0
    for key in row_keys:
        if key is not None and hasattr(view, "table"):
            if not view.table.move_cursor_to_key(key):
                continue  # the row left (deleted, archived away) during the walk
            await pilot.pause()
        for pressed in walked_keys(view):
            if not first_time(view, pressed, seen):
                continue
            await press_and_check(pilot, view, pressed)
            presses += 1
            if hasattr(view, "table"):
                view.table.clear_marks()
    return presses


def one_row_per_state(view: Any, state: Any) -> list[str | None]:
    table = view.table
    chosen: dict[str, str] = {}
    for key in table.keys_in_order():
        chosen.setdefault(str(state(row_or_none(table, key))), key)
    return list(chosen.values()) or [None]


@pytest.mark.parametrize("view_name", ["ws", "tasks", "sat", "usage", "audit"])
async def test_key_walk_list_views(make_app: Any, view_name: str) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        if view_name == "sat":
            await wait_for(pilot, lambda: table(pilot).total_row_count > 0)
            ws = next(w for w in table(pilot).all_rows() if w.workspace_name == "卫星影像_华北")
            app.current_workspace = (ws.workspace_id, ws.workspace_name)
            assert navigate(pilot.app, "sat")  # type: ignore[arg-type]
        elif view_name != "ws":
            await open_workspace(pilot, EAST)
            if view_name != "tasks":
                assert navigate(pilot.app, view_name)  # type: ignore[arg-type]
        await wait_for(pilot, lambda: bool(app.screen.query("VirtualTable")))
        await wait_for(pilot, lambda: table(pilot).total_row_count > 0 or view_name == "audit")
        view = app.screen
        if isinstance(view, ListScreen) and view.SPEC.state is not None:
            rows = one_row_per_state(view, view.row_state)
        else:
            rows = [view.table.cursor_key]  # type: ignore[attr-defined]
        if isinstance(view, SatelliteScreen):
            assert len(rows) >= 5, rows
        presses = await walk(pilot, view, rows)
        assert presses >= len(rows) * 5


async def test_key_walk_task_detail_subtasks_and_spurs(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, EAST)
        tasks = app.screen
        seen: set[tuple[str, str]] = set()  # the details of three states: one kind of view
        for key in one_row_per_state(tasks, tasks.row_state)[:3]:  # type: ignore[attr-defined]
            tasks.table.move_cursor_to_key(key)  # type: ignore[attr-defined]
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
            detail = app.screen
            await walk(pilot, detail, [None], seen)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is tasks)
        assert navigate(app, "spurs")
        await wait_for(pilot, lambda: isinstance(app.screen, SpursScreen) and app.screen.loaded)
        await walk(pilot, app.screen, [None])
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is tasks)

    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, CITY)
        key = next(
            k for k in table(pilot).keys_in_order() if "nerf" in table(pilot).get_row(k).task_name
        )
        table(pilot).move_cursor_to_key(key)
        await pilot.pause()
        assert navigate(app, "sub")
        await wait_for(pilot, lambda: isinstance(app.screen, SubtasksScreen) and app.screen.loaded)
        view = app.screen
        await walk(pilot, view, one_row_per_state(view, view.row_state))  # type: ignore[attr-defined]


async def test_key_walk_data_tabs(make_app: Any, tmp_path: Any) -> None:
    app = make_app(download_dir=tmp_path / "dl")
    async with app.run_test(size=(180, 45)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        assert navigate(app, "images")
        await wait_for(pilot, lambda: isinstance(app.screen, ImagesScreen) and app.screen.is_mounted)
        view = app.screen
        assert isinstance(view, ImagesScreen)
        for tab in ("folders", "products", "images"):
            shown = lambda tab=tab: view.active_tab == tab  # noqa: E731
            view.action_tab(tab)
            await wait_for(pilot, shown)
            await wait_for(pilot, lambda tab=tab: view.table_for(tab).total_row_count > 0)

            def state(row: Any) -> str:
                target = target_of(row.image if hasattr(row, "position") else row)
                return "" if target is None else target.state

            rows = one_row_per_state(view, state)
            seen: set[tuple[str, str]] = set()
            for key in rows:
                for pressed in walked_keys(view):
                    if pressed in ("1", "2", "3"):  # tab switches: they act, and are walked below
                        continue
                    if not first_time(view, pressed, seen, tab):
                        continue
                    if key is not None:
                        view.table.move_cursor_to_key(key)
                        await pilot.pause()
                    await press_and_check(pilot, view, pressed)
                    view.action_tab(tab)
                    await wait_for(pilot, shown)
            if tab == "folders":
                # No state of an image set can be downloaded or deleted: no key for it.
                assert view.check_action("download", ()) is False
                assert view.check_action("delete", ()) is False
