"""What every list view does alike: marks the filter hides, judging a key once, asking before a
large download, and the keys a kind can never use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from koomap_tui.domain.catalog import ASK_BEFORE_DOWNLOAD_BYTES
from koomap_tui.domain.policy import Kind
from koomap_tui.ui.navigation import navigate
from koomap_tui.ui.screens.images import ImagesScreen, ProductRow
from koomap_tui.ui.tablekit import all_rows
from koomap_tui.ui.widgets.dialogs import ConfirmDialog
from tests.ui.helpers import open_workspace, screen_text, select, table, task_state, wait_for

EAST = "survey_east_2024"


async def test_marked_rows_hidden_by_the_filter_are_said_listed_and_confirmed(
    make_app: Any, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await open_workspace(pilot, EAST)
        idle = next(t for t in all_rows(table(pilot)) if task_state(pilot, t.task_name) == "INIT")
        await select(pilot, idle.task_name)
        await pilot.press("space")
        await pilot.press("2")  # active only: the marked idle task leaves the screen
        await wait_for(pilot, lambda: "1 marked row hidden by the filter" in screen_text(pilot))
        assert idle.task_id not in table(pilot).keys_in_order()

        await pilot.press("s")  # the cursor row is not what would start: ask, and say what
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        text = screen_text(pilot)
        assert idle.task_name in text and "hidden by the filter" in text
        await pilot.press("n")
        await pilot.pause()
        assert task_state(pilot, idle.task_name) == "INIT"
        audit = tmp_path / "audit.jsonl"
        assert not audit.exists() or "StartReal3DTask" not in audit.read_text()

        await pilot.press("1")  # shown again: the line no longer warns
        await wait_for(pilot, lambda: "hidden by the filter" not in screen_text(pilot))


async def test_a_key_is_judged_once_on_the_row_under_the_cursor_then(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await open_workspace(pilot, EAST)
        idle = next(t for t in all_rows(table(pilot)) if task_state(pilot, t.task_name) == "INIT")
        await select(pilot, idle.task_name)
        runner = app.ctx.runner
        asked: list[tuple[str, str]] = []
        original = runner.decide

        def counting(target: Any, op: Any) -> Any:
            asked.append((target.id, str(op)))
            return original(target, op)

        runner.decide = counting  # type: ignore[method-assign]
        # The footer and each poll's re-dimming ask too: only the key press is counted here.
        app.screen.refresh_bindings = lambda: None  # type: ignore[method-assign]
        app.screen.refresh_gates = lambda: None  # type: ignore[method-assign]
        await pilot.press("s")
        await wait_for(pilot, lambda: any("start requested" in m for _, m in app.recent_notices))
        starts = [a for a in asked if a[1] == "start"]
        # Once for the key press, once more by the runner's own in-flight guard: never four.
        assert starts == [(idle.task_id, "start"), (idle.task_id, "start")], asked


async def test_a_large_download_asks_first_also_on_enter(make_app: Any, tmp_path: Path) -> None:
    app = make_app(download_dir=tmp_path / "dl")
    async with app.run_test(size=(180, 45)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        assert navigate(app, "images")
        await wait_for(pilot, lambda: isinstance(app.screen, ImagesScreen) and app.screen.is_mounted)
        screen = app.screen
        assert isinstance(screen, ImagesScreen)
        screen.action_tab("products")
        await wait_for(pilot, lambda: screen.active_tab == "products")
        products = screen.table_for("products")
        await wait_for(pilot, lambda: products.total_row_count > 0)
        big = max(
            (r for r in all_rows(products) if isinstance(r, ProductRow) and r.state == "available"),
            key=lambda r: r.size or 0,
        )
        assert (big.size or 0) > ASK_BEFORE_DOWNLOAD_BYTES
        from koomap_tui.services.sources.data import product_key

        for key in ("enter", "D"):
            products.focus()
            assert products.move_cursor_to_key(product_key(big.kind, big.id))
            await pilot.pause()
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            assert "Large download" in screen_text(pilot)
            await pilot.press("n")
            await wait_for(pilot, lambda: app.screen is screen)
        assert screen.downloads.all() == []
        assert big.kind in (Kind.PRODUCT, Kind.REFINE_PRODUCT)


async def test_workspaces_filter_and_sort_like_every_table(make_app: Any) -> None:
    """`/` and `o`/`O` on the workspaces view (issue 11 §1.10)."""
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        await wait_for(pilot, lambda: table(pilot).total_row_count == 5)
        await pilot.press("slash", *"river", "enter")
        await wait_for(pilot, lambda: table(pilot).row_count == 1)
        shown = [table(pilot).get_row(k) for k in table(pilot).keys_in_order()]
        assert [w.workspace_name for w in shown] == ["river_corridor"]
        await pilot.press("slash", "ctrl+u", "enter")  # the filter emptied: every row again
        await wait_for(pilot, lambda: table(pilot).row_count == 5)
        await pilot.press("o")
        await wait_for(pilot, lambda: table(pilot).sort_column is not None)
        first = table(pilot).sort_column
        await pilot.press("O")
        await wait_for(pilot, lambda: app.screen.panel.sort_reverse)  # type: ignore[attr-defined]
        assert table(pilot).sort_column == first


async def test_products_and_satellite_images_filter_and_sort(make_app: Any, tmp_path: Path) -> None:
    from tests.ui.test_images_screen import open_data

    app = make_app(download_dir=tmp_path / "dl")
    async with app.run_test(size=(180, 45)) as pilot:
        for tab in ("products", "images"):
            screen = await open_data(pilot, tab) if tab == "products" else app.screen
            if tab == "images":
                screen.action_tab("images")  # type: ignore[attr-defined]
                await wait_for(pilot, lambda s=screen: s.active_tab == "images")
            t = screen.table_for(tab)  # type: ignore[attr-defined]
            await wait_for(pilot, lambda t=t: t.total_row_count > 1)
            before = t.total_row_count
            await pilot.press("o")
            await wait_for(pilot, lambda t=t: t.sort_column is not None)
            await pilot.press("slash", *"zzz-no-such-name", "enter")
            await wait_for(pilot, lambda t=t: t.row_count == 0)
            await pilot.press("slash", "ctrl+u", "enter")
            await wait_for(pilot, lambda t=t, n=before: t.row_count == n)
