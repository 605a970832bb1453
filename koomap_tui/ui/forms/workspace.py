"""The workspace form (create and edit)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from koomap_tui.api.models import Workspace, WorkspaceCreate, WorkspaceUpdate
from koomap_tui.ui.forms.base import FormScreen


class WorkspaceForm(FormScreen[WorkspaceCreate | WorkspaceUpdate]):
    """Create or edit a workspace; lengths, charset and case-insensitive uniqueness first."""

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
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def build(self) -> WorkspaceCreate | WorkspaceUpdate:
        name = self.value("name")
        description = self.value("description") or None
        if name.lower() in self.taken:
            raise ValueError(f"name: a workspace named {name!r} already exists (case-insensitive)")
        if self.workspace is None:
            return WorkspaceCreate(workspace_name=name, workspace_description=description)
        return WorkspaceUpdate(workspace_name=name, workspace_description=description)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()
