"""Create or edit a workspace; lengths, charset and case-insensitive uniqueness checked first."""

from __future__ import annotations

from pydantic import ValidationError
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from koomap_tui.api.models import Workspace, WorkspaceCreate, WorkspaceUpdate
from koomap_tui.ui.screens.task_form import validation_message


class WorkspaceForm(ModalScreen[WorkspaceCreate | WorkspaceUpdate | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]
    DEFAULT_CSS = """
    WorkspaceForm { align: center middle; }
    WorkspaceForm > Vertical { width: 70; max-width: 100%; height: auto; border: thick $primary;
        background: $surface; padding: 0 1; }
    WorkspaceForm #errors { color: $error; height: auto; }
    WorkspaceForm Horizontal { height: 3; align: right middle; }
    """

    def __init__(self, workspace: Workspace | None, taken_names: set[str]) -> None:
        super().__init__()
        self.workspace = workspace
        self.taken = taken_names

    def compose(self) -> ComposeResult:
        ws = self.workspace
        title = "New workspace" if ws is None else f"Edit workspace {ws.workspace_id}"
        with Vertical():
            yield Static(Text(title))
            yield Label("Name (2-50: Chinese, letters, digits, _)")
            yield Input(ws.workspace_name if ws else "", id="name")
            yield Label("Description (up to 200, same characters)")
            yield Input((ws.workspace_description or "") if ws else "", id="description")
            yield Static("", id="errors")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Save (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def build(self) -> WorkspaceCreate | WorkspaceUpdate:
        name = self.query_one("#name", Input).value.strip()
        description = self.query_one("#description", Input).value.strip() or None
        if name.lower() in self.taken:
            raise ValueError(f"name: a workspace named {name!r} already exists (case-insensitive)")
        if self.workspace is None:
            return WorkspaceCreate(workspace_name=name, workspace_description=description)
        return WorkspaceUpdate(workspace_name=name, workspace_description=description)

    def action_save(self) -> None:
        errors = self.query_one("#errors", Static)
        try:
            body = self.build()
        except ValidationError as exc:
            errors.update(Text(validation_message(exc)))
            return
        except ValueError as exc:
            errors.update(Text(str(exc)))
            return
        self.dismiss(body)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self) -> None:
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()
