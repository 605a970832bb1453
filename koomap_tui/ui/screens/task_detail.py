"""Task detail: every field of one Real3D task, its subtasks summary, and the table's actions."""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from koomap_tui.api.errors import KooMapError
from koomap_tui.api.models import Real3DTask
from koomap_tui.domain.policy import Kind, Op
from koomap_tui.domain.states import state_key
from koomap_tui.services.sources import Real3DTaskSource
from koomap_tui.ui.format import (
    duration_between,
    fmt_duration,
    fmt_percent,
    fmt_time,
    inert,
    progress_bar,
)
from koomap_tui.ui.polling import PollUpdated
from koomap_tui.ui.screens.base import ConsoleScreen
from koomap_tui.ui.task_actions import TaskActions
from koomap_tui.ui.widgets.console_footer import ConsoleFooter
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.header_bar import HeaderBar
from koomap_tui.ui.widgets.state_text import state_cell


class TaskDetailScreen(TaskActions, ConsoleScreen):
    BREADCRUMB = "task"
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("escape", "back", "Back"),
        Binding("s", "start", "Start"),
        Binding("a", "start_at", "AT-only"),
        Binding("x", "stop", "Stop"),
        Binding("e", "update", "Edit"),
        Binding("d", "delete", "Delete"),
        Binding("z", "archive", "Archive"),
        Binding("Z", "unarchive", "Unarchive", show=False),
        Binding("w", "watch", "Watch"),
        Binding("r", "refresh", "Refresh"),
        Binding("S", "subtasks", "Subtasks"),
        Binding("p", "spurs", "Spurs"),
    ]
    GATED: ClassVar[dict[str, Op]] = {
        "start": Op.START,
        "start_at": Op.START_AT_ONLY,
        "stop": Op.STOP,
        "update": Op.UPDATE,
        "delete": Op.DELETE,
        "archive": Op.ARCHIVE,
        "unarchive": Op.UNARCHIVE,
    }

    def __init__(
        self, workspace_id: str, task: Real3DTask, source: Real3DTaskSource | None = None
    ) -> None:
        super().__init__()
        self.workspace_id = workspace_id
        self.task_obj = task
        self.source = source
        self.subtask_summary: str = "…"
        self.gone = False

    def crumb(self) -> str:
        return f"tasks › {inert(self.task_obj.task_name)}"

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="detail")
        yield FreshnessBar(id="freshness")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        if self.source is None:
            self.source = Real3DTaskSource(self.kapp.ctx.client, self.workspace_id)
        self.poller = self.attach_source(self.source)
        self.query_one(HeaderBar).workspace = (
            self.kapp.current_workspace[1] if self.kapp.current_workspace else self.workspace_id
        )
        self.render_detail()
        self.load_subtasks()

    # -- data ------------------------------------------------------------------------------
    def selected_tasks(self) -> list[Real3DTask]:
        return [] if self.gone else [self.task_obj]

    def gate_targets(self) -> list[Any]:
        return [self.task_target(t) for t in self.selected_tasks()]

    def refresh_task_rows(self, keys: set[str]) -> None:
        self.render_detail()
        self.refresh_gates()

    def on_poll_updated(self, message: PollUpdated) -> None:
        message.stop()
        update = message.update
        if self.source is None or update.source != self.source.key:
            return
        self.query_one(FreshnessBar).freshness = update.freshness
        if update.error is not None:
            return
        runner = self.kapp.ctx.runner
        task = update.items.get(self.task_obj.task_id)
        if task is None:
            if update.removed and self.task_obj.task_id in update.removed:
                runner.observe(Kind.REAL3D_TASK, self.task_obj.task_id, None)
                self.gone = True
        else:
            runner.observe(Kind.REAL3D_TASK, task.task_id, state_key(task.task_status))
            self.task_obj = task
        self.render_detail()
        self.refresh_gates()

    @work(exclusive=True, exit_on_error=False, group="subtasks")
    async def load_subtasks(self) -> None:
        if state_key(self.task_obj.modeling_type) != "Nerf":
            self.subtask_summary = "— (refinement subtasks exist only for Nerf tasks)"
            self.render_detail()
            return
        try:
            page = await self.kapp.ctx.client.list_real3d_subtasks(
                self.workspace_id, self.task_obj.task_id, limit=100
            )
        except KooMapError as exc:
            self.subtask_summary = f"unavailable ({exc.code})"
        else:
            counts = Counter(state_key(s.subtask_status) for s in page.subtasks)
            self.subtask_summary = f"{page.page.total} of 10: " + (
                ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"
            )
        self.render_detail()

    # -- rendering -------------------------------------------------------------------------
    def render_detail(self) -> None:
        t = self.task_obj
        variables = self.app.theme_variables
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()

        def row(label: str, value: Any) -> None:
            grid.add_row(label, value if isinstance(value, Text) else Text(inert(value)))

        pending = self.kapp.ctx.runner.pending_for(Kind.REAL3D_TASK, t.task_id)
        state = state_cell(Kind.REAL3D_TASK, state_key(t.task_status), variables)
        if pending is not None:
            state.append(f"   ⏳ {pending.verb}", style="bold")
        if self.gone:
            state = Text("deleted (no longer listed)", style=variables.get("error", "red"))
        row("Name", t.task_name)
        row("Id", t.task_id)
        row("State", state)
        row("Description", t.task_description or "—")
        row("Task type", state_key(t.task_type))
        row("Modeling type", state_key(t.modeling_type))
        row("Coordinate sys", t.coordinate_sys or "WGS84-UTM")
        row("Image set", t.folder_code or "— (none bound: cannot start)")
        row("Has spurs", "yes" if t.has_marker else "no")
        progress = Text(f"{progress_bar(t.task_progress, 30)} {fmt_percent(t.task_progress)}")
        row("Progress", progress)
        stage = f"{t.complete_stage or 0}/{t.total_stage}" if t.total_stage else "—"
        row("Stages", stage)
        if state_key(t.task_type) == "REAL3D-CTRL":
            row(
                "AT progress",
                Text(f"{progress_bar(t.at_progress, 30)} {fmt_percent(t.at_progress)}"),
            )
        mp = t.modeling_params
        if mp is not None:
            row(
                "Modeling params",
                f"accuracy {state_key(mp.accuracy)} · key points {mp.key_point_limit}"
                f" · tie points {mp.tie_point_limit} · mesh quality {mp.mesh_accuracy}",
            )
        row("Created", f"{fmt_time(t.create_time)} by {inert(t.creator) or '—'}")
        row("Updated", f"{fmt_time(t.update_time)} by {inert(t.latest_operator) or '—'}")
        row("Started", fmt_time(t.exec_start_time))
        row("Stopped", fmt_time(t.exec_stop_time))
        row(
            "Duration",
            fmt_duration(
                duration_between(t.exec_start_time, t.exec_stop_time, updated=t.update_time)
            ),
        )
        row("Subtasks", self.subtask_summary)
        if t.fail_message:
            row("Failure", Text(inert(t.fail_message), style=variables.get("error", "red")))
        self.query_one("#detail", Static).update(grid)

    # -- actions ---------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.poller.refresh_now()
        self.load_subtasks()

    def action_watch(self) -> None:
        t = self.task_obj
        watched = self.kapp.toggle_watch(
            self.workspace_id, t.task_id, t.task_name or t.task_id, state_key(t.task_status)
        )
        self.notify(("watching " if watched else "stopped watching ") + inert(t.task_name))

    def action_subtasks(self) -> None:
        self.kapp.navigate("sub")

    def action_spurs(self) -> None:
        self.kapp.navigate("spurs")

    @work(exclusive=False, exit_on_error=False, group="actions")
    async def run_task_op(self, op: Op, tasks: list[Real3DTask], **kw: Any) -> None:
        outcomes = await self.perform(op, tasks, **kw)
        if op is Op.DELETE and any(o.ok for o in outcomes):
            self.gone = True
            self.render_detail()
