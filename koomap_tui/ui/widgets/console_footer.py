"""The key footer, tighter on narrow terminals so that more of the screen's own keys fit.

It also recomposes only when what it shows changes. Textual's `Footer` schedules one full
recompose (a dozen new `FooterKey` nodes, each styled and data-bound) for every
`refresh_bindings()`, and the console refreshes bindings whenever the allowed actions may have
changed: on every poll, cursor move and summary update. Opening a view did that ~20 times, for
~140 `FooterKey._watch_compact` calls and most of the switch's `Stylesheet.apply` time
(benchmarks/profile_switch.py). Here the requests are coalesced into one per refresh, and that
one is dropped when the keys, their descriptions and their enabled state are what the footer
already shows.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

COMPACT_BELOW = 120  # columns; the spaces around each key go first
PALETTE_KEY_FROM = 100  # below this, ^p is only in the freshness bar's hint and in help


class ConsoleFooter(Footer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: Hashable = None  # the signature of what the last compose yielded
        self._recompose_asked = False

    def on_resize(self) -> None:
        width = self.size.width
        compact = width < COMPACT_BELOW
        palette = width >= PALETTE_KEY_FROM
        # Either change recomposes the footer: only when it really changes.
        if compact != self.compact:
            self.compact = compact
        if palette != self.show_command_palette:
            self.show_command_palette = palette

    def signature(self) -> Hashable:
        """Everything `Footer.compose` reads, as a value: equal means the same keys shown."""
        if not self._bindings_ready:
            return None
        shown = tuple(
            (binding, enabled, tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )
        palette: Hashable = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
            palette = found[1:] if found is not None else None
        return (shown, palette, self.compact)

    def compose(self) -> ComposeResult:
        self._shown = self.signature()
        for child in super().compose():
            if isinstance(child, FooterKey) and not child.has_class("-command-palette"):
                # A FooterKey starts compact (reactive(True)) and is then data-bound to the
                # footer's `compact` (False here from 120 columns): its class went on and off
                # again, restyling the key twice. Starting at the bound value, neither happens.
                child.set_reactive(FooterKey.compact, self.compact)
            yield child

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._recompose_asked:
            self._recompose_asked = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._recompose_asked = False
        if not self.is_attached or self.signature() == self._shown:
            return
        await self.recompose()
