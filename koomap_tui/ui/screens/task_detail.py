"""Task detail: every field of one Real3D task, its subtasks summary, and the table's actions.

Also what the task table and the detail share, and the base of the lists of one task (its
subtasks, its spurs).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from koomap_tui.api.errors import KooMapError
from koomap_tui.api.models import Real3DTask, Real3DTaskUpdate
from koomap_tui.domain.catalog import Action
from koomap_tui.domain.policy import Kind, Op
from koomap_tui.domain.states import state_key
from koomap_tui.services.actions import Outcome, Target
from koomap_tui.services.history import TimelineEntry
from koomap_tui.services.poller import PollUpdate
from koomap_tui.services.sources import Real3DTaskSource
from koomap_tui.services.sources.data import product_key
from koomap_tui.services.task_links import TaskLinks, task_links
from koomap_tui.ui.format import inert
from koomap_tui.ui.forms.real3d import TaskUpdateForm
from koomap_tui.ui.polling import PollUpdated
from koomap_tui.ui.render.task_card import links_text, task_card, timeline_table
from koomap_tui.ui.screens.audit import AuditScreen
from koomap_tui.ui.screens.base import ConsoleScreen, action_bindings
from koomap_tui.ui.screens.listview import ListMixin, ListScreen
from koomap_tui.ui.specs import TASK_ACTIONS, TASKS
from koomap_tui.ui.widgets.console_footer import ConsoleFooter
from koomap_tui.ui.widgets.failure import show_failure
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.header_bar import HeaderBar


class TaskMixin(ConsoleScreen):
    """What the task table and the task detail do alike."""

    workspace_id: str

    def call_args(self) -> dict[str, Any]:
        return {"workspace_id": self.workspace_id}

    def open_form(
        self, action: Action, targets: list[Target], proceed: Callable[[dict[str, Any]], None]
    ) -> None:
        task = self.task_of(targets[0].id)
        if task is None:
            return

        def submitted(body: Real3DTaskUpdate | None) -> None:
            if body is not None:
                proceed({"body": body})

        self.app.push_screen(TaskUpdateForm(task), submitted)

    def task_of(self, task_id: str) -> Real3DTask | None:
        raise NotImplementedError

    def watch_task(self, t: Real3DTask, workspace_id: str) -> None:
        """`w`: watch the task (`:watch`, a notice when it ends), or stop watching it."""
        name = t.task_name or t.task_id
        watched = self.kapp.toggle_watch(workspace_id, t.task_id, name, state_key(t.task_status))
        self.notify(("watching " if watched else "stopped watching ") + inert(name))


class OfTask(ListMixin):
    """A list of what belongs to one Real3D task (a mixin of its list view): the task is kept
    fresh by its workspace's task poll, because its state decides what may be done to the rows."""

    HEADING: ClassVar[str]  # the summary's first words: "<HEADING> of <task>"
    workspace_id: str

    def __init__(self, workspace_id: str, task: Real3DTask) -> None:
        super().__init__()
        self.workspace_id = workspace_id
        self.task_obj = task
        self.view_key = f"{self.BREADCRUMB}:{task.task_id}"

    @property
    def task_name(self) -> str:
        return inert(self.task_obj.task_name or self.task_obj.task_id)

    def crumb(self) -> str:
        return f"{self.BREADCRUMB} of {self.task_name}"

    def attach_panels(self) -> None:
        super().attach_panels()
        self.attach_source(Real3DTaskSource(self.kapp.ctx.client, self.workspace_id))

    def other_update(self, update: PollUpdate[Any]) -> None:
        task = None if update.error is not None else update.items.get(self.task_obj.task_id)
        if task is not None:
            self.task_obj = task
            self.task_changed()
            self.update_summary()
            self.refresh_gates()

    def task_changed(self) -> None:
        """After the task poll brought a new `task_obj`."""

    def task_line(self, of_type: object) -> Text:
        """The summary's first line: "<HEADING> of <task>  ·  <type>  ·  <state>"."""
        t = self.task_obj
        return Text.assemble(
            (f"{self.HEADING} of {self.task_name}", "bold"),
            f"  ·  {inert(state_key(of_type)) or '?'}  ·  ",
            self.state_text(Kind.REAL3D_TASK, t.task_id, t.task_status),
        )


