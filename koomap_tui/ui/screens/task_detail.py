"""Task detail: every field of one Real3D task, its subtasks summary, and the table's actions.

Also what the task table and the detail share: the task spec and the task actions.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from koomap_tui.api.errors import KooMapError
from koomap_tui.api.models import Real3DTask, Real3DTaskUpdate
from koomap_tui.domain.catalog import Action, actions_for
from koomap_tui.domain.policy import ATTR_MODELING_TYPE, ATTR_TASK_TYPE, Kind, Op
from koomap_tui.domain.states import state_info, state_key
from koomap_tui.services.actions import Outcome, Target
from koomap_tui.services.history import TimelineEntry
from koomap_tui.services.sources import Real3DTaskSource
from koomap_tui.services.sources.data import product_key
from koomap_tui.ui.format import (
    duration_between,
    fmt_duration,
    fmt_percent,
    fmt_time,
    inert,
    progress_bar,
)
from koomap_tui.ui.forms.real3d import TaskUpdateForm
from koomap_tui.ui.polling import PollUpdated
from koomap_tui.ui.screens.audit import AuditScreen
from koomap_tui.ui.screens.base import ConsoleScreen, action_bindings
from koomap_tui.ui.screens.listview import ResourceSpec
from koomap_tui.ui.themes import state_style, theme_style
from koomap_tui.ui.widgets.console_footer import ConsoleFooter
from koomap_tui.ui.widgets.failure import show_failure
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.header_bar import HeaderBar
from koomap_tui.ui.widgets.state_text import state_cell

LINK_PAGE = 100
LINK_PAGES = 5  # the image set and products are looked for in the first 500 of each


def _state_word(state: str, variables: Any) -> Text:
    """Glyph and the API's own word, as the task table shows it (narrow enough for 80 columns)."""
    info = state_info(Kind.REAL3D_TASK, state)
    return Text(f"{info.glyph} {inert(state)}", style=state_style(variables, info.slug))


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def state_words(kind: Kind, state: object) -> str:
    """ "2 ready": the API's own value and what it means."""
    key = state_key(state)
    label = state_info(kind, key).label_en
    return key if label == key else f"{key} {label}"


async def _find(
    fetch: Callable[[int], Awaitable[Any]],
    items: Callable[[Any], list[Any]],
    match: Callable[[Any], bool],
) -> Any:
    offset = 0
    for _ in range(LINK_PAGES):
        page = await fetch(offset)
        rows = items(page)
        for row in rows:
            if match(row):
                return row
        offset += len(rows)
        if not rows or offset >= page.page.total:
            break
    return None


def jump_to(app: Any, tab: str, key: str) -> None:
    """Ask the data screen on top to show `tab` with the cursor on `key` once it is listed."""
    screen = app.screen
    focus = getattr(screen, "focus_row", None)
    if callable(focus):
        focus(tab, key)


def task_attrs(t: Real3DTask) -> dict[str, str]:
    return {
        ATTR_TASK_TYPE: state_key(t.task_type) if t.task_type is not None else "",
        ATTR_MODELING_TYPE: state_key(t.modeling_type) if t.modeling_type is not None else "",
    }


TASKS = ResourceSpec.of(
    Kind.REAL3D_TASK,
    "tasks",
    "task_id task_name task_status",
    attrs=task_attrs,
    quick={
        "1": ("all", None),
        "2": ("active", frozenset({"PENDING", "STARTING", "RUNNING", "STOPPING"})),
        "3": ("failed", frozenset({"START_FAILED", "FAILED"})),
        "4": ("finished", frozenset({"SUCCESS", "STOP_SUCCESS", "BUNDLE_SUCCESS", "ARCHIVED"})),
        "5": ("idle", frozenset({"INIT", "STOP_SUCCESS", "BUNDLE_SUCCESS"})),
    },
)
_TASK_OPS = (Op.START, Op.START_AT_ONLY, Op.STOP, Op.UPDATE, Op.DELETE, Op.ARCHIVE, Op.UNARCHIVE)
TASK_ACTIONS = tuple(a for a in actions_for(Kind.REAL3D_TASK) if a.op in _TASK_OPS)


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

    def watch_task(self, t: Real3DTask) -> None:
        watched = self.kapp.toggle_watch(
            self.workspace_id, t.task_id, t.task_name or t.task_id, state_key(t.task_status)
        )
        self.notify(("watching " if watched else "stopped watching ") + inert(t.task_name))


