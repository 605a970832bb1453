"""The workspaces view's own checks before anything is sent: a name in use (case-insensitive)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from koomap_tui.sim.server import SimServer
from koomap_tui.ui.forms.workspace import WorkspaceForm
from tests.ui.helpers import screen_text, table, wait_for


async def _open_form(pilot: Any, key: str) -> WorkspaceForm:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, WorkspaceForm))
    form: WorkspaceForm = pilot.app.screen
    return form


async def test_a_name_in_use_is_refused_before_sending_and_an_edit_may_keep_its_own(
    make_app: Any, sim: SimServer
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        await wait_for(pilot, lambda: table(pilot).total_row_count == 5)
        form = await _open_form(pilot, "n")
        form.query_one("#name", Input).value = "RIVER_Corridor"  # river_corridor exists
        await pilot.press("enter")
        await wait_for(pilot, lambda: "already exists" in screen_text(pilot))
        assert sim.request_log.count(operation="CreateCommonWorkspace") == 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")

        river = next(w for w in table(pilot).all_rows() if w.workspace_name == "river_corridor")
        assert table(pilot).move_cursor_to_key(river.workspace_id)
        form = await _open_form(pilot, "e")
        assert form.query_one("#name", Input).value == "river_corridor"
        await pilot.press("enter")  # its own name is not "in use"
        await wait_for(pilot, lambda: sim.request_log.count(operation="UpdateCommonWorkspace") == 1)
