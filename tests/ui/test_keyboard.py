"""Keys posted to the App in one go (a burst, as SSH delivers them), and the `?` help.

`pilot.press` waits between keys, which a person never does; these tests post every raw
`events.Key` before the App has handled the first, then wait (a bounded number of idle cycles,
never a fixed time) until the router has nothing left to hold.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from koomap_tui.ui.keyboard import MAX_ROUNDS, KeyRouter
from koomap_tui.ui.screens.help import HelpScreen
from tests.ui.helpers import wait_for

NAMES = {"/": "slash", ":": "colon", "\r": "enter", " ": "space", "?": "question_mark"}


def burst(app: App[Any], text: str) -> None:
    for char in text:
        app.post_message(events.Key(NAMES.get(char, char), None if char == "\r" else char))


async def settle(pilot: Pilot[Any], router: KeyRouter, handled: int) -> None:
    """Until `handled` keys went through the router and it holds nothing (bounded by a count of
    event-loop turns, not by time)."""
    for _ in range(200_000):
        await asyncio.sleep(0)  # one turn of the event loop
        if router.handled >= handled and not router.settling and not router.held:
            await pilot.pause()
            return
    raise AssertionError(f"the router still holds keys: handled {router.handled}/{handled}")


class Ping(Message):
    pass


class View(Static, can_focus=True):
    """The list under the cursor: swallows `x` itself (stop), everything else bubbles. While it
    has `pings` left it keeps its own queue from being empty (a busy, focused widget)."""

    pings = 0

    async def on_ping(self, message: Ping) -> None:
        await asyncio.sleep(0)  # one turn of the loop per ping, as real work would take
        if self.pings > 0:
            self.pings -= 1
            self.post_message(Ping())

    def on_key(self, event: events.Key) -> None:
        self.app.view_keys.append(event.key)  # type: ignore[attr-defined]
        if event.key == "x":
            event.stop()
            self.app.actions.append("x-by-view")  # type: ignore[attr-defined]


class Flapper(Static):
    """Moves the focus between the view and the filter every turn of the loop while it has
    `flips` left: a screen whose focus never settles."""

    flips = 0

    async def on_ping(self, message: Ping) -> None:
        await asyncio.sleep(0)
        if self.flips > 0:
            self.flips -= 1
            screen = self.screen
            target = screen.query_one("#filter") if self.flips % 2 else screen.query_one(View)
            screen.set_focus(target)
            self.post_message(Ping())


class CommandLine(ModalScreen[str]):
    BINDINGS = [Binding("escape", "dismiss('')", "Cancel")]

    def compose(self) -> ComposeResult:
        yield Input(id="command")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


class ListScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("s", "start", "Start"),
        Binding("x", "stop", "Stop"),
        Binding("j", "down", "Down"),
    ]

    def compose(self) -> ComposeResult:
        yield View("rows", id="view")
        yield Input(id="filter", select_on_focus=False)
        yield Flapper(id="flapper")

    def on_mount(self) -> None:
        self.query_one(View).focus()
        self.query_one("#filter").display = False

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#filter")
    def _keep_filter(self) -> None:
        self.query_one("#filter").display = False
        self.query_one(View).focus()

    def action_start(self) -> None:
        self.app.actions.append("start")  # type: ignore[attr-defined]

    def action_stop(self) -> None:
        self.app.actions.append("stop")  # type: ignore[attr-defined]

    def action_down(self) -> None:
        self.app.actions.append("down")  # type: ignore[attr-defined]


class BurstApp(App[None]):
    """Routes keys the way KooMapApp does (its `on_event` hook), around a small list screen."""

    BINDINGS = [Binding("colon", "command", "Command")]

    def __init__(self) -> None:
        super().__init__()
        self.keys = KeyRouter(self)
        self.actions: list[str] = []
        self.commands: list[str] = []
        self.view_keys: list[str] = []  # every key the view was offered

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self.keys.receive(event)
            return
        await super().on_event(event)

    def on_mount(self) -> None:
        self.push_screen(ListScreen())

    def action_command(self) -> None:
        self.push_screen(CommandLine(), self.commands.append)


async def test_a_filter_typed_in_a_burst_gets_every_letter_and_fires_nothing() -> None:
    app = BurstApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, "/sta\r")
        await settle(pilot, app.keys, 5)
        assert app.screen.query_one("#filter", Input).value == "sta"
        assert app.actions == []
        assert isinstance(app.focused, View)  # Enter gave the focus back to the list


async def test_keys_after_a_pushed_screen_go_to_it_and_after_it_closes_to_the_view() -> None:
    app = BurstApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, ":sj\rjs")  # `s` and `j` are text in the command line, keys after it
        await settle(pilot, app.keys, 6)
        assert app.commands == ["sj"]
        assert app.actions == ["down", "start"]


async def test_ten_commands_in_one_burst_are_all_run_in_order() -> None:
    app = BurstApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, "".join(f":c{i}\r" for i in range(10)))
        await settle(pilot, app.keys, 40)
        assert app.commands == [f"c{i}" for i in range(10)]
        assert app.actions == []


async def test_a_widget_that_stops_a_key_keeps_it_from_the_screen_binding() -> None:
    app = BurstApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, "xs")
        await settle(pilot, app.keys, 2)
        assert app.actions == ["x-by-view", "start"]


async def test_a_busy_focused_widget_delays_keys_but_loses_none() -> None:
    app = BurstApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        view = app.screen.query_one(View)
        view.pings = 20 * MAX_ROUNDS
        view.post_message(Ping())
        burst(app, "/ab\rs")
        await settle(pilot, app.keys, 5)
        assert app.screen.query_one("#filter", Input).value == "ab"
        assert app.actions == ["start"]
        assert app.keys.valve_releases == 0  # settled: its queue was not this key's doing


async def test_focus_that_never_settles_still_gets_every_key() -> None:
    app = BurstApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        app.screen.query_one("#filter").display = True  # focusable, so focus never goes nowhere
        flapper = app.screen.query_one(Flapper)
        flapper.flips = 4 * MAX_ROUNDS * 3
        flapper.post_message(Ping())
        burst(app, "abc")  # no bindings: each lands in the filter or on the view
        await settle(pilot, app.keys, 3)
        assert app.keys.valve_releases >= 1  # released by the bound, not by a quiet round
        typed = app.screen.query_one("#filter", Input).value
        assert sorted(typed + "".join(app.view_keys)) == ["a", "b", "c"]  # each landed once


async def test_a_paste_waits_behind_the_keys_typed_before_it() -> None:
    app = BurstApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, ":")
        app.post_message(events.Paste("pasted"))
        burst(app, "\r")
        await settle(pilot, app.keys, 3)
        assert app.commands == ["pasted"]


# -- `?` on every kind of console screen ---------------------------------------------------------
@pytest.mark.parametrize("view", ["subtasks", "spurs"])
async def test_help_opens_on_views_with_per_action_gates(make_app: Any, view: str) -> None:
    from tests.ui.test_spurs_screen import push_spurs
    from tests.ui.test_subtasks_screen import NERF_A, push_subtasks

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        if view == "subtasks":
            screen = await push_subtasks(pilot, "城市更新_一期", NERF_A)
        else:
            screen = await push_spurs(pilot, "survey_east_2024", "east_block_ctrl")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        descriptions = [row.description for row in help_screen.rows]
        gated = [b.description for b in screen.BINDINGS if isinstance(b, Binding) and b.show]
        assert gated and all(d in descriptions for d in gated), (gated, descriptions)
        assert "Command palette" in descriptions
        # the table's own keys come last
        assert descriptions.index("Command palette") < descriptions.index("Down")
        # Enter opens a subtask's fields; on spurs it opens nothing, so help does not offer it
        assert ("Open" in descriptions) is (view == "subtasks"), descriptions


async def test_help_scrolls_at_80x24_and_says_how_to_close(make_app: Any) -> None:
    from tests.ui.helpers import open_workspace

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        hint = help_screen.query_one("#read-keys")
        assert "Esc" in str(hint.render()) and hint.region.bottom <= 24
        scroller = help_screen.scroller
        assert scroller.region.bottom <= 24
        assert scroller.max_scroll_y > 0  # more rows than fit: they must be reachable
        await pilot.press("j")
        assert scroller.scroll_y == 1
        await pilot.press("k")
        assert scroller.scroll_y == 0
        await pilot.press("pagedown")
        assert scroller.scroll_y > 1
        await pilot.press("G")
        assert scroller.scroll_y == scroller.max_scroll_y
        await pilot.press("g")
        assert scroller.scroll_y == 0
        await pilot.press("end")
        assert scroller.scroll_y == scroller.max_scroll_y
        await pilot.press("pageup")
        assert scroller.scroll_y < scroller.max_scroll_y
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