_T = TypeVar("_T")


@dataclass
class Part(Generic[_T]):
    """One part of the detail read on its own (the subtasks, the timeline, the links): the last
    answer read (`value`) and why the latest read failed (`error`, None when it did not). A
    failed re-read keeps the last answer: the error shows in its place only while there is none."""

    name: str  # the worker group of its reads: a new read replaces one still running
    value: _T
    error: str | None = None


class TaskDetailScreen(TaskMixin):
    BREADCRUMB = "task"
    ACTIONS = TASK_ACTIONS
    BINDINGS = [
        Binding("escape", "back", "Back"),
        *action_bindings(TASK_ACTIONS),
        Binding("w", "watch", "Watch"),
        Binding("r", "refresh", "Refresh"),
        Binding("S", "subtasks", "Subtasks"),
        Binding("p", "spurs", "Spurs"),
        Binding("f", "failure", "Failure reason", show=False),
        Binding("i", "image_set", "Image set"),
        Binding("P", "products", "Products"),
        Binding("t", "timeline", "Timeline", show=False),
        Binding("L", "audit", "Audit of this task", show=False),
    ]

    def __init__(
        self, workspace_id: str, task: Real3DTask, source: Real3DTaskSource | None = None
    ) -> None:
        super().__init__()
        self.workspace_id = workspace_id
        self.task_obj = task
        self.source = source
        self.subtask_summary = Part[str]("subtask_summary", "…")
        self.gone = False
        # None: not read yet; the error also says why it cannot be read at all ("history off")
        self.timeline = Part[list[TimelineEntry] | None]("timeline", None)
        self.links = Part[TaskLinks | None]("links", None)  # None: not read yet

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
        self.load_timeline()
        self.load_links()
        self.load_subtasks()
        self.render_detail()

    # -- data ------------------------------------------------------------------------------
    def selection(self) -> list[Target]:
        return [] if self.gone else [TASKS.target(self.task_obj)]

    def cursor_id(self) -> str | None:
        return self.task_obj.task_id

    def task_of(self, task_id: str) -> Real3DTask | None:
        return self.task_obj

    def targets_changed(self, targets: Any) -> None:
        self.render_detail()
        self.refresh_gates()

    def after_action(self, action: Action, outcomes: list[Outcome], params: Any) -> None:
        if action.op is Op.DELETE and any(o.ok for o in outcomes):
            self.gone = True
            self.render_detail()

    def on_poll_updated(self, message: PollUpdated) -> None:
        message.stop()
        update = message.update
        if self.source is None or update.source != self.source.key:
            return
        self.query_one(FreshnessBar).freshness = update.freshness
        if update.error is not None:
            return
        task_id = self.task_obj.task_id
        task = update.items.get(task_id)
        if task is not None:
            self.observe(Kind.REAL3D_TASK, task_id, state_key(task.task_status))
            moved, self.task_obj = task != self.task_obj, task
            if moved or self.timeline_behind():
                self.load_timeline()
        elif task_id in update.removed:
            self.observe(Kind.REAL3D_TASK, task_id, None)
            self.gone = True
        self.render_detail()
        self.refresh_gates()

    def read_part(self, part: Part[_T], read: Callable[[], Awaitable[_T]]) -> None:
        """Read one part of the detail in a worker of its own: the part gets the answer and no
        error, or the error says why it could not be read (the last answer stays); then the
        detail is drawn again."""

        async def run() -> None:
            try:
                value = await read()
            except Exception as exc:  # a part that fails says so in its place, not as a traceback
                code = exc.code if isinstance(exc, KooMapError) else type(exc).__name__
                part.error = f"unavailable ({code})"
            else:
                part.value, part.error = value, None
            self.render_detail()

        self.run_worker(run(), group=part.name, exclusive=True, exit_on_error=False)

    def load_subtasks(self) -> None:
        if state_key(self.task_obj.modeling_type) != "Nerf":
            self.subtask_summary.value = "— (refinement subtasks exist only for Nerf tasks)"
        else:
            self.read_part(self.subtask_summary, self.read_subtask_summary)

    async def read_subtask_summary(self) -> str:
        page = await self.kapp.ctx.client.list_real3d_subtasks(
            self.workspace_id, self.task_obj.task_id, limit=100
        )
        counts = Counter(state_key(s.subtask_status) for s in page.subtasks)
        states = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        return f"{page.page.total} of 10: {states or 'none'}"

    def timeline_behind(self) -> bool:
        """The timeline read does not end where the task is: the history writes what a poll
        saw a moment after the poll, so a timeline read at once may lack it (read again)."""
        if self.kapp.ctx.history is None:
            return False
        timeline = self.timeline.value
        last = timeline[-1] if timeline else None
        now = (state_key(self.task_obj.task_status), self.task_obj.complete_stage)
        return last is None or (last.state, last.stage) != now

    def load_timeline(self) -> None:
        """The task's timeline from the local history, read off the event loop."""
        history = self.kapp.ctx.history
        if history is None:
            self.timeline.error = "history off"
            return
        task_id = self.task_obj.task_id
        self.read_part(
            self.timeline,
            lambda: asyncio.to_thread(history.timeline, Kind.REAL3D_TASK.value, task_id),
        )

    def load_links(self) -> None:
        """The task's image set (name and state) and the products made from it."""
        self.read_part(self.links, lambda: task_links(self.kapp.ctx.client, self.task_obj))

    def render_detail(self) -> None:
        variables = self.app.theme_variables
        runner, task_id = self.kapp.ctx.runner, self.task_obj.task_id
        pending = runner.pending_for(Kind.REAL3D_TASK, task_id)
        doubt = runner.doubt_for(Kind.REAL3D_TASK, task_id)
        card = task_card(
            self.task_obj,
            variables,
            pending=None if pending is None else pending.verb,
            doubt=None if doubt is None else doubt.warning,
            gone=self.gone,
            subtasks=self.subtask_summary.error or self.subtask_summary.value,
        )
        links = links_text(self.task_obj, self.links.value, self.links.error)
        timeline = timeline_table(self.timeline.value, self.timeline.error, variables)
        self.query_one("#detail", Static).update(Group(card, Text(""), links, Text(""), timeline))

    # -- actions ---------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.poller.refresh_now()
        self.load_subtasks()
        self.load_links()

    def action_watch(self) -> None:
        self.watch_task(self.task_obj, self.workspace_id)

    def action_failure(self) -> None:
        show_failure(self, self.task_obj)

    def action_audit(self) -> None:
        """The audit log filtered to this task's records."""
        self.app.push_screen(AuditScreen(task_id=self.task_obj.task_id))

    def action_timeline(self) -> None:
        """The timeline is last in the detail: scroll to it (on 24 rows it starts below)."""
        self.query_one("#detail-scroll", VerticalScroll).scroll_end(animate=False)

    def show_in_images(self, tab: str, key: str) -> None:
        """`:images` on `tab`, with the cursor on `key` once it is listed."""
        self.kapp.navigate("images")
        screen = self.app.screen
        if isinstance(screen, ListScreen):
            screen.focus_row(key, tab)

    def action_image_set(self) -> None:
        if not self.task_obj.folder_code:
            self.notify("no image set is bound to this task", severity="warning")
            return
        self.show_in_images("folders", self.task_obj.folder_code)

    def action_products(self) -> None:
        links = self.links.value
        if links is None or not links.products:
            self.notify("this task has no product yet", severity="warning")
            return
        self.show_in_images("products", product_key(Kind.PRODUCT, links.products[0].id))

    def action_subtasks(self) -> None:
        self.kapp.navigate("sub")

    def action_spurs(self) -> None:
        self.kapp.navigate("spurs")
