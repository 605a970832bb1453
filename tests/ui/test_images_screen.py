"""The data screen against the simulator: tabs with state words, gated downloads and deletes,
downloads that complete, and a large satellite list read viewport-first."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Input

from koomap_tui.api.models import ImageInfo
from koomap_tui.domain.catalog import ASK_BEFORE_DOWNLOAD_BYTES
from koomap_tui.domain.policy import Kind
from koomap_tui.services.downloads import DownloadManager, DownloadState
from koomap_tui.services.sources.data import ImageRow, ProductRow, position_key
from koomap_tui.session import build_downloads
from koomap_tui.ui.navigation import navigate
from koomap_tui.ui.screens.images import ImagesScreen
from koomap_tui.ui.tablekit import all_rows
from koomap_tui.ui.widgets.dialogs import ConfirmDialog, TypedConfirmDialog
from koomap_tui.ui.widgets.virtual_table import VirtualTable
from koomap_tui.ui.widgets.vtable_render import cell_plain
from tests.ui.conftest_images import SCALE_IMAGES, make_scale_app, scale_sim  # noqa: F401
from tests.ui.helpers import screen_text, wait_for

pytestmark = pytest.mark.timeout(60)


def record_notices(app: Any) -> list[str]:
    """Every notification, kept (the app's own list drops them after their timeout, which a
    loaded test machine can exceed)."""
    seen: list[str] = []
    original = app.notify

    def notify(message: str, *, title: str = "", **kw: Any) -> None:
        seen.append(f"{title}: {message}")
        original(message, title=title, **kw)

    app.notify = notify
    return seen


def data_screen(pilot: Any) -> ImagesScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ImagesScreen)
    return screen


def state_words(t: VirtualTable) -> set[str]:
    column = next(c for c in t.columns if c.key == "state")
    return {cell_plain(column, row) for row in all_rows(t)}


async def open_data(pilot: Any, tab: str = "folders") -> ImagesScreen:
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "WorkspacesScreen")
    assert navigate(pilot.app, "images")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ImagesScreen))
    screen = data_screen(pilot)
    await wait_for(pilot, lambda: screen.is_mounted)
    screen.action_tab(tab)
    await wait_for(pilot, lambda: screen.active_tab == tab)  # the keys offered follow the tab
    await wait_for(pilot, lambda: screen.table_for(tab).total_row_count > 0)
    if tab == "images":
        await wait_for(
            pilot, lambda: all(r.image is not None for r in all_rows(screen.table_for(tab)))
        )
    return screen


def put_cursor(screen: ImagesScreen, tab: str, match: Any) -> Any:
    t = screen.table_for(tab)
    for key in t.keys_in_order():
        row = t.get_row(key)
        if match(row):
            assert t.move_cursor_to_key(key)
            return row
    raise AssertionError("no matching row")


def product_in(state: str, kind: Kind = Kind.PRODUCT) -> Any:
    return lambda r: isinstance(r, ProductRow) and r.kind is kind and r.state == state


def image_in(status: str) -> Any:
    return lambda r: r.image is not None and str(r.image.image_status) == status


@pytest.fixture
def dl_app(make_app: Any, tmp_path: Path) -> Any:
    return make_app(download_dir=tmp_path / "dl")


async def test_every_tab_lists_items_with_state_words(dl_app: Any) -> None:
    async with dl_app.run_test(size=(180, 45)) as pilot:
        screen = await open_data(pilot, "folders")
        words = " | ".join(state_words(screen.table_for("folders")))
        assert "Done 已完成" in words
        assert "倾斜影像" in screen_text(pilot)

        screen.action_tab("products")
        await wait_for(pilot, lambda: screen.table_for("products").total_row_count > 0)
        words = " | ".join(state_words(screen.table_for("products")))
        for word in ("available 可用", "preparing 准备中", "deleting 删除中"):
            assert word in words
        kinds = {r.kind for r in all_rows(screen.table_for("products"))}
        assert kinds == {Kind.PRODUCT, Kind.REFINE_PRODUCT}

        screen.action_tab("images")
        await wait_for(pilot, lambda: screen.table_for("images").total_row_count > 0)
        await wait_for(
            pilot, lambda: all(r.image is not None for r in all_rows(screen.table_for("images")))
        )
        words = " | ".join(state_words(screen.table_for("images")))
        for word in (
            "Done / ready 完成",
            "Migrating in (importing) 迁入中",
            "Migrating out (exporting) 迁出中",
            "Deleting 删除中",
            "删除失败(影像正在被任务使用)",
        ):
            assert word in words
        await pilot.pause(0.2)
        assert "迁入中" in screen_text(pilot)
        await grow_and_shrink(screen)


async def test_the_summary_keeps_its_count_and_the_download_folder_apart_at_80_columns(
    dl_app: Any,
) -> None:
    async with dl_app.run_test(size=(80, 24)) as pilot:
        screen = await open_data(pilot, "folders")
        await pilot.pause(0.1)
        lines = screen_text(pilot).splitlines()
        count = f"{screen.table.total_row_count} image sets"
        assert any(line.strip().startswith(count) for line in lines), lines[:4]
        assert any(line.strip().startswith("download to ") for line in lines), lines[:4]


async def test_the_image_sets_tab_offers_no_download_cancel(dl_app: Any) -> None:
    async with dl_app.run_test(size=(180, 45)) as pilot:
        screen = await open_data(pilot, "folders")
        await pilot.pause(0.1)
        footer = screen_text(pilot).splitlines()[-1]
        assert "Cancel dl" not in footer
        assert "Cancel dl" not in [row.description for row in screen.help_rows()]
        await pilot.press("2")
        await wait_for(pilot, lambda: "Cancel dl" in screen_text(pilot).splitlines()[-1])
        assert "Cancel dl" in [row.description for row in screen.help_rows()]


def shown_tab(pilot: Pilot[Any], screen: ImagesScreen) -> str:
    """The tab the operator sees: the one table on screen, its title marked on the strip."""
    shown = [tab for tab in screen.TABS if screen.table_for(tab).display]
    marked = [line for line in screen_text(pilot).splitlines() if "▸" in line]
    assert len(shown) == 1 and len(marked) == 1, (shown, marked)
    assert f"▸{list(screen.TABS).index(shown[0]) + 1} {screen.TABS[shown[0]]}" in marked[0]
    return shown[0]


@pytest.mark.parametrize("tab", ["products", "images"])
async def test_a_tab_chosen_as_the_screen_opens_stays_chosen(dl_app: Any, tab: str) -> None:
    """The screen focuses the first tab's table as it opens; a `2` or `3` handled right then
    must not be undone by it (it used to be, through the tab widget's late focus message, so
    `D` and `d` judged an image set: the cause of the red suite, issue 11 §0)."""
    original = ImagesScreen.mounted

    def mounted_then_switch(self: ImagesScreen) -> None:
        original(self)
        self.action_tab(tab)  # the operator's key, handled the moment the screen can take it

    async with dl_app.run_test(size=(180, 45)) as pilot:
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "WorkspacesScreen")
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(ImagesScreen, "mounted", mounted_then_switch)
            assert navigate(pilot.app, "images")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, ImagesScreen))
            screen = data_screen(pilot)
            await wait_for(pilot, lambda: screen.is_mounted)
        chosen = screen.table_for(tab)
        await wait_for(pilot, lambda: pilot.app.focused is chosen)
        for _ in range(5):  # let every message in flight land
            await pilot.pause()
        assert shown_tab(pilot, screen) == tab == screen.active_tab
        assert pilot.app.focused is chosen


async def test_a_tab_asked_for_before_the_screen_is_composed_is_shown(dl_app: Any) -> None:
    """A link from the task detail chooses the tab of a screen just pushed, not yet composed:
    it opens on that tab."""
    async with dl_app.run_test(size=(180, 45)) as pilot:
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "WorkspacesScreen")
        assert navigate(pilot.app, "images")
        screen = data_screen(pilot)
        assert not screen.query("#tab-strip")
        screen.action_tab("products")
        await wait_for(pilot, lambda: screen.is_mounted)
        products = screen.table_for("products")
        await wait_for(pilot, lambda: pilot.app.focused is products)
        for _ in range(5):
            await pilot.pause()
        assert shown_tab(pilot, screen) == "products" == screen.active_tab
        assert pilot.app.focused is products


async def test_a_click_on_a_tab_title_shows_that_tab(dl_app: Any) -> None:
    async with dl_app.run_test(size=(180, 45)) as pilot:
        screen = await open_data(pilot, "folders")
        line = next(line for line in screen_text(pilot).splitlines() if "3 Satellite" in line)
        column = (
            cell_len(line[: line.index("3 Satellite")]) - screen.query_one("#tab-strip").region.x
        )
        await pilot.click("#tab-strip", offset=(column + 2, 0))
        await wait_for(pilot, lambda: screen.active_tab == "images")
        await pilot.pause()
        assert shown_tab(pilot, screen) == "images"
        assert pilot.app.focused is screen.table_for("images")


async def test_r_refreshes_and_retries_a_failing_audit_log(dl_app: Any) -> None:
    """`r` is the list views' refresh here too: it also retries the audit log the banner says
    is failing (the data view's own `r` only re-read the shown tab)."""
    seen = record_notices(dl_app)
    async with dl_app.run_test(size=(180, 45)) as pilot:
        screen = await open_data(pilot, "products")
        runner = pilot.app.ctx.runner
        runner.audit_error = "cannot write audit.jsonl: disk full (test)"
        requests = screen.panels["products"].poller.total_requests
        await pilot.press("r")
        await wait_for(pilot, lambda: any("writable again" in n for n in seen))
        assert not runner.audit_failing
        await wait_for(pilot, lambda: screen.panels["products"].poller.total_requests > requests)


async def press_download(pilot: Pilot[Any], row: Any) -> None:
    """`D`; a download above the size threshold asks first: answer yes."""
    await pilot.press("D")
    if (row.size or 0) > ASK_BEFORE_DOWNLOAD_BYTES:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
        assert "Large download" in screen_text(pilot)
        await pilot.press("y")


async def start_a_download(pilot: Pilot[Any]) -> tuple[ImagesScreen, ProductRow]:
    """On the products tab, `D` on an available product, until its transfer is listed."""
    screen = await open_data(pilot, "products")
    row = put_cursor(screen, "products", product_in("available"))
    await pilot.pause()
    await press_download(pilot, row)
    await wait_for(pilot, lambda: bool(screen.downloads.all()))
    return screen, row


async def test_download_and_delete_refused_with_reasons(dl_app: Any, tmp_path: Path) -> None:
    seen = record_notices(dl_app)
    async with dl_app.run_test(size=(180, 45)) as pilot:
        screen = await open_data(pilot, "products")
        put_cursor(screen, "products", product_in("preparing"))
        await pilot.pause()
        assert screen.check_action("download", ()) is None  # dimmed, still shown
        await pilot.press("D")
        await pilot.pause()
        assert any("cannot download" in n and "准备中" in n for n in seen)
        await pilot.press("d")  # delete is gated the same way
        await pilot.pause()
        assert not isinstance(pilot.app.screen, TypedConfirmDialog)
        assert any("cannot delete" in n and "准备中" in n for n in seen)

        screen.action_tab("images")
        await wait_for(pilot, lambda: screen.active_tab == "images")
        await wait_for(
            pilot, lambda: all(r.image is not None for r in all_rows(screen.table_for("images")))
        )
        put_cursor(screen, "images", image_in("1"))
        await pilot.pause()
        await pilot.press("D")
        await pilot.pause()
        assert any("cannot download" in n and "迁入中" in n for n in seen)
        await pilot.press("enter")  # Enter on a file list downloads: the same gate applies
        await pilot.pause()
        assert sum("迁入中" in n for n in seen) >= 2
        put_cursor(screen, "images", image_in("0"))
        await pilot.pause()
        # No API deletes satellite images: `d` is not offered on that tab (nor `D` on image
        # sets), and pressing it anyway says so.
        assert screen.check_action("delete", ()) is False
        assert "delete" not in {
            b.binding.action.partition("'")[2].rstrip("')")
            for b in screen.active_bindings.values()
            if b.enabled
        }
        await pilot.press("d")
        await pilot.pause()
        assert any("cannot delete images from the console" in n for n in seen)
        screen.action_tab("folders")
        await wait_for(pilot, lambda: screen.active_tab == "folders")
        assert (
            screen.check_action("download", ()) is False
            and screen.check_action("delete", ()) is False
        )
        assert screen.downloads.all() == []
        assert not (tmp_path / "dl").exists()


async def test_allowed_download_completes_asks_before_overwriting_and_survives_leaving(
    dl_app: Any, tmp_path: Path
) -> None:
    seen = record_notices(dl_app)
    async with dl_app.run_test(size=(180, 45)) as pilot:
        screen, row = await start_a_download(pilot)
        manager = screen.downloads
        job = manager.all()[0]
        await wait_for(pilot, lambda: manager.get(job.id).state.finished, timeout=20)  # type: ignore[union-attr]
        done = manager.get(job.id)
        assert done is not None and done.state is DownloadState.DONE, done
        files = [p for p in (tmp_path / "dl").rglob("*") if p.is_file()]
        assert len(files) == row.file_count
        assert all(p.stat().st_size > 0 for p in files)
        assert not any(p.name.endswith(".part") for p in files)
        await pilot.pause(0.2)
        assert "done" in screen_text(pilot)
        assert any("Download complete" in n for n in seen)

        await press_download(pilot, row)
        await wait_for(pilot, lambda: "Overwrite" in screen_text(pilot))
        await pilot.press("n")
        await pilot.pause()
        assert len(manager.all()) == 1

        # Leaving and coming back: a new screen, the same transfers.
        assert navigate(pilot.app, "ws")
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "WorkspacesScreen")
        second = await open_data(pilot, "products")
        assert second is not screen and second.downloads is manager
        await pilot.pause(0.2)
        assert "done" in screen_text(pilot)


