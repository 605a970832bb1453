"""The key footer, tighter on narrow terminals so that more of the screen's own keys fit."""

from __future__ import annotations

from textual.widgets import Footer

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