class TaskDetailScreen(TaskMixin):
    BREADCRUMB = "task"
    ACTIONS = TASK_ACTIONS
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
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
        self.subtask_summary: str = "…"
        self.gone = False
        self.timeline: list[TimelineEntry] | None = None  # None: not read yet
        self.timeline_error: str | None = None
        self.image_set: str = "…"
        self.products: list[Any] | None = None
        self.links_error: str | None = None

    def crumb(self) -> str:
        return f"tasks › {inert(self.task_obj.task_name)}"

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="detail")
        yield FreshnessBar(id="freshness")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.load_timeline()
        self.load_links()
        if self.source is None:
            self.source = Real3DTaskSource(self.kapp.ctx.client, self.workspace_id)
        self.poller = self.attach_source(self.source)
        self.query_one(HeaderBar).workspace = (
            self.kapp.current_workspace[1] if self.kapp.current_workspace else self.workspace_id
        )
        self.render_detail()
        self.load_subtasks()

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
        runner = self.kapp.ctx.runner
        task = update.items.get(self.task_obj.task_id)
        if task is None:
            if update.removed and self.task_obj.task_id in update.removed:
                runner.observe(Kind.REAL3D_TASK, self.task_obj.task_id, None)
                self.gone = True
        else:
            runner.observe(Kind.REAL3D_TASK, task.task_id, state_key(task.task_status))
            self.task_obj = task
        self.load_timeline()
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

    @work(exclusive=True, exit_on_error=False, group="timeline")
    async def load_timeline(self) -> None:
        """The task's timeline from the local history, read off the event loop."""
        history = self.kapp.ctx.history
        if history is None:
            return
        try:
            self.timeline = await asyncio.to_thread(
                history.timeline, Kind.REAL3D_TASK.value, self.task_obj.task_id
            )
            self.timeline_error = None
        except Exception as exc:
            self.timeline_error = type(exc).__name__
        self.render_detail()

    @work(exclusive=True, exit_on_error=False, group="links")
    async def load_links(self) -> None:
        """The task's image set (name and state) and the products made from it."""
        client = self.kapp.ctx.client
        task = self.task_obj
        try:
            self.image_set = "— (none bound)"
            if task.folder_code:
                folder = await _find(
                    lambda offset: client.list_folder(offset=offset, limit=LINK_PAGE),
                    lambda page: page.folders,
                    lambda f: f.folder_code == task.folder_code,
                )
                self.image_set = (
                    f"{inert(folder.folder_name or folder.folder_code)} · {state_words(Kind.FOLDER, folder.status)}"
                    if folder is not None
                    else f"{inert(task.folder_code)} (not found)"
                )
            products: list[Any] = []
            offset = 0
            for _ in range(LINK_PAGES):
                page = await client.list_real3d_products(offset=offset, limit=LINK_PAGE)
                products += [
                    p for p in page.products if p.task_info and p.task_info.task_id == task.task_id
                ]
                offset += len(page.products)
                if not page.products or offset >= page.page.total:
                    break
            self.products = products
            self.links_error = None
        except KooMapError as exc:
            self.links_error = f"unavailable ({exc.code})"
        self.render_detail()

    # -- rendering -------------------------------------------------------------------------
    def timeline_table(self) -> Table | Text:
        if self.kapp.ctx.history is None:
            return Text("Timeline: history off", style="dim")
        if self.timeline_error is not None:
            return Text(f"Timeline: unavailable ({self.timeline_error})", style="dim")
        if self.timeline is None:
            return Text("Timeline: …", style="dim")
        if not self.timeline:
            return Text("Timeline: nothing observed yet", style="dim")
        variables = self.app.theme_variables
        table = Table(title="Timeline", title_justify="left", box=None, padding=(0, 1))
        table.add_column("State", no_wrap=True)
        table.add_column("Stage", justify="right")
        table.add_column("From (UTC)", no_wrap=True)
        table.add_column("To (UTC)", no_wrap=True)
        table.add_column("Duration", justify="right")
        for entry in self.timeline:
            table.add_row(
                _state_word(entry.state, variables),
                f"{entry.stage}/{entry.total_stage}" if entry.total_stage else "—",
                _clock(entry.start),
                _clock(entry.end) if entry.end is not None else "now",
                fmt_duration(entry.duration),
            )
        return table

    def links_text(self) -> Text:
        text = Text()
        text.append("Image set  ", style="bold")
        text.append(self.image_set)
        text.append("   (i: show in :images)\n", style="dim")
        text.append("Products   ", style="bold")
        if self.links_error is not None:
            text.append(self.links_error)
        elif self.products is None:
            text.append("…")
        elif not self.products:
            text.append("none yet")
        else:
            text.append(
                ", ".join(
                    f"{inert(p.name or p.id)} · {state_words(Kind.PRODUCT, p.status)}"
                    for p in self.products
                )
            )
        text.append("   (P: show in :images)", style="dim")
        return text

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
            state = Text("deleted (no longer listed)", style=theme_style(variables, "error"))
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
            row("Failure", Text(inert(t.fail_message), style=theme_style(variables, "error")))
        self.query_one("#detail", Static).update(
            Group(grid, Text(""), self.links_text(), Text(""), self.timeline_table())
        )

    # -- actions ---------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.poller.refresh_now()
        self.load_subtasks()
        self.load_links()

    def action_watch(self) -> None:
        self.watch_task(self.task_obj)

    def action_failure(self) -> None:
        show_failure(self, self.task_obj)

    def action_audit(self) -> None:
        """The audit log filtered to this task's records."""
        self.app.push_screen(AuditScreen(task_id=self.task_obj.task_id))

    def action_timeline(self) -> None:
        """The timeline is last in the detail: scroll to it (on 24 rows it starts below)."""
        self.query_one("#detail-scroll", VerticalScroll).scroll_end(animate=False)

    def action_image_set(self) -> None:
        if not self.task_obj.folder_code:
            self.notify("no image set is bound to this task", severity="warning")
            return
        self.kapp.navigate("images")
        jump_to(self.app, "folders", self.task_obj.folder_code)

    def action_products(self) -> None:
        if not self.products:
            self.notify("this task has no product yet", severity="warning")
            return
        self.kapp.navigate("images")
        jump_to(self.app, "products", product_key(Kind.PRODUCT, self.products[0].id))

    def action_subtasks(self) -> None:
        self.kapp.navigate("sub")

    def action_spurs(self) -> None:
        self.kapp.navigate("spurs")