async def test_delete_product_asks_for_the_name_and_is_audited(dl_app: Any, tmp_path: Path) -> None:
    async with dl_app.run_test(size=(180, 45)) as pilot:
        screen = await open_data(pilot, "products")
        row = put_cursor(screen, "products", product_in("available", Kind.REFINE_PRODUCT))
        await pilot.pause()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TypedConfirmDialog))
        dialog = pilot.app.screen
        assert dialog.expected == row.name
        await pilot.press("enter")  # nothing typed: Enter does not confirm
        await pilot.press(*"wrong", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TypedConfirmDialog)
        dialog.query_one("#typed", Input).value = row.name  # CJK: set rather than typed
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ImagesScreen))
        key = f"r:{row.id}"
        t = screen.table_for("products")
        await wait_for(pilot, lambda: key not in t or t.get_row(key).state == "deleting")
        audit = tmp_path / "audit.jsonl"
        await wait_for(
            pilot, lambda: audit.exists() and "DeleteReal3DRefineProduct" in audit.read_text()
        )
        record = [json.loads(line) for line in audit.read_text().splitlines()][-1]
        assert record["outcome"] == "ok" and record["targets"] == [row.id]


async def test_a_products_pending_mark_goes_when_the_poll_shows_it_moved(dl_app: Any) -> None:
    """Products and refined products share one table keyed "p:…" and "r:…": the poll clears an
    item's pending mark by its own kind and id, not by its table key."""
    async with dl_app.run_test(size=(180, 45)) as pilot:
        screen = await open_data(pilot, "products")
        row = put_cursor(screen, "products", product_in("available", Kind.REFINE_PRODUCT))
        await pilot.pause()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TypedConfirmDialog))
        pilot.app.screen.query_one("#typed", Input).value = row.name
        await pilot.pause()
        runner = pilot.app.ctx.runner
        seen: list[tuple[Kind, str]] = []
        observe = runner.observe

        def observed(kind: Kind, item_id: str, state: str | None) -> None:
            seen.append((kind, item_id))
            observe(kind, item_id, state)

        runner.observe = observed
        await pilot.press("enter")
        await wait_for(pilot, lambda: (Kind.REFINE_PRODUCT, row.id) in seen)
        await wait_for(pilot, lambda: runner.pending_for(Kind.REFINE_PRODUCT, row.id) is None)
        t = screen.table_for("products")
        assert not any("⏳" in words or "deleting?" in words for words in state_words(t))


