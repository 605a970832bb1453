"""The console's forms: each validates with the request model before it returns, so nothing
the server would reject for its shape is ever sent.

`FormScreen` is what they share: Esc or Cancel dismisses with None; ctrl+s, the save button or
Enter on the last field builds the body (`build`), and a ValidationError or ValueError is shown
under the fields instead; Enter on another field moves to the next one.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import ValidationError
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from koomap_tui.api.models import (
    Real3DSubTaskCreate,
    Real3DTask,
    Real3DTaskUpdate,
    SpurInfo,
    Workspace,
    WorkspaceCreate,
    WorkspaceUpdate,
)
from koomap_tui.domain.policy import MAX_SUBTASKS_PER_TASK
from koomap_tui.domain.states import state_key
from koomap_tui.ui.format import inert

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


ACCURACY = ["Highest", "High", "Medium", "Low", "Lowest"]
MESH = [("0 high", "0"), ("1 medium", "1"), ("2 low", "2")]


def _select(options: list[tuple[str, str]], value: str, widget_id: str) -> Select[str]:
    return Select(options, value=value, id=widget_id, allow_blank=False)


class TaskUpdateForm(FormScreen[Real3DTaskUpdate]):
    """UpdateReal3DTask; a successful update resets the task to INIT."""

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
                yield _select(
                    [(v, v) for v in ("REAL3D-UNCTRL", "REAL3D-CTRL")],
                    state_key(t.task_type) or "REAL3D-UNCTRL",
                    "task_type",
                )
                yield Label("Modeling type")
                yield _select(
                    [("Mesh", "Mesh"), ("Nerf", "Nerf")],
                    state_key(t.modeling_type) or "Mesh",
                    "modeling_type",
                )
                yield Label("Image set code")
                yield Input(t.folder_code or "", id="folder_code")
                yield Label("AT accuracy")
                yield _select(
                    [(a, a) for a in ACCURACY], state_key(mp.accuracy) if mp else "High", "accuracy"
                )
                yield Label("Key points")
                yield Input(str(mp.key_point_limit) if mp else "40000", id="key_point_limit")
                yield Label("Tie points")
                yield Input(str(mp.tie_point_limit) if mp else "4000", id="tie_point_limit")
                yield Label("Mesh quality")
                yield _select(MESH, str(mp.mesh_accuracy) if mp else "0", "mesh_accuracy")
            yield from self.buttons()  # fmt: skip

    def on_mount(self) -> None:
        self.query_one("#task_name", Input).focus()

    def build(self) -> Real3DTaskUpdate:
        params = {
            k: self.value(k)
            for k in ("accuracy", "key_point_limit", "tie_point_limit", "mesh_accuracy")
        }
        data: dict[str, Any] = {
            "task_name": self.value("task_name"),
            "task_description": self.value("task_description") or None,
            "task_type": self.value("task_type"),
            "modeling_type": self.value("modeling_type"),
            "folder_code": self.value("folder_code") or None,
            "modeling_params": params,
        }  # fmt: skip
        return Real3DTaskUpdate.model_validate(data)


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


class SubtaskNameForm(FormScreen[Real3DSubTaskCreate]):
    """Name a new refinement subtask: model rules plus case-insensitive uniqueness."""

    SAVE_LABEL = "Create"

    def __init__(self, task_name: str, existing: list[str]) -> None:
        super().__init__()
        self.task_name = task_name
        self.existing = {n.casefold(): n for n in existing}

    def compose(self) -> ComposeResult:
        used = f"({len(self.existing)} of {MAX_SUBTASKS_PER_TASK} used)"
        with Vertical():
            yield Static(
                Text(f"New refinement subtask of {inert(self.task_name)} {used}"), id="intro"
            )
            with Grid():
                yield Label("Name (1-50)")
                yield Input(
                    placeholder="letters, digits, _ or Chinese", id="subtask_name", max_length=60
                )
            yield from self.buttons()  # fmt: skip

    def build(self) -> Real3DSubTaskCreate:
        name = self.value("subtask_name")
        body = Real3DSubTaskCreate(subtask_name=name)
        taken = self.existing.get(name.casefold())
        if taken is not None:
            raise ValueError(
                f"subtask_name: {inert(taken)!r} already exists in this task "
                "(names are unique regardless of case)"
            )
        return body


UPLOAD_STARTED = "UPLOADING"
UPLOAD_FINISHED = "UPLOAD_SUCCESS"
UPLOAD_FAILED = "UPLOAD_FAILED"


class UploadMarkDialog(FormScreen[str]):
    """Record the progress of an upload the operator does outside the console.

    The refined model goes to OBS at the subtask's `model_path` with the operator's own tools;
    the console only records that it started, finished or failed (SPEC §4.8).
    """

    BINDINGS = [
        Binding("b", "mark('UPLOADING')", "Started"),
        Binding("f", "mark('UPLOAD_SUCCESS')", "Finished"),
        Binding("e", "mark('UPLOAD_FAILED')", "Failed"),
    ]

    def __init__(self, subtask_name: str, state: str, model_path: str) -> None:
        super().__init__()
        self.subtask_name = subtask_name
        self.state = state
        self.model_path = model_path

    @property
    def choices(self) -> list[str]:
        if self.state == "UPLOADING":
            return [UPLOAD_FINISHED, UPLOAD_FAILED]
        return [UPLOAD_STARTED]

    def compose(self) -> ComposeResult:
        where = inert(self.model_path) or "(no model_path yet)"
        with Vertical():
            yield Static(
                Text(
                    f"Upload of the refined model for {inert(self.subtask_name)} "
                    f"(now {self.state}).\n\n"
                    f"The console does not transfer files: copy the refined model to\n  {where}\n"
                    "with your OBS tool, then record here what happened."
                ),
                id="intro",
            )
            with Horizontal():
                yield Button("Cancel (Esc)", id="cancel")
                if UPLOAD_STARTED in self.choices:
                    yield Button("Mark upload started (b)", id="UPLOADING", variant="primary")
                if UPLOAD_FINISHED in self.choices:
                    yield Button("Mark upload failed (e)", id="UPLOAD_FAILED", variant="error")
                    yield Button("Mark upload finished (f)", id="UPLOAD_SUCCESS", variant="success")

    def action_save(self) -> None:
        """Nothing to save: a button or its key records what happened."""

    def action_mark(self, status: str) -> None:
        if status in self.choices:
            self.dismiss(status)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id if event.button.id in self.choices else None)


SPUR_FIELDS = [
    ("image_code", "Image code"),
    ("point_width", "Pixel x (pointWidth)"),
    ("point_height", "Pixel y (pointHeight)"),
    ("longitude", "Longitude"),
    ("latitude", "Latitude"),
    ("height", "Height"),
    ("accuracy", "Accuracy (0-100)"),
]


class SpurForm(FormScreen[SpurInfo]):
    """AddSpurPoint body, validated by `SpurInfo` (pixels >= 0, coordinate and accuracy ranges)."""

    SAVE_LABEL = "Add"

    def __init__(self, task_id: str, task_name: str, prefill: dict[str, str]) -> None:
        super().__init__()
        self.task_id = task_id
        self.task_name = task_name
        self.prefill = prefill

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Text(
                    f"Add a spur to {inert(self.task_name)}: where a control point appears on "
                    "one image (pixels from the image block's top-left corner)."
                ),
                id="intro",
            )
            with Grid():
                for field, label in SPUR_FIELDS:
                    yield Label(label)
                    yield Input(self.prefill.get(field, ""), id=field)
            yield from self.buttons()

    def build(self) -> SpurInfo:
        data: dict[str, Any] = {"task_id": self.task_id}
        data.update({field: self.value(field) for field, _ in SPUR_FIELDS})
        return SpurInfo.model_validate(data)


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
