"""The audit view names the ids it shows (from what the console has polled) and filters to one
task from its detail (`L`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from koomap_tui.services.history import HistoryStore
from koomap_tui.ui.screens.audit import AuditScreen
from koomap_tui.ui.screens.task_detail import TaskDetailScreen
from koomap_tui.ui.widgets.dialogs import ConfirmDialog
from tests.ui.helpers import notices, open_workspace, screen_text, select, table, wait_for
from tests.ui.test_navigation import command


async def _stop(pilot: Any, name: str) -> str:
    key = await select(pilot, name)
    await pilot.press("x")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
    await pilot.press("y")
    await wait_for(pilot, lambda: any("stop requested" in n for n in notices(pilot)))
    return key


async def test_audit_shows_names_beside_ids_and_filters_to_a_task(
    make_app: Any, tmp_path: Path
) -> None:
    # the first workspace's poller is gone by the time :audit opens: its name comes from the
    # history the console kept while it was shown
    app = make_app(history=HistoryStore(tmp_path / "h.sqlite3"))
    async with app.run_test(size=(200, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        fine = await _stop(pilot, "east_block_fine")
        await pilot.press("escape")  # back to the workspaces: another workspace's task
        await open_workspace(pilot, "城市更新_一期")
        queued = await _stop(pilot, "西区_排队中")
        await command(pilot, "audit")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
        await wait_for(pilot, lambda: table(pilot).total_row_count >= 2)
        audit = app.screen
        await wait_for(pilot, lambda: fine in audit.names)
        await wait_for(pilot, lambda: "east_block_fine (" in screen_text(pilot))
        assert "西区_排队中 (" in screen_text(pilot)
        texts = {
            audit.targets_text(audit.table.get_row(k).rec) for k in audit.table.keys_in_order()
        }
        assert texts == {f"east_block_fine ({fine})", f"西区_排队中 ({queued})"}
        # `/` finds a record by the name, not only the id
        await pilot.press("slash", *"east_block", "enter")
        await wait_for(pilot, lambda: 0 < table(pilot).row_count < table(pilot).total_row_count)
        assert all(
            fine in table(pilot).get_row(k).rec.targets for k in table(pilot).keys_in_order()
        )
        await pilot.press("escape")  # the filter box closed on Enter: Esc leaves the view
        await wait_for(pilot, lambda: not isinstance(app.screen, AuditScreen))
        # from the task's detail, L shows its records only
        await select(pilot, "西区_排队中")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
        audit = app.screen
        await wait_for(pilot, lambda: audit.table.total_row_count >= 2)
        shown = [audit.table.get_row(k).rec for k in audit.table.keys_in_order()]
        assert shown and all(queued in rec.targets for rec in shown)
        assert audit.table.row_count < audit.table.total_row_count


async def test_audit_without_history_names_what_is_polled_and_shows_ids_otherwise(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        fine = await _stop(pilot, "east_block_fine")
        await command(pilot, "audit")  # the task table (and its poller) is still open below
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
        audit = app.screen
        await wait_for(pilot, lambda: "east_block_fine (" in screen_text(pilot))
        rec = audit.table.get_row(audit.table.keys_in_order()[0]).rec
        assert audit.targets_text(rec) == f"east_block_fine ({fine})"
        audit.names.clear()  # a name nobody knows: the id alone, never a wrong name
        assert audit.targets_text(rec) == fine