async def test_read_only_still_downloads_but_never_deletes(make_app: Any, tmp_path: Path) -> None:
    app = make_app(read_only=True, download_dir=tmp_path / "dl")
    async with app.run_test(size=(180, 45)) as pilot:
        screen = await open_data(pilot, "products")
        put_cursor(screen, "products", product_in("available"))
        await pilot.pause()
        assert screen.check_action("delete", ()) is None
        assert screen.check_action("download", ()) is True


async def test_large_satellite_list_reads_the_viewport_first(make_scale_app: Any) -> None:  # noqa: F811
    app = make_scale_app()
    async with app.run_test(size=(180, 45)) as pilot:
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "WorkspacesScreen")
        assert navigate(pilot.app, "images")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ImagesScreen))
        screen = data_screen(pilot)
        await wait_for(pilot, lambda: screen.is_mounted)
        screen.action_tab("images")
        t = screen.table_for("images")
        await wait_for(pilot, lambda: t.total_row_count == SCALE_IMAGES)
        source = screen.panels["images"].source
        assert len(source.read_at) < source.page_count  # not everything at once
        t.focus()
        await pilot.press("end")
        last_page = source.page_count - 1
        await wait_for(pilot, lambda: last_page in source.read_at)
        last = t.get_row(t.keys_in_order()[-1])
        await wait_for(pilot, lambda: t.get_row(t.keys_in_order()[-1]).image is not None)
        assert isinstance(last, ImageRow)
        middle = source.page_count // 2
        assert source.read_at[last_page] <= source.read_at.get(middle, 10**9)
        poller = screen.panels["images"].poller
        assert poller.total_requests <= poller.cycles * source.budget


