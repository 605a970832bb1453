"""What the console's forms share: each validates with the request model before it returns, so
nothing the server would reject for its shape is ever sent.

`FormScreen`: Esc or Cancel dismisses with None; ctrl+s, the save button or Enter on the last
field builds the body (`build`), and a ValidationError or ValueError is shown under the fields
instead; Enter on another field moves to the next one.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import ValidationError
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

T = TypeVar("T")


def validation_message(exc: ValidationError) -> str:
    """One line per problem, naming the field as the operator sees it."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "form"
        lines.append(f"{where}: {err['msg']}")
    return "\n".join(lines)


class FormScreen(ModalScreen[T | None], Generic[T]):
    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen > Vertical { width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1; }
    FormScreen Grid { grid-size: 2; grid-columns: 22 1fr; height: auto; grid-rows: 3; }
    FormScreen Label { padding: 1 0 0 0; }
    FormScreen #intro { margin: 1 0; }
    FormScreen #errors { color: $error; height: auto; }
    FormScreen Horizontal { height: 3; align: right middle; }
    FormScreen Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]
    SAVE_LABEL = "Save"

    def build(self) -> T:
        raise NotImplementedError

    def buttons(self) -> ComposeResult:
        yield Static("", id="errors")
        with Horizontal():
            yield Button("Cancel", id="cancel")
            yield Button(f"{self.SAVE_LABEL} (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        """Focus the first empty field (else the first): typing goes into the form at once."""
        boxes = list(self.query(Input))
        first = next((b for b in boxes if not b.value), boxes[0] if boxes else None)
        if first is not None:
            first.focus()

    def show_errors(self, message: str) -> None:
        self.query_one("#errors", Static).update(Text(message))

    def action_save(self) -> None:
        try:
            body = self.build()
        except ValidationError as exc:
            self.show_errors(validation_message(exc))
            return
        except ValueError as exc:
            self.show_errors(str(exc))
            return
        self.dismiss(body)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save() if event.button.id == "save" else self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        boxes = list(self.query(Input))
        if event.input is boxes[-1]:
            self.action_save()
        else:
            self.focus_next()

    def value(self, widget_id: str) -> Any:
        widget = self.query_one(f"#{widget_id}")
        if isinstance(widget, Input):
            return widget.value.strip()
        if isinstance(widget, Select | Checkbox):
            return widget.value
        raise TypeError(widget_id)


class PromptDialog(FormScreen[str]):
    """One line of text (an image code, a file path); Enter submits, Esc cancels."""

    def __init__(self, title: str, message: str, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.placeholder = placeholder
        self.initial = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, markup=False)
            yield Static(Text(self.message), id="intro")
            yield Input(self.initial, placeholder=self.placeholder, id="answer")

    def build(self) -> str:
        return str(self.value("answer"))

    def action_save(self) -> None:
        self.dismiss(self.build() or None)
