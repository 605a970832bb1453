"""Confirmation dialogs for actions that change or destroy things.

`ConfirmDialog` is a plain yes/no. `TypedConfirmDialog` guards deletion: the operator types the
exact name of what goes away, so a muscle-memory Enter on the wrong row cannot delete it. Both
dismiss with a bool; Esc always means "no". Messages are shown as plain text (names come from the
server and must not be read as Rich markup).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

_DIALOG_CSS = """
{cls} {
    align: center middle;
    background: $background 60%;
}
{cls} > #dialog {
    width: 72;
    max-width: 90%;
    height: auto;
    padding: 1 2;
    border: thick $primary;
    background: $surface;
}
{cls}.-danger > #dialog {
    border: thick $error;
}
{cls} #title {
    text-style: bold;
    width: 1fr;
    margin-bottom: 1;
}
{cls} #message {
    width: 1fr;
    margin-bottom: 1;
}
{cls} #hint {
    color: $text-muted;
    width: 1fr;
}
{cls} #buttons {
    height: auto;
    width: 1fr;
    align-horizontal: right;
    margin-top: 1;
}
{cls} Button {
    margin-left: 2;
}
"""


class ConfirmDialog(ModalScreen[bool]):
    """Yes/no question. `y` confirms; `n` or Esc declines."""

    DEFAULT_CSS = _DIALOG_CSS.replace("{cls}", "ConfirmDialog")
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel", show=False),
    ]

    def __init__(
        self,
        message: str,
        title: str = "Confirm",
        *,
        yes_label: str = "Yes",
        no_label: str = "No",
        danger: bool = False,
    ) -> None:
        super().__init__(classes="-danger" if danger else None)
        self.message = message
        self.title_text = title
        self.yes_label = yes_label
        self.no_label = no_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="title", markup=False)
            yield Static(self.message, id="message", markup=False)
            with Horizontal(id="buttons"):
                yield Button(f"{self.no_label} (n)", id="no")
                yield Button(
                    f"{self.yes_label} (y)",
                    id="yes",
                    variant="error" if self.has_class("-danger") else "primary",
                )

    def on_mount(self) -> None:
        # Focus "No": Enter on a freshly opened dialog must not confirm anything.
        self.query_one("#no", Button).focus()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")


class TypedConfirmDialog(ModalScreen[bool]):
    """Asks for the exact name before a deletion; Enter does nothing until it matches."""

    DEFAULT_CSS = _DIALOG_CSS.replace("{cls}", "TypedConfirmDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        message: str,
        expected: str,
        title: str = "Confirm deletion",
        *,
        confirm_label: str = "Delete",
    ) -> None:
        super().__init__(classes="-danger")
        self.message = message
        self.expected = expected
        self.title_text = title
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="title", markup=False)
            yield Static(self.message, id="message", markup=False)
            yield Input(placeholder=self.expected, id="typed", select_on_focus=False)
            yield Static(self._hint(""), id="hint", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Cancel (Esc)", id="cancel")
                yield Button(self.confirm_label, id="confirm", variant="error", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()

    @property
    def matches(self) -> bool:
        return self.query_one("#typed", Input).value == self.expected

    def _hint(self, typed: str) -> str:
        if typed == self.expected:
            return "Press Enter to delete."
        return f"Type {self.expected!r} exactly to confirm; Esc cancels."

    @on(Input.Changed, "#typed")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = not self.matches
        self.query_one("#hint", Static).update(self._hint(event.value))

    @on(Input.Submitted, "#typed")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.matches:
            self.dismiss(True)
        else:
            self.app.bell()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm" and self.matches:
            self.dismiss(True)
        elif event.button.id == "cancel":
            self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)