async def test_cancel_stops_the_selected_items_download(make_app: Any, tmp_path: Path) -> None:
    app = make_app(
        download_dir=tmp_path / "dl",
        downloads=build_downloads(read_only=False, max_rate=64 * 1024),
    )
    async with app.run_test(size=(180, 45)) as pilot:
        screen, _ = await start_a_download(pilot)
        manager = screen.downloads
        await wait_for(pilot, lambda: any(p.done > 0 for p in manager.all()))
        assert screen.check_action("download", ()) is None  # already being downloaded
        await pilot.press("c")
        await wait_for(pilot, lambda: manager.all()[0].state is DownloadState.CANCELLED)
        assert [p for p in (tmp_path / "dl").rglob("*.part") if p.stat().st_size > 0]
        await pilot.pause(0.2)
        assert "cancelled" in screen_text(pilot)


async def grow_and_shrink(screen: ImagesScreen) -> None:
    """A changed total adds or drops rows at the end; other rows are not rebuilt."""
    t = screen.table_for("images")
    n = t.total_row_count
    first_row = t.get_row(position_key(0))
    items = dict(screen.panels["images"].poller.items)
    extra = {
        position_key(n + i): ImageInfo.model_validate(
            {"image_id": f"new{i}", "image_name": f"new_{i}", "image_status": "1"}
        )
        for i in range(2)
    }
    grown = SimpleNamespace(
        items={**items, **extra}, added=set(extra), changed={}, removed=set(),
        meta={"total": n + 2, "complete": True},
    )  # fmt: skip
    screen._apply_images(grown)
    assert t.total_row_count == n + 2
    assert t.get_row(position_key(0)) is first_row  # untouched rows were not rebuilt
    assert t.get_row(position_key(n + 1)).image.image_name == "new_1"
    gone = {position_key(n - 1), *extra}
    shrunk = SimpleNamespace(
        items={k: v for k, v in grown.items.items() if k not in gone},
        added=set(), changed={}, removed=gone, meta={"total": n - 1, "complete": True},
    )  # fmt: skip
    screen._apply_images(shrunk)
    assert t.total_row_count == n - 1
    assert position_key(n - 1) not in t


