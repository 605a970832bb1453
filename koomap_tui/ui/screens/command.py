"""The `:` command line (k9s style) with completion of view names."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from koomap_tui.ui.navigation import VIEWS, command_names


class CommandBar(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("tab", "complete", "Complete", priority=True),
    ]
    DEFAULT_CSS = """
    CommandBar { align: left bottom; background: $background 30%; }
    CommandBar > Static { width: 100%; height: auto; background: $panel; color: $text-muted; }
    CommandBar > Input { width: 100%; border: tall $accent; }
    """

    def compose(self) -> ComposeResult:
        hint = "  ".join(f":{v.name}" for v in VIEWS) + "  :q"
        yield Static(hint)
        yield Input(
            placeholder="view name, Tab completes",
            suggester=SuggestFromList(command_names(), case_sensitive=False),
            id="command",
        )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_complete(self) -> None:
        box = self.query_one(Input)
        box.cursor_position = len(box.value)
        box.action_cursor_right()  # at the end of the line this accepts the suggestion

    def action_cancel(self) -> None:
        self.dismiss(None)
