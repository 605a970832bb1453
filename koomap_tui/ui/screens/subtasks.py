"""Refinement subtasks of one Nerf task (SPEC §4): list, live state, and their actions.

A refinement subtask takes a model the operator refined offline, uploaded to OBS at the
subtask's `model_path`, and post-processes it into a refined product (§6.4). The console cannot
upload (the file goes to OBS with the operator's own tools); the `u` key only records that an
upload started, finished or failed, through the simulator's upload-status call (§4.8), because
the published API has no such operation.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from koomap_tui.api.errors import KooMapError
from koomap_tui.api.models import Real3DSubTask, Real3DSubTaskCreate, Real3DTask
from koomap_tui.domain.policy import (
    ATTR_MODELING_TYPE,
    ATTR_SUBTASK_COUNT,
    ATTR_TASK_TYPE,
    MAX_SUBTASKS_PER_TASK,
    Kind,
    Op,
)
from koomap_tui.domain.states import state_info, state_key
from koomap_tui.services.actions import Outcome, Target
from koomap_tui.services.sources import Real3DTaskSource, SubTaskSource
from koomap_tui.ui.format import duration_between, fmt_duration, fmt_percent, fmt_time, inert
from koomap_tui.ui.outcomes import report_outcomes
from koomap_tui.ui.polling import PollUpdated
from koomap_tui.ui.screens.base import ConsoleScreen
from koomap_tui.ui.screens.spur_forms import PerActionGates, SubtaskNameForm, UploadMarkDialog
from koomap_tui.ui.tablekit import all_rows, refresh_rows, row_or_none
from koomap_tui.ui.themes import state_style
from koomap_tui.ui.widgets.console_footer import ConsoleFooter
from koomap_tui.ui.widgets.dialogs import ConfirmDialog, TypedConfirmDialog
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.header_bar import HeaderBar
from koomap_tui.ui.widgets.progress import progress_cell
from koomap_tui.ui.widgets.state_text import pending_cell
from koomap_tui.ui.widgets.virtual_table import Column, VirtualTable

OPERATIONS = {
    Op.CREATE_SUBTASK: "CreateReal3DSubTask",
    Op.START: "StartReal3DSubTask",
    Op.STOP: "StopReal3DSubTask",
    Op.DELETE: "DeleteReal3DSubTask",
    Op.UPLOAD: "UpdateSubTaskUploadStatus(sim)",
}
UPLOAD_VERBS = {
    "UPLOADING": "marking upload started",
    "UPLOAD_SUCCESS": "marking upload finished",
    "UPLOAD_FAILED": "marking upload failed",
}


def _short(value: str | None) -> str:
    return (value or "")[:8]


class SubtaskDetail(ModalScreen[None]):
    """All fields of one subtask; any of Esc, Enter or q closes it."""

    DEFAULT_CSS = """
    SubtaskDetail { align: center middle; }
    SubtaskDetail > Static { width: 100; max-width: 100%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface; }
    """
    BINDINGS = [
        Binding("escape,enter,q", "close", "Close"),
    ]

    def __init__(self, text: Text) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(self.text)

    def action_close(self) -> None:
        self.dismiss(None)


class SubtasksScreen(PerActionGates, ConsoleScreen):
    BREADCRUMB = "subtasks"
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("escape", "back", "Back"),
        Binding("n", "create", "New"),
        Binding("u", "upload", "Upload"),
        Binding("s", "start", "Start"),
        Binding("x", "stop", "Stop"),
        Binding("d", "delete", "Delete"),
        Binding("c", "copy_path", "Copy path"),
        Binding("r", "refresh", "Refresh"),
    ]
    GATED: ClassVar[dict[str, Op]] = {
        "create": Op.CREATE_SUBTASK,
        "upload": Op.UPLOAD,
        "start": Op.START,
        "stop": Op.STOP,
        "delete": Op.DELETE,
    }

    def __init__(self, workspace_id: str, task: Real3DTask) -> None:
        super().__init__()
        self.workspace_id = workspace_id
        self.task_obj = task
        self.view_key = f"subtasks:{task.task_id}"
        self.source: SubTaskSource | None = None
        self.task_source: Real3DTaskSource | None = None
        self.loaded = False
        self.refine_status: dict[str, str] = {}
        self.refine_error: str | None = None

    def crumb(self) -> str:
        return f"subtasks of {inert(self.task_obj.task_name or self.task_obj.task_id)}"

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Vertical(id="body"):
            yield Static("", id="summary")
            yield VirtualTable(self._columns(), id="subtasks", empty_text="loading…")
        yield FreshnessBar(id="freshness")
        yield ConsoleFooter()

    def _columns(self) -> list[Column]:
        return [
            Column("name", "Name", 20, min_width=16, max_width=36, render=lambda s: Text(inert(s.subtask_name)), sort_key=lambda s: (s.subtask_name or "").lower()),
            Column("state", "State", 18, render=self._render_state, sort_key=lambda s: state_key(s.subtask_status)),
            Column("progress", "Progress", 16, render=lambda s: progress_cell(s.subtask_progress, 10)),
            Column("product", "Refined product", 24, min_width=16, priority=3, render=self._render_product),
            Column("model_path", "Model path (upload to)", 34, min_width=16, priority=5, render=lambda s: Text(inert(s.model_path) or "—")),
            Column("created", "Created", 16, priority=6, render=lambda s: Text(fmt_time(s.create_time))),
            Column("started", "Started", 16, priority=4, render=lambda s: Text(fmt_time(s.exec_start_time))),
            Column("duration", "Duration", 9, align="right", priority=2, render=lambda s: Text(fmt_duration(duration_between(s.exec_start_time, s.exec_stop_time)))),
            Column("failure", "Failure", 50, min_width=24, priority=1, render=self._render_failure),
        ]  # fmt: skip

    def _render_state(self, sub: Real3DSubTask) -> Text:
        runner = self.kapp.ctx.runner
        variables = self.app.theme_variables
        pending = runner.pending_for(Kind.SUBTASK, sub.subtask_id)
        if pending is not None:
            return pending_cell(pending.verb, variables, expired=pending.expired(runner.now()))
        state = state_key(sub.subtask_status)
        info = state_info(Kind.SUBTASK, state)
        return Text(f"{info.glyph} {inert(state)}", style=state_style(variables, info.slug))

    def _render_product(self, sub: Real3DSubTask) -> Text:
        pid = sub.refine_product_id
        if not pid:
            return Text("—", style="dim")
        status = self.refine_status.get(pid)
        if status is None:
            note = "?" if self.refine_error else "none yet"
            return Text(f"{_short(pid)} ({note})", style="dim")
        info = state_info(Kind.REFINE_PRODUCT, status)
        style = state_style(self.app.theme_variables, info.slug)
        return Text.assemble((f"{info.glyph} {inert(status)}", style), f" {_short(pid)}")

    def _render_failure(self, sub: Real3DSubTask) -> Text:
        if not sub.fail_message:
            return Text("")
        return Text(inert(sub.fail_message), style=self.app.theme_variables.get("error", "red"))

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#subtasks", VirtualTable)

    def on_mount(self) -> None:
        self.table.focus()
        client = self.kapp.ctx.client
        self.source = SubTaskSource(client, self.workspace_id, self.task_obj.task_id)
        self.poller = self.attach_source(self.source)
        self.task_source = Real3DTaskSource(client, self.workspace_id)
        self.task_poller = self.attach_source(self.task_source)
        header = self.query_one(HeaderBar)
        header.workspace = (
            self.kapp.current_workspace[1] if self.kapp.current_workspace else self.workspace_id
        )
        self.set_interval(5.0, self._check_pending_timeouts)
        self._update_summary()

    # -- parent task -----------------------------------------------------------------------
    @property
    def is_nerf(self) -> bool:
        return state_key(self.task_obj.modeling_type) == "Nerf"

    def parent_target(self) -> Target:
        t = self.task_obj
        attrs = {
            ATTR_TASK_TYPE: state_key(t.task_type) if t.task_type is not None else "",
            ATTR_MODELING_TYPE: state_key(t.modeling_type) if t.modeling_type is not None else "",
        }
        if self.loaded:
            attrs[ATTR_SUBTASK_COUNT] = str(len(all_rows(self.table)))
        return Target(
            Kind.REAL3D_TASK,
            t.task_id,
            state_key(t.task_status),
            label=t.task_name or t.task_id,
            attrs=attrs,
        )

    def subtask_target(self, sub: Real3DSubTask) -> Target:
        return Target(
            Kind.SUBTASK,
            sub.subtask_id,
            state_key(sub.subtask_status),
            label=sub.subtask_name or sub.subtask_id,
        )

    # -- gating ----------------------------------------------------------------------------
    def selected(self) -> Real3DSubTask | None:
        table = self.table
        return row_or_none(table, table.cursor_key)  # type: ignore[no-any-return]

    def action_targets(self, action: str) -> list[Target]:
        if action == "create":
            return [self.parent_target()]
        sub = self.selected()
        return [] if sub is None else [self.subtask_target(sub)]

    def no_target_reason(self, action: str) -> str:
        return "no subtask selected" if self.loaded else "subtasks are still loading"

    def extra_denial(self, action: str) -> str | None:
        if action == "create" and not self.loaded:
            return "wait until the subtasks have loaded (names must be unique)"
        if action == "upload" and not self._upload_status_available():
            return (
                "recording the upload status needs the simulator's upload-status call; the "
                "published API has none (upload to model_path with your OBS tool)"
            )
        return None

    def _upload_status_available(self) -> bool:
        ctx = self.kapp.ctx
        return bool(ctx.demo or ctx.sim is not None or ctx.sim_upload_status)

    def gate_targets(self) -> list[Target]:
        sub = self.selected()
        return [] if sub is None else [self.subtask_target(sub)]

    @on(VirtualTable.Selected)
    def _show_detail(self, message: VirtualTable.Selected) -> None:
        sub = row_or_none(self.table, message.key)
        if sub is not None:
            self.app.push_screen(SubtaskDetail(self.detail_text(sub)))

    def detail_text(self, sub: Real3DSubTask) -> Text:
        """Every field of one subtask, untruncated (model_path and fail_message are long)."""
        pid = sub.refine_product_id
        rows = [
            ("Name", sub.subtask_name),
            ("Id", sub.subtask_id),
            ("State", state_key(sub.subtask_status)),
            ("Progress", fmt_percent(sub.subtask_progress)),
            ("Model path", sub.model_path or "—"),
            ("Refined product", f"{pid or '—'} ({self.refine_status.get(pid or '', 'none yet')})"),
            ("Created", f"{fmt_time(sub.create_time)} by {sub.creator or '—'}"),
            ("Updated", f"{fmt_time(sub.update_time)} by {sub.latest_operator or '—'}"),
            ("Started", fmt_time(sub.exec_start_time)),
            ("Stopped", fmt_time(sub.exec_stop_time)),
            ("Failure", sub.fail_message or "—"),
        ]
        text = Text()
        for label, value in rows:
            text.append(f"{label:<16}", style="bold")
            text.append(f"{inert(value)}\n")
        return text

    @on(VirtualTable.CursorMoved)
    def _cursor_moved(self) -> None:
        self.refresh_gates()

    # -- polling ---------------------------------------------------------------------------
    def on_poll_updated(self, message: PollUpdated) -> None:
        message.stop()
        update = message.update
        if self.task_source is not None and update.source == self.task_source.key:
            self._parent_update(update)
            return
        if self.source is None or update.source != self.source.key:
            return
        first = not self.loaded
        if not self.apply_poll(
            update, self.table, Kind.SUBTASK, lambda s: s.subtask_status, replace=first
        ):
            return
        self.loaded = True
        added = update.added
        self.table.empty_text = self._empty_text()
        self.table.refresh()
        if first or added or update.changed or update.removed:
            self.load_refine_products()
        self._update_summary()
        self.refresh_gates()

    def _parent_update(self, update: Any) -> None:
        if update.error is not None:
            return
        task = update.items.get(self.task_obj.task_id)
        if task is not None:
            self.task_obj = task
            self._update_summary()
            self.refresh_gates()

    @work(exclusive=True, exit_on_error=False, group="refine-products")
    async def load_refine_products(self) -> None:
        """Status of each subtask's refined product (ListReal3DRefineProducts by task name)."""
        client = self.kapp.ctx.client
        wanted = {s.refine_product_id for s in all_rows(self.table) if s.refine_product_id}
        found: dict[str, str] = {}
        try:
            if self.task_obj.task_name:
                products = client.paginate(
                    client.list_real3d_refine_products, task_name=self.task_obj.task_name
                )
                async for product in products:
                    if product.id in wanted:
                        found[product.id] = state_key(product.status)
            else:
                for pid in sorted(wanted):
                    page = await client.list_real3d_refine_products(refine_product_id=pid)
                    for product in page.refine_products:
                        found[product.id] = state_key(product.status)
        except KooMapError as exc:
            self.refine_error = str(exc)
        else:
            self.refine_error = None
            self.refine_status = found
        refresh_rows(self.table, {s.subtask_id for s in all_rows(self.table)})

    def _check_pending_timeouts(self) -> None:
        expired = self.kapp.ctx.runner.expired()
        keys = {k for kind, k in expired if kind is Kind.SUBTASK}
        if keys:
            refresh_rows(self.table, keys)

    # -- summary and empty state -----------------------------------------------------------
    def create_decision_text(self) -> str:
        decision = self.decide_action("create")
        return "n: create allowed" if decision.allowed else f"n: {decision.reason}"

    def _empty_text(self) -> str:
        t = self.task_obj
        if not self.is_nerf:
            return (
                "no refinement subtasks: they exist only for Nerf tasks "
                f"(this one is {state_key(t.modeling_type) or 'of unknown type'})"
            )
        decision = self.decide_action("create")
        if decision.allowed:
            return "no refinement subtasks yet; press n to create one"
        return f"no refinement subtasks; {decision.reason}"

    def _update_summary(self) -> None:
        t = self.task_obj
        variables = self.app.theme_variables
        state = state_key(t.task_status)
        info = state_info(Kind.REAL3D_TASK, state)
        count = len(all_rows(self.table)) if self.loaded else None
        text = Text.assemble(
            ("Refinement subtasks of ", "bold"),
            (inert(t.task_name or t.task_id), "bold"),
            f"  ·  {inert(state_key(t.modeling_type)) or '?'}  ·  ",
            (f"{info.glyph} {inert(state)}", state_style(variables, info.slug)),
            f"  ·  {'…' if count is None else count} of {MAX_SUBTASKS_PER_TASK}",
        )
        text.append(f"\n{self.create_decision_text()}", style="dim")
        if self.refine_error:
            text.append(f"  ·  refined products unavailable: {inert(self.refine_error)}")
        self.query_one("#summary", Static).update(text)

    # -- actions ---------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.poller.refresh_now()
        self.task_poller.refresh_now()
        self.load_refine_products()
        self.notify("refreshing…", timeout=1.5)

    def action_copy_path(self) -> None:
        """The upload target, for the operator's OBS tool (OSC 52: works over SSH too)."""
        sub = self.selected()
        if sub is None or not sub.model_path:
            self.notify("no model_path to copy", severity="warning")
            return
        self.app.copy_to_clipboard(sub.model_path)
        self.notify(f"copied {inert(sub.model_path)}", timeout=4)

    def action_create(self) -> None:
        names = [s.subtask_name or "" for s in all_rows(self.table)]

        def submitted(body: Real3DSubTaskCreate | None) -> None:
            if body is not None:
                self.create_subtask(body)

        self.app.push_screen(
            SubtaskNameForm(self.task_obj.task_name or self.task_obj.task_id, names), submitted
        )

    def action_start(self) -> None:
        sub = self.selected()
        if sub is not None:
            self.run_subtask_op(Op.START, sub)

    def action_stop(self) -> None:
        sub = self.selected()
        if sub is None:
            return
        name = inert(sub.subtask_name or sub.subtask_id)

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_subtask_op(Op.STOP, sub)

        self.app.push_screen(
            ConfirmDialog(f"Stop refinement subtask {name}? Its running work is lost."), answered
        )

    def action_delete(self) -> None:
        sub = self.selected()
        if sub is None:
            return
        expected = sub.subtask_name or sub.subtask_id
        product = (
            f" Its refined product {inert(sub.refine_product_id)} is deleted too."
            if sub.refine_product_id
            else " Its refined product (if any) is deleted too."
        )
        prompt = f"Delete refinement subtask {inert(expected)}?{product} Type its name:"

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_subtask_op(Op.DELETE, sub)

        self.app.push_screen(TypedConfirmDialog(prompt, expected), answered)

    def action_upload(self) -> None:
        sub = self.selected()
        if sub is None:
            return

        def chosen(status: str | None) -> None:
            if status is not None:
                self.run_subtask_op(Op.UPLOAD, sub, status=status)

        self.app.push_screen(
            UploadMarkDialog(
                sub.subtask_name or sub.subtask_id,
                state_key(sub.subtask_status),
                sub.model_path or "",
            ),
            chosen,
        )

    # -- workers ---------------------------------------------------------------------------
    @work(exclusive=False, exit_on_error=False, group="actions")
    async def create_subtask(self, body: Real3DSubTaskCreate) -> None:
        # The list may have changed while the form was open: check again before sending.
        name = body.subtask_name.casefold()
        if any((s.subtask_name or "").casefold() == name for s in all_rows(self.table)):
            self.notify(
                f"{inert(body.subtask_name)!r} already exists in this task",
                title="Create subtask",
                severity="warning",
            )
            return
        ctx = self.kapp.ctx
        client = ctx.client
        ws = self.workspace_id

        async def call(target: Target) -> Any:
            return await client.create_real3d_subtask(ws, target.id, body)

        outcomes = await ctx.runner.run(
            Op.CREATE_SUBTASK,
            [self.parent_target()],
            call,
            operation=OPERATIONS[Op.CREATE_SUBTASK],
            mark_pending=False,  # the parent's state does not change: a mark would never clear
            capture=client.capture_request_ids,
        )
        self.report(Op.CREATE_SUBTASK, outcomes, f"created subtask {inert(body.subtask_name)}")
        self.poller.refresh_now()

    @work(exclusive=False, exit_on_error=False, group="actions")
    async def run_subtask_op(self, op: Op, sub: Real3DSubTask, **kw: Any) -> None:
        await self.perform(op, sub, **kw)

    async def perform(self, op: Op, sub: Real3DSubTask, **kw: Any) -> list[Outcome]:
        ctx = self.kapp.ctx
        client = ctx.client
        ws, task_id = self.workspace_id, self.task_obj.task_id

        async def call(target: Target) -> Any:
            if op is Op.START:
                return await client.start_real3d_subtask(ws, task_id, target.id)
            if op is Op.STOP:
                return await client.stop_real3d_subtask(ws, task_id, target.id)
            if op is Op.DELETE:
                return await client.delete_real3d_subtask(ws, task_id, target.id)
            if op is Op.UPLOAD:
                return await client.sim_update_subtask_upload_status(
                    ws, task_id, target.id, kw["status"]
                )
            raise ValueError(op)

        def marked(target: Target) -> None:
            if op is Op.UPLOAD:
                pending = ctx.runner.pending_for(target.kind, target.id)
                if pending is not None:
                    pending.verb = UPLOAD_VERBS[kw["status"]]
            refresh_rows(self.table, {target.id})

        target = self.subtask_target(sub)
        outcomes: list[Outcome] = await ctx.runner.run(
            op,
            [target],
            call,
            operation=OPERATIONS[op],
            capture=client.capture_request_ids,
            on_marked=marked,
        )
        refresh_rows(self.table, {target.id})
        label = inert(target.label)
        done = {
            Op.START: f"start requested: {label}",
            Op.STOP: f"stop requested: {label}",
            Op.DELETE: f"deleted: {label} (and its refined product)",
            Op.UPLOAD: f"{label}: upload recorded as {kw.get('status')}",
        }[op]
        self.report(op, outcomes, done)
        self.poller.refresh_now()
        return outcomes

    def report(self, op: Op, outcomes: list[Outcome], done: str) -> None:
        report_outcomes(self.notify, OPERATIONS[op], outcomes, done, check_what="the list")
