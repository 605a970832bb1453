"""Forms of the subtask and spur screens.

Every form validates with the request model before it returns, so nothing the server would
reject for its shape is ever sent.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from koomap_tui.api.models import Real3DSubTaskCreate, SpurInfo
from koomap_tui.domain.policy import MAX_SUBTASKS_PER_TASK
from koomap_tui.ui.format import inert


def validation_message(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "form"
        lines.append(f"{where}: {err['msg']}")
    return "\n".join(lines)


_FORM_CSS = """
{cls} { align: center middle; }
{cls} > Vertical { width: 80; max-width: 100%; height: auto; max-height: 100%;
    border: thick $primary; background: $surface; padding: 0 1; }
{cls} Grid { grid-size: 2; grid-columns: 22 1fr; height: auto; grid-rows: 3; }
{cls} Label { padding: 1 0 0 0; }
{cls} #intro { margin: 1 0; }
{cls} #errors { color: $error; height: auto; }
{cls} Horizontal { height: 3; align: right middle; }
{cls} Button { margin-left: 2; }
"""


class SubtaskNameForm(ModalScreen[Real3DSubTaskCreate | None]):
    """Name a new refinement subtask: model rules plus case-insensitive uniqueness."""

    DEFAULT_CSS = _FORM_CSS.replace("{cls}", "SubtaskNameForm")
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Create")]

    def __init__(self, task_name: str, existing: list[str]) -> None:
        super().__init__()
        self.task_name = task_name
        self.existing = {n.casefold(): n for n in existing}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Text(
                    f"New refinement subtask of {inert(self.task_name)} "
                    f"({len(self.existing)} of {MAX_SUBTASKS_PER_TASK} used)"
                ),
                id="intro",
            )
            with Grid():
                yield Label("Name (1-50)")
                yield Input(
                    placeholder="letters, digits, _ or Chinese", id="subtask_name", max_length=60
                )
            yield Static("", id="errors")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Create (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#subtask_name", Input).focus()

    def build(self) -> Real3DSubTaskCreate:
        name = self.query_one("#subtask_name", Input).value.strip()
        body = Real3DSubTaskCreate(subtask_name=name)
        taken = self.existing.get(name.casefold())
        if taken is not None:
            raise ValueError(
                f"subtask_name: {inert(taken)!r} already exists in this task "
                "(names are unique regardless of case)"
            )
        return body

    def action_save(self) -> None:
        try:
            body = self.build()
        except ValidationError as exc:
            self.query_one("#errors", Static).update(Text(validation_message(exc)))
            return
        except ValueError as exc:
            self.query_one("#errors", Static).update(Text(str(exc)))
            return
        self.dismiss(body)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()


UPLOAD_STARTED = "UPLOADING"
UPLOAD_FINISHED = "UPLOAD_SUCCESS"
UPLOAD_FAILED = "UPLOAD_FAILED"


class UploadMarkDialog(ModalScreen[str | None]):
    """Record the progress of an upload the operator does outside the console.

    The refined model goes to OBS at the subtask's `model_path` with the operator's own tools;
    the console only records that it started, finished or failed (SPEC §4.8).
    """

    DEFAULT_CSS = _FORM_CSS.replace("{cls}", "UploadMarkDialog")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
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

    def action_mark(self, status: str) -> None:
        if status in self.choices:
            self.dismiss(status)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id in self.choices:
            self.dismiss(event.button.id)
        else:
            self.dismiss(None)


SPUR_FIELDS = [
    ("image_code", "Image code"),
    ("point_width", "Pixel x (pointWidth)"),
    ("point_height", "Pixel y (pointHeight)"),
    ("longitude", "Longitude"),
    ("latitude", "Latitude"),
    ("height", "Height"),
    ("accuracy", "Accuracy (0-100)"),
]


class SpurForm(ModalScreen[SpurInfo | None]):
    """AddSpurPoint body, validated by `SpurInfo` (pixels >= 0, coordinate and accuracy ranges)."""

    DEFAULT_CSS = _FORM_CSS.replace("{cls}", "SpurForm")
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Add")]

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
            yield Static("", id="errors")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Add (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        for field, _ in SPUR_FIELDS:
            box = self.query_one(f"#{field}", Input)
            if not box.value:
                box.focus()
                return
        self.query_one("#image_code", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        # Enter walks down the form; on the last field it submits.
        event.stop()
        if event.input.id == SPUR_FIELDS[-1][0]:
            self.action_save()
        else:
            self.focus_next()

    def build(self) -> SpurInfo:
        data: dict[str, Any] = {"task_id": self.task_id}
        for field, _ in SPUR_FIELDS:
            data[field] = self.query_one(f"#{field}", Input).value.strip()
        return SpurInfo.model_validate(data)

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


class PromptDialog(ModalScreen[str | None]):
    """One line of text (an image code, a file path); Enter submits, Esc cancels."""

    DEFAULT_CSS = _FORM_CSS.replace("{cls}", "PromptDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, message: str, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.placeholder = placeholder
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, markup=False)
            yield Static(Text(self.message), id="intro")
            yield Input(self.value, placeholder=self.placeholder, id="answer")

    def on_mount(self) -> None:
        self.query_one("#answer", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
