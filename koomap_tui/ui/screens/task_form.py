"""Form for UpdateReal3DTask: validated by the request model before anything is sent."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from koomap_tui.api.models import Real3DTask, Real3DTaskUpdate
from koomap_tui.domain.states import state_key

ACCURACY = ["Highest", "High", "Medium", "Low", "Lowest"]
MESH = [("0 high", "0"), ("1 medium", "1"), ("2 low", "2")]


def validation_message(exc: ValidationError) -> str:
    """One line per problem, naming the field as the operator sees it."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "form"
        lines.append(f"{where}: {err['msg']}")
    return "\n".join(lines)


class TaskUpdateForm(ModalScreen[Real3DTaskUpdate | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]
    DEFAULT_CSS = """
    TaskUpdateForm { align: center middle; }
    TaskUpdateForm > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1; }
    TaskUpdateForm Grid { grid-size: 2; grid-columns: 18 1fr; height: auto; grid-rows: 3; }
    TaskUpdateForm Label { padding: 1 0 0 0; }
    TaskUpdateForm #errors { color: $error; height: auto; }
    TaskUpdateForm Horizontal { height: 3; align: right middle; }
    """

    def __init__(self, task: Real3DTask) -> None:
        super().__init__()
        self.task_obj = task

    def compose(self) -> ComposeResult:
        t = self.task_obj
        mp = t.modeling_params
        with Vertical():
            yield Static(Text(f"Update task {t.task_id}  (a successful update resets it to INIT)"))
            with Grid():
                yield Label("Name (1-50)")
                yield Input(t.task_name or "", id="task_name", max_length=80)
                yield Label("Description")
                yield Input(t.task_description or "", id="task_description")
                yield Label("Task type")
                yield Select(
                    [("REAL3D-UNCTRL", "REAL3D-UNCTRL"), ("REAL3D-CTRL", "REAL3D-CTRL")],
                    value=state_key(t.task_type) or "REAL3D-UNCTRL",
                    id="task_type",
                    allow_blank=False,
                )
                yield Label("Modeling type")
                yield Select(
                    [("Mesh", "Mesh"), ("Nerf", "Nerf")],
                    value=state_key(t.modeling_type) or "Mesh",
                    id="modeling_type",
                    allow_blank=False,
                )
                yield Label("Image set code")
                yield Input(t.folder_code or "", id="folder_code")
                yield Label("AT accuracy")
                yield Select(
                    [(a, a) for a in ACCURACY],
                    value=state_key(mp.accuracy) if mp else "High",
                    id="accuracy",
                    allow_blank=False,
                )
                yield Label("Key points")
                yield Input(str(mp.key_point_limit) if mp else "40000", id="key_point_limit")
                yield Label("Tie points")
                yield Input(str(mp.tie_point_limit) if mp else "4000", id="tie_point_limit")
                yield Label("Mesh quality")
                yield Select(
                    MESH,
                    value=str(mp.mesh_accuracy) if mp else "0",
                    id="mesh_accuracy",
                    allow_blank=False,
                )
            yield Static("", id="errors")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Save (ctrl+s)", id="save", variant="primary")

    def _value(self, widget_id: str) -> Any:
        widget = self.query_one(f"#{widget_id}")
        if isinstance(widget, Input):
            return widget.value.strip()
        if isinstance(widget, Select):
            return widget.value
        raise TypeError(widget_id)

    def build(self) -> Real3DTaskUpdate:
        params = {
            "accuracy": self._value("accuracy"),
            "key_point_limit": self._value("key_point_limit"),
            "tie_point_limit": self._value("tie_point_limit"),
            "mesh_accuracy": self._value("mesh_accuracy"),
        }
        data: dict[str, Any] = {
            "task_name": self._value("task_name"),
            "task_description": self._value("task_description") or None,
            "task_type": self._value("task_type"),
            "modeling_type": self._value("modeling_type"),
            "folder_code": self._value("folder_code") or None,
            "modeling_params": params,
        }
        return Real3DTaskUpdate.model_validate(data)

    def action_save(self) -> None:
        try:
            body = self.build()
        except ValidationError as exc:
            self.query_one("#errors", Static).update(Text(validation_message(exc)))
            return
        self.dismiss(body)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()
