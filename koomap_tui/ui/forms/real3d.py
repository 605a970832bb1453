"""Forms of Real3D tasks and what hangs off them: the task itself, refinement subtasks and
the upload of their model, spurs."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from koomap_tui.api.models import Real3DSubTaskCreate, Real3DTask, Real3DTaskUpdate, SpurInfo
from koomap_tui.domain.policy import MAX_SUBTASKS_PER_TASK
from koomap_tui.domain.states import state_key
from koomap_tui.ui.format import inert
from koomap_tui.ui.forms.base import FormScreen

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
