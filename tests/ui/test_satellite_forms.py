"""The satellite task forms at 80x24 (issue 11, §1.9): the first field has focus and gets what
is typed at once, the buttons are in view, and a picked image says so in words."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Button, Input, SelectionList

from koomap_tui.ui.forms.satellite import (
    NOT_PICKED,
    PICKED,
    ImagePicker,
    SatelliteCreateForm,
)
from tests.ui.helpers import wait_for
from tests.ui.test_satellite_screen import _images, open_satellite


async def test_new_task_form_takes_typed_text_and_shows_its_buttons_at_80x24(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_satellite(pilot)
        # `n` and the name in one burst: nothing of the name may reach the list underneath
        for char in "nabc":
            app.post_message(events.Key(char, char))
        await wait_for(pilot, lambda: isinstance(app.screen, SatelliteCreateForm))
        form = app.screen
        box = form.query_one("#task_name", Input)
        await wait_for(pilot, lambda: box.value == "abc")
        assert app.focused is box
        await pilot.pause()
        for button in form.query(Button):
            region = button.region
            assert region.height > 0 and region.bottom <= 24, (button.id, region)


async def test_a_picked_image_is_marked_in_words(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_satellite(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, SatelliteCreateForm))
        form = app.screen
        images = await _images(pilot, form)
        picker = form.query_one(ImagePicker)
        listing = picker.query_one("#image-list", SelectionList)

        def prompt_of(image_id: str) -> str:
            for index in range(listing.option_count):
                option = listing.get_option_at_index(index)
                if option.value == image_id:
                    return str(option.prompt)
            raise AssertionError(image_id)

        pan = images["GF2_20240403_scene09_PAN"]
        assert prompt_of(pan).startswith(NOT_PICKED)
        picker.select_ids([pan])
        await pilot.pause()
        assert prompt_of(pan).startswith(PICKED)
        listing.deselect(pan)
        await wait_for(pilot, lambda: prompt_of(pan).startswith(NOT_PICKED))
        assert picker.selected == []
