"""The full failure reason of one task, in a dialog (`f` on a task table or the detail)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from koomap_tui.ui.format import inert


class FailureDialog(ModalScreen[None]):
    """The full failure reason of one task; Esc, Enter or `f` closes it."""

    DEFAULT_CSS = """
    FailureDialog { align: center middle; background: $background 60%; }
    FailureDialog > #dialog {
        width: 76; max-width: 95%; height: auto; max-height: 90%;
        padding: 1 2; border: thick $error; background: $surface;
    }
    FailureDialog #title { text-style: bold; margin-bottom: 1; }
    FailureDialog #hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "dismiss_dialog", "Close"),
        Binding("enter", "dismiss_dialog", "Close", show=False),
        Binding("f", "dismiss_dialog", "Close", show=False),
    ]

    def __init__(self, name: str, message: str) -> None:
        super().__init__()
        self.task_name = name
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"Failure of {inert(self.task_name)}", id="title", markup=False)
            yield Static(inert(self.message), id="message", markup=False)
            yield Static("esc close", id="hint", markup=False)

    def action_dismiss_dialog(self) -> None:
        self.dismiss(None)


def show_failure(screen: Any, task: Any) -> None:
    """`f`: the full reason of the task under the cursor, or why there is none."""
    if task is None:
        screen.notify("no task selected", severity="warning")
        return
    if not task.fail_message:
        screen.notify(f"{inert(task.task_name)} has no failure reason", severity="information")
        return
    screen.app.push_screen(FailureDialog(task.task_name or task.task_id, task.fail_message))
