"""The footer in a burst of keys: recomposed once the router has handled the burst, showing
what the last key left allowed (ui/widgets/console_footer.py, KeyRouter.after_burst)."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from koomap_tui.ui.keyboard import KeyRouter
from koomap_tui.ui.widgets.console_footer import ConsoleFooter
from tests.ui.test_keyboard import burst, settle


class CountingFooter(ConsoleFooter):
    recomposed = 0

    async def recompose(self) -> None:
        CountingFooter.recomposed += 1
        await super().recompose()


class Rows(Static, can_focus=True):
    pass


class FooterApp(App[None]):
    """`j` moves down a list whose rows allow `x` on even rows only (the footer dims it on
    odd ones), routed the way KooMapApp routes keys."""

    BINDINGS = [Binding("j", "down", "Down"), Binding("x", "stop", "Stop")]

    def __init__(self) -> None:
        super().__init__()
        self.keys = KeyRouter(self)
        self.row = 0

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self.keys.receive(event)
            return
        await super().on_event(event)

    def compose(self) -> ComposeResult:
        yield Rows("rows")
        yield CountingFooter()

    def on_mount(self) -> None:
        self.query_one(Rows).focus()

    def action_down(self) -> None:
        self.row += 1
        self.refresh_bindings()

    def action_stop(self) -> None:
        pass

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return True if self.row % 2 == 0 else None  # None: shown, dimmed
        return True


def stop_key(app: App[Any]) -> FooterKey:
    return next(k for k in app.query(FooterKey) if k.action == "stop")


async def test_a_burst_recomposes_the_footer_once_with_the_last_keys_bindings() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        # The last key changes nothing: the footer is right only if the deferred recompose ran.
        for keys, row, dimmed in (("j" * 21 + "q", 21, True), ("j" * 9 + "q", 30, False)):
            CountingFooter.recomposed = 0
            burst(app, keys)
            await settle(pilot, app.keys, app.keys.handled + len(keys))
            await pilot.pause()
            assert app.row == row
            assert stop_key(app).has_class("-disabled") is dimmed  # the last row's gate
            assert 1 <= CountingFooter.recomposed <= 2  # not once a key


async def test_a_single_key_still_updates_the_footer_at_once() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        CountingFooter.recomposed = 0
        await pilot.press("j")
        await pilot.pause()
        assert stop_key(app).has_class("-disabled") is True
        assert CountingFooter.recomposed == 1
