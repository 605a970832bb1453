"""The task detail's links: its image set (name and state) and products, and the keys that show
them in `:images` on the right tab with the cursor on them."""

from __future__ import annotations

import re
from typing import Any

from koomap_tui.domain.policy import Kind
from koomap_tui.services.sources.data import product_key
from koomap_tui.ui.render.task_card import state_words
from koomap_tui.ui.screens.images import ImagesScreen
from koomap_tui.ui.screens.task_detail import TaskDetailScreen
from tests.ui.helpers import notices, open_workspace, screen_text, select, wait_for


async def _detail_of(pilot: Any, name: str) -> TaskDetailScreen:
    await select(pilot, name)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TaskDetailScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.links.value is not None or screen.links.error is not None)
    return screen  # type: ignore[return-value]


async def test_detail_names_its_image_set_and_i_shows_it_in_images(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        detail = await _detail_of(pilot, "西区_倾斜建模")
        code = detail.task_obj.folder_code
        assert code
        folders = await app.ctx.client.list_folder(limit=100)
        folder = next(f for f in folders.folders if f.folder_code == code)
        text = screen_text(pilot)
        assert f"Image set  {folder.folder_name}" in text
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, ImagesScreen))
        images = app.screen
        await wait_for(pilot, lambda: images.active_tab == "folders")
        await wait_for(pilot, lambda: images.table_for("folders").cursor_key == code)


async def test_detail_lists_its_products_and_p_shows_the_first(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        detail = await _detail_of(pilot, "西区_倾斜建模")
        products = await app.ctx.client.list_real3d_products(limit=100)
        made = [
            p
            for p in products.products
            if p.task_info and p.task_info.task_id == detail.task_obj.task_id
        ]
        assert made, "the demo gives this finished task a product"
        assert detail.links.value is not None
        assert [p.id for p in detail.links.value.products] == [p.id for p in made]
        assert made[0].name in screen_text(pilot)
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ImagesScreen))
        images = app.screen
        key = product_key(Kind.PRODUCT, made[0].id)
        await wait_for(pilot, lambda: images.active_tab == "products")
        await wait_for(pilot, lambda: images.table_for("products").cursor_key == key)


async def test_products_key_says_when_there_is_none(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        detail = await _detail_of(pilot, "西区_排队中")  # PENDING: nothing made yet
        assert detail.links.value is not None and detail.links.value.products == []
        assert "Products   none yet" in screen_text(pilot)
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, TaskDetailScreen)
        assert any("no product yet" in n for n in notices(pilot))


async def test_a_part_that_cannot_be_read_says_why_and_r_reads_it_again(
    make_app: Any, sim: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "城市更新_一期")
        task_id = await select(pilot, "老城区_nerf")
        ws = app.current_workspace[0]
        sim.faults.set(error_rates={500: 1.0}, path_prefix=f"/v1/real3d/{ws}/tasks/{task_id}/sub")
        detail = await _detail_of(pilot, "老城区_nerf")
        await wait_for(pilot, lambda: detail.subtask_summary.error is not None)
        assert re.search(r"Subtasks +unavailable \(GATEWAY", screen_text(pilot))
        assert detail.links.value is not None  # the other parts are read all the same
        sim.faults.set(path_prefix="/v1/real3d/products")  # now the links fail, not the subtasks
        await pilot.press("r")
        await wait_for(pilot, lambda: detail.links.error is not None)
        await wait_for(pilot, lambda: "6 of 10" in screen_text(pilot))
        assert detail.links.value is not None  # a failed re-read keeps the last answer on screen
        sim.faults.clear()
        await pilot.press("r")
        await wait_for(pilot, lambda: detail.links.error is None)


def test_a_link_says_the_api_state_word_and_what_it_means_once() -> None:
    # "老城区_nerf · available Available" read as a stutter: a label that is the API's word
    # (but for its capital) is not repeated.
    assert state_words(Kind.PRODUCT, "available") == "available"
    assert state_words(Kind.PRODUCT, "preparing") == "preparing"
    assert state_words(Kind.FOLDER, "1") == "1 Done"
