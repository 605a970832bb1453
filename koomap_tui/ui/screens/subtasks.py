"""Refinement subtasks of one Nerf task (SPEC §4): list, live state, and their actions.

A refinement subtask takes a model the operator refined offline, uploaded to OBS at the
subtask's `model_path`, and post-processes it into a refined product (§6.4). The console cannot
upload (the file goes to OBS with the operator's own tools); the `u` key only records that an
upload started, finished or failed, through the simulator's upload-status call (§4.8), because
the published API has no such operation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.binding import Binding

from koomap_tui.api.models import Real3DSubTask, Real3DSubTaskCreate, Real3DTask
from koomap_tui.domain.catalog import Action
from koomap_tui.domain.policy import ATTR_SUBTASK_COUNT, MAX_SUBTASKS_PER_TASK, Kind, Op
from koomap_tui.domain.states import state_key
from koomap_tui.services.actions import Target
from koomap_tui.services.poller import PollUpdate
from koomap_tui.services.sources import SubTaskSource
from koomap_tui.ui.format import duration_between, fmt_duration, fmt_time, inert
from koomap_tui.ui.forms.real3d import SubtaskNameForm, UploadMarkDialog
from koomap_tui.ui.render.subtask_card import subtask_card
from koomap_tui.ui.screens.listview import ListScreen
from koomap_tui.ui.screens.task_detail import OfTask
from koomap_tui.ui.specs import SUBTASKS, TASKS
from koomap_tui.ui.tablekit import refresh_rows
from koomap_tui.ui.themes import theme_style
from koomap_tui.ui.widgets.progress import progress_cell
from koomap_tui.ui.widgets.read_dialog import ReadDialog
from koomap_tui.ui.widgets.state_text import state_cell
from koomap_tui.ui.widgets.virtual_table import Column

UPLOAD_VERBS = {
    "UPLOADING": "marking upload started",
    "UPLOAD_SUCCESS": "marking upload finished",
    "UPLOAD_FAILED": "marking upload failed",
}


def _short(value: str | None) -> str:
    return (value or "")[:8]


class SubtasksScreen(OfTask, ListScreen):
    BREADCRUMB = "subtasks"
    HEADING = "Refinement subtasks"
    FLAGS_FIRST = True  # the task line and the create gate fill both summary lines at 80 columns
    SPEC = SUBTASKS
    BINDINGS = [Binding("c", "copy_path", "Copy path")]

    def __init__(self, workspace_id: str, task: Real3DTask) -> None:
        super().__init__(workspace_id, task)
        self.refine_status: dict[str, str] = {}
        self.refine_error: str | None = None

    def columns(self) -> list[Column]:
        return [
            Column("name", "Name", 20, min_width=16, max_width=36, render=lambda s: Text(inert(s.subtask_name)), sort_key=lambda s: (s.subtask_name or "").lower()),
            Column("state", "State", 18, render=self.state_cell, sort_key=lambda s: state_key(s.subtask_status)),
            Column("progress", "Progress", 16, render=lambda s: progress_cell(s.subtask_progress, 10)),
            Column("product", "Refined product", 24, min_width=16, priority=3, render=self._render_product),
            Column("model_path", "Model path (upload to)", 34, min_width=16, priority=5, render=lambda s: Text(inert(s.model_path) or "—")),
            Column("created", "Created", 16, priority=6, render=lambda s: Text(fmt_time(s.create_time))),
            Column("started", "Started", 16, priority=4, render=lambda s: Text(fmt_time(s.exec_start_time))),
            Column("duration", "Duration", 9, align="right", priority=2, render=lambda s: Text(fmt_duration(duration_between(s.exec_start_time, s.exec_stop_time)))),
            Column("failure", "Failure", 50, min_width=24, priority=1, render=self._render_failure),
        ]  # fmt: skip

    def _render_product(self, sub: Real3DSubTask) -> Text:
        pid = sub.refine_product_id
        if not pid:
            return Text("—", style="dim")
        status = self.refine_status.get(pid)
        if status is None:
            note = "?" if self.refine_error else "none yet"
            return Text(f"{_short(pid)} ({note})", style="dim")
        variables = self.app.theme_variables
        state = state_cell(Kind.REFINE_PRODUCT, status, variables, words=inert(status))
        return Text.assemble(state, f" {_short(pid)}")

    def _render_failure(self, sub: Real3DSubTask) -> Text:
        if not sub.fail_message:
            return Text("")
        return Text(inert(sub.fail_message), style=theme_style(self.app.theme_variables, "error"))

    def make_source(self) -> SubTaskSource:
        t = self.task_obj
        return SubTaskSource(self.kapp.ctx.client, self.workspace_id, t.task_id, t.task_name)

    def task_changed(self) -> None:
        if self.source is not None:
            self.source.task_name = self.task_obj.task_name

    def polled(self, update: PollUpdate[Any]) -> None:
        self.refine_status = dict(update.meta.get("refine_states") or {})
        self.refine_error = update.meta.get("refine_error")
        refresh_rows(self.table, update.items)
        self.table.empty_text = self._empty_text()
        self.table.refresh()

    # -- targets ---------------------------------------------------------------------------
    def parent_targets(self) -> list[Target]:
        target = TASKS.target(self.task_obj)
        if self.loaded:
            attrs = {**target.attrs, ATTR_SUBTASK_COUNT: str(len(self.rows()))}
            target = Target(target.kind, target.id, target.state, target.label, attrs)
        return [target]

    def call_args(self) -> dict[str, Any]:
        return {"workspace_id": self.workspace_id, "task_id": self.task_obj.task_id}

    def no_target_reason(self, action: Action) -> str:
        return "no subtask selected" if self.loaded else "subtasks are still loading"

    def extra_denial(self, action: Action, targets: list[Target]) -> str | None:
        if action.op is Op.CREATE_SUBTASK and not self.loaded:
            return "wait until the subtasks have loaded (names must be unique)"
        if action.op is Op.UPLOAD and not self._upload_status_available():
            return (
                "recording the upload status needs the simulator's upload-status call; the "
                "published API has none (upload to model_path with your OBS tool)"
            )
        return None

    def _upload_status_available(self) -> bool:
        ctx = self.kapp.ctx
        return bool(ctx.demo or ctx.sim is not None or ctx.sim_upload_status)

    def open_form(
        self, action: Action, targets: list[Target], proceed: Callable[[dict[str, Any]], None]
    ) -> None:
        if action.op is Op.CREATE_SUBTASK:
            names = [s.subtask_name or "" for s in self.rows()]

            def named(body: Real3DSubTaskCreate | None) -> None:
                # The list may have changed while the form was open: check again before sending.
                if body is None:
                    return
                taken = {(s.subtask_name or "").casefold() for s in self.rows()}
                if body.subtask_name.casefold() in taken:
                    self.notify(f"{inert(body.subtask_name)!r} already exists in this task",
                                title="Create subtask", severity="warning")  # fmt: skip
                    return
                proceed({"body": body, "done": f"created subtask {inert(body.subtask_name)}"})

            task_name = self.task_obj.task_name or self.task_obj.task_id
            self.app.push_screen(SubtaskNameForm(task_name, names), named)
            return
        sub = self.current()
        if sub is None:
            return

        def chosen(status: str | None) -> None:
            if status is not None:
                label = inert(sub.subtask_name or sub.subtask_id)
                proceed({"status": status, "pending": UPLOAD_VERBS[status],
                         "done": f"{label}: upload recorded as {status}"})  # fmt: skip

        dialog = UploadMarkDialog(
            sub.subtask_name or sub.subtask_id, state_key(sub.subtask_status), sub.model_path or ""
        )
        self.app.push_screen(dialog, chosen)

    def question_note(self, action: Action, targets: list[Target]) -> str:
        sub = self.current()
        if action.op is not Op.DELETE or sub is None or not sub.refine_product_id:
            return ""
        return f" (refined product {inert(sub.refine_product_id)})"

    def open_row(self, row: Any) -> None:
        product = self.refine_status.get(row.refine_product_id or "", "none yet")
        name = inert(row.subtask_name or row.subtask_id)
        self.app.push_screen(ReadDialog(f"Subtask {name}", subtask_card(row, product)))

    # -- summary and empty state -----------------------------------------------------------
    def _empty_text(self) -> str:
        t = self.task_obj
        if state_key(t.modeling_type) != "Nerf":
            return (
                "no refinement subtasks: they exist only for Nerf tasks "
                f"(this one is {state_key(t.modeling_type) or 'of unknown type'})"
            )
        decision = self.gate("create").decision
        if decision.allowed:
            return "no refinement subtasks yet; press n to create one"
        return f"no refinement subtasks; {decision.reason}"

    def summary_items(self) -> list[Text]:
        count = len(self.rows()) if self.loaded else None
        decision = self.gate("create").decision
        text = self.task_line(self.task_obj.modeling_type)
        text.append(f"  ·  {'…' if count is None else count} of {MAX_SUBTASKS_PER_TASK}")
        create = "create allowed" if decision.allowed else decision.reason
        text.append(f"\nn: {create}", style="dim")
        if self.refine_error:
            text.append(f"  ·  refined products unavailable: {inert(self.refine_error)}")
        return [text]

    def action_copy_path(self) -> None:
        """The upload target, for the operator's OBS tool (OSC 52: works over SSH too)."""
        sub = self.current()
        if sub is None or not sub.model_path:
            self.notify("no model_path to copy", severity="warning")
            return
        self.app.copy_to_clipboard(sub.model_path)
        self.notify(f"copied {inert(sub.model_path)}", timeout=4)