async def test_a_tab_keeps_its_own_filter_and_says_what_it_hides_of_its_marks(dl_app: Any) -> None:
    """Each data tab is a table of the one list view: its marks, and the marks its filter hides,
    are on the summary line; another tab's filter does not apply to it (issue 11 §1.4)."""
    async with dl_app.run_test(size=(180, 45)) as pilot:
        screen = await open_data(pilot, "products")
        t = screen.table_for("products")
        row = put_cursor(screen, "products", product_in("available"))
        t.focus()
        await pilot.press("space")
        await wait_for(pilot, lambda: "1 marked" in screen_text(pilot))
        await pilot.press("slash", *"zzz-no-such-name", "enter")
        await wait_for(pilot, lambda: t.row_count == 0)
        await wait_for(pilot, lambda: "1 marked row hidden by the filter" in screen_text(pilot))
        assert screen.hidden_ids() == {product_key_of(row)}
        screen.action_tab("folders")
        await wait_for(pilot, lambda: screen.active_tab == "folders")
        folders = screen.table_for("folders")
        await wait_for(pilot, lambda: "marked" not in screen_text(pilot))
        assert folders.row_count == folders.total_row_count > 0
        assert "zzz" not in screen_text(pilot)
        screen.action_tab("products")
        await wait_for(pilot, lambda: "/zzz-no-such-name" in screen_text(pilot))
        assert t.row_count == 0


