"""The key footer, tighter on narrow terminals so that more of the screen's own keys fit."""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer

from koomap_tui.ui.keyboard import KeyRouter

COMPACT_BELOW = 120  # columns; the spaces around each key go first
PALETTE_KEY_FROM = 100  # below this, ^p is only in the freshness bar's hint and in help


class ConsoleFooter(Footer):
    def on_resize(self) -> None:
        width = self.size.width
        compact = width < COMPACT_BELOW
        palette = width >= PALETTE_KEY_FROM
        # Either change recomposes the footer: only when it really changes.
        if compact != self.compact:
            self.compact = compact
        if palette != self.show_command_palette:
            self.show_command_palette = palette

    def bindings_changed(self, screen: Any) -> None:
        # Textual recomposes the footer on every bindings change (~25-40 ms of stylesheet work
        # each). In a burst the allowed actions change from row to row and only the last key's
        # footer is ever seen: recompose once, when the router has handled the burst
        # (benchmarks/key_burst.py: a 40-key j/k burst, 430 -> 120 ms of CPU in a trial).
        router = getattr(self.app, "keys", None)
        if isinstance(router, KeyRouter) and router.held:
            self._bindings_ready = True
            router.after_burst(self._bindings_changed_after_burst)
            return
        super().bindings_changed(screen)

    def _bindings_changed_after_burst(self) -> None:
        # Called from the router (the App's task); the recompose must run as this widget's.
        if self.is_attached:
            self.call_later(self._bindings_changed_now)

    def _bindings_changed_now(self) -> None:
        if self.is_attached:
            super().bindings_changed(self.screen)
