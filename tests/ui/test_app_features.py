"""App-wide features: watch, help with disabled reasons, palette commands, themes, intervals."""

from __future__ import annotations

from typing import Any

from koomap_tui.ui.commands import console_commands
from koomap_tui.ui.screens.help import HelpScreen
from koomap_tui.ui.widgets.freshness import FreshnessBar
from tests.ui.helpers import notices, open_workspace, screen_text, select, table, wait_for


async def test_watch_notifies_when_the_state_changes_on_another_screen(
    make_app: Any, sim: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await select(pilot, "east_block_fine")  # RUNNING
        await pilot.press("w")
        await pilot.pause()
        assert "east_block_fine" in app.watches.get(table(pilot).cursor_key).name
        await pilot.press("escape")  # leave for the workspaces screen
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        sim.advance(7 * 24 * 3600)  # the run ends
        app.hub.pollers["watches"].refresh_now()
        await wait_for(
            pilot, lambda: any("east_block_fine: RUNNING →" in n for n in notices(pilot))
        )


async def test_help_lists_keys_and_why_disabled_ones_are(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        await select(pilot, "西区_倾斜建模")  # SUCCESS: no stop, no start
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = screen_text(pilot)
        assert "Stop" in text and "cannot stop" in text
        assert "Archive" in text
        assert "Quit" in text
        # keys the footer does not show are in help too (the list scrolls), one row per action
        help_rows = {row.description: row.key for row in app.screen.rows}
        for words in ("Sort by next column", "Show failed only", "Show / hide archived"):
            assert words in help_rows and words in text, words
        assert help_rows["Mark / unmark row"] == "space" and help_rows["Open"] == "⏎"
        assert help_rows["Down"] == "↓/j" and "Focus Next" not in help_rows
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_palette_offers_tasks_workspaces_themes_and_intervals(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        titles = [c.title for c in console_commands(app, app.screen)]
        assert "Go to task: 西区_停止中" in titles
        assert any(t.startswith("Switch workspace: ") for t in titles)
        assert "Switch theme: high-contrast" in titles
        assert "Set poll interval: 5 s" in titles
        command = next(
            c for c in console_commands(app, app.screen) if c.title == "Go to task: 西区_资源不足"
        )
        command.callback()
        await pilot.pause()
        assert table(pilot).get_row(table(pilot).cursor_key).task_name == "西区_资源不足"
        theme = next(
            c for c in console_commands(app, app.screen) if c.title == "Switch theme: colour-blind"
        )
        theme.callback()
        await pilot.pause()
        assert app.theme == "colour-blind"
        interval = next(
            c for c in console_commands(app, app.screen) if c.title == "Set poll interval: 10 s"
        )
        interval.callback()
        assert app.screen.poller.intervals.fast == 10.0


async def test_archived_toggle_shows_archived_tasks(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        names = lambda: {t.task_name for t in table(pilot)._model.objs.values()}  # noqa: E731
        assert "east_block_2023" not in names()
        await pilot.press("A")
        await wait_for(pilot, lambda: "east_block_2023" in names())
        assert "ARCHIVED" in screen_text(pilot)


async def test_a_second_screen_on_a_running_source_starts_with_every_row(make_app: Any) -> None:
    from koomap_tui.ui.screens.tasks import TasksScreen

    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        first = app.screen
        assert isinstance(first, TasksScreen)
        rows = table(pilot).total_row_count
        # A second table on the same workspace shares the poller that is already running.
        app.push_screen(TasksScreen(first.workspace_id, first.workspace_name))
        await wait_for(pilot, lambda: app.screen is not first and app.screen.query("#tasks"))
        await wait_for(pilot, lambda: table(pilot).total_row_count == rows)


async def test_a_dialog_pauses_the_screen_behind_and_its_bar_says_so(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        tasks_screen = app.screen
        bar = tasks_screen.query_one(FreshnessBar)
        await wait_for(pilot, lambda: bar.status == "ok")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        # still in view behind the dialog: paused in words, not "polling…" and then STALE
        assert bar.status == "paused" and "paused" in bar.view.text
        await pilot.pause(2 * app.ctx.fast_interval + 0.5)
        bar.tick()
        assert bar.status == "paused" and "STALE" not in bar.view.text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is tasks_screen)
        await wait_for(pilot, lambda: bar.status == "ok" and "next in" in bar.view.text)