def product_key_of(row: ProductRow) -> str:
    return f"{'p' if row.kind is Kind.PRODUCT else 'r'}:{row.id}"


class HeldTransport(httpx.AsyncBaseTransport):
    """HTTP to the simulator, each request held until `release` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self.release.wait()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_download_that_ends_after_its_view_was_left_is_still_told(
    make_app: Any, tmp_path: Path
) -> None:
    """Downloads go on in the session when the operator goes back: how one ended is said on
    whatever view is shown then."""
    transport = HeldTransport()
    app = make_app(download_dir=tmp_path / "dl", downloads=DownloadManager(transport=transport))
    seen = record_notices(app)
    async with app.run_test(size=(180, 45)) as pilot:
        screen, _ = await start_a_download(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "WorkspacesScreen")
        # The view's panel stopped listening as it went; the app's own listener remains.
        await wait_for(pilot, lambda: len(screen.downloads._listeners) == 1)
        transport.release.set()
        await wait_for(pilot, lambda: any("Download complete" in n for n in seen), timeout=20)
        assert screen.downloads.all()[0].state is DownloadState.DONE


async def test_keys_that_do_nothing_on_a_tab_say_so_or_are_not_offered(dl_app: Any) -> None:
    # `C` with no finished download cleared nothing and said nothing; Enter on an image set
    # opens nothing (only products and images download on Enter), yet help offered "Open".
    seen = record_notices(dl_app)
    async with dl_app.run_test(size=(180, 45)) as pilot:
        screen = await open_data(pilot, "folders")
        await pilot.press("C")
        await wait_for(pilot, lambda: any("no finished download" in n for n in seen))
        assert "Open" not in {row.description for row in dl_app.help_rows()}
        screen.action_tab("products")
        await wait_for(pilot, lambda: screen.active_tab == "products")
        assert "Open" in {row.description for row in dl_app.help_rows()}


async def test_a_filtered_tab_says_how_many_of_its_rows_it_shows(dl_app: Any) -> None:
    # "12 products and refined products  [/east]" over 2 rows read as 12 on screen.
    async with dl_app.run_test(size=(180, 45)) as pilot:
        screen = await open_data(pilot, "products")
        total = screen.table.total_row_count
        await pilot.press("slash", *"east", "enter")
        await wait_for(pilot, lambda: 0 < screen.table.row_count < total)
        shown = screen.table.row_count
        await wait_for(
            pilot,
            lambda: f"{total} products and refined products · {shown} shown" in screen_text(pilot),
        )
        screen.action_tab("images")
        await wait_for(pilot, lambda: screen.active_tab == "images")
        await wait_for(pilot, lambda: screen.table.total_row_count > 0)
        assert " shown" not in screen_text(pilot).splitlines()[1]  # its own filter is empty
