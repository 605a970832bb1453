"""Satellite (ORSIP) processing tasks of one workspace, live.

Same conventions as the Real3D task table: glyph + the API's own state word + theme colour,
keys dimmed with a reason when the state does not allow them, every change through
`ActionRunner.run` (policy, pending mark, audit). Satellite calls name the task in the body
(`{"id": ...}`) rather than the path, so the workspace only matters for listing and creating.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from koomap_tui.api.models import SatelliteTask, SatelliteTaskCreate
from koomap_tui.domain.policy import Decision, Kind, Op
from koomap_tui.domain.states import state_info, state_key
from koomap_tui.services.actions import Outcome, Target
from koomap_tui.services.sources.satellite import OverviewSatelliteSource
from koomap_tui.ui.format import fmt_time, inert
from koomap_tui.ui.outcomes import report_outcomes
from koomap_tui.ui.polling import PollUpdated
from koomap_tui.ui.screens.base import ConsoleScreen
from koomap_tui.ui.screens.satellite_forms import SatelliteCreateForm, ValidateDialog
from koomap_tui.ui.tablekit import all_rows, refresh_rows, row_or_none
from koomap_tui.ui.themes import state_style
from koomap_tui.ui.widgets.console_footer import ConsoleFooter
from koomap_tui.ui.widgets.dialogs import ConfirmDialog, TypedConfirmDialog
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.header_bar import HeaderBar
from koomap_tui.ui.widgets.progress import progress_cell
from koomap_tui.ui.widgets.state_text import pending_cell
from koomap_tui.ui.widgets.summary_line import SummaryLine
from koomap_tui.ui.widgets.virtual_table import Column, VirtualTable

OPERATIONS = {
    Op.CREATE_TASK: "CreateTask",
    Op.START: "StartTask",
    Op.STOP: "StopTask",
    Op.ARCHIVE: "UpdateTaskArchivedStatus",
    Op.UNARCHIVE: "UpdateTaskArchivedStatus",
    Op.DELETE: "DeleteTask",
}
DONE = {
    Op.CREATE_TASK: "created",
    Op.START: "start requested",
    Op.STOP: "stop requested",
    Op.ARCHIVE: "archived",
    Op.UNARCHIVE: "unarchived",
    Op.DELETE: "deleted",
}


def _flag(value: bool | None) -> str:
    return "—" if value is None else ("1" if value else "0")


def _names(tasks: list[SatelliteTask]) -> str:
    shown = ", ".join(inert(t.task_name or t.task_id) for t in tasks[:3])
    return shown + (f" and {len(tasks) - 3} more" if len(tasks) > 3 else "")


class SatelliteScreen(ConsoleScreen):
    BREADCRUMB = "satellite"
    DEFAULT_CSS = """
    SatelliteScreen #detail { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    """
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("escape", "back", "Back", show=False),
        Binding("n", "create", "New"),
        Binding("v", "validate", "Validate"),
        Binding("s", "start", "Start"),
        Binding("x", "stop", "Stop"),
        Binding("d", "delete", "Delete"),
        Binding("z", "archive", "Archive"),
        Binding("Z", "unarchive", "Unarchive", show=False),
        Binding("A", "toggle_archived", "Archived"),
        Binding("r", "refresh", "Refresh"),
        Binding("slash", "filter", "Filter", key_display="/"),
    ]
    GATED: ClassVar[dict[str, Op]] = {
        "create": Op.CREATE_TASK,
        "start": Op.START,
        "stop": Op.STOP,
        "delete": Op.DELETE,
        "archive": Op.ARCHIVE,
        "unarchive": Op.UNARCHIVE,
    }

    def __init__(self, workspace_id: str, workspace_name: str | None = None) -> None:
        super().__init__()
        self.workspace_id = workspace_id
        self.workspace_name = workspace_name or workspace_id
        self.view_key = f"sat:{workspace_id}"
        self.source: OverviewSatelliteSource | None = None
        self.overview: Any = None
        self.counts: Any = None
        self._text_filter = ""
        self._focus_after_poll: str | None = None

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Vertical(id="body"):
            yield SummaryLine(id="summary")
            yield VirtualTable(self._columns(), id="sat-tasks", empty_text="(no satellite tasks)")
            yield Static("", id="detail")
            yield Input(placeholder="filter by name or id (Enter keeps, Esc clears)", id="filter")
        yield FreshnessBar(id="freshness")
        yield ConsoleFooter()

    def _columns(self) -> list[Column]:
        return [
            Column("name", "Name", 24, min_width=20, max_width=40, render=lambda t: Text(inert(t.task_name)), sort_key=lambda t: (t.task_name or "").lower()),
            Column("state", "State", 16, render=self._render_state, sort_key=lambda t: state_key(t.task_status)),
            Column("frozen", "Frozen", 6, priority=5, render=lambda t: Text("FROZEN", style="bold reverse") if t.frozen else Text("")),
            Column("progress", "Progress", 16, render=lambda t: progress_cell(t.task_progress, 10), sort_key=lambda t: t.task_progress if t.task_progress is not None else -1.0),
            Column("level", "Lvl", 3, priority=6, render=lambda t: Text(inert(state_key(t.production_level)) if t.production_level else "—")),
            Column("data", "Data (alias / ids)", 24, min_width=16, priority=4, render=self._render_data),
            Column("cliptile", "Clip/Tile", 9, priority=7, render=lambda t: Text(f"{_flag(t.is_clip)}/{_flag(t.is_tile)}")),
            Column("created", "Created", 16, priority=8, render=lambda t: Text(fmt_time(t.create_time)), sort_key=lambda t: t.create_time.timestamp() if t.create_time else 0),
            Column("start", "Exec start", 16, priority=3, render=lambda t: Text(fmt_time(t.exec_start_time))),
            Column("stop", "Exec stop", 16, priority=2, render=lambda t: Text(fmt_time(t.exec_stop_time))),
            Column("fail", "Fail message", 30, min_width=20, priority=1, render=lambda t: Text(inert(t.fail_message or ""), style="red")),
        ]  # fmt: skip

    def _render_data(self, task: SatelliteTask) -> Text:
        alias = inert(task.origin_data_alias) if task.origin_data_alias else ""
        ids = inert(task.data_id or "")
        if alias and ids:
            return Text(f"{alias} · {ids}")
        return Text(alias or ids or "—")

    def _render_state(self, task: SatelliteTask) -> Text:
        runner = self.kapp.ctx.runner
        pending = runner.pending_for(Kind.SATELLITE_TASK, task.task_id)
        variables = self.app.theme_variables
        if pending is not None:
            return pending_cell(pending.verb, variables, expired=pending.expired(runner.now()))
        state = state_key(task.task_status)
        info = state_info(Kind.SATELLITE_TASK, state)
        return Text(f"{info.glyph} {inert(state)}", style=state_style(variables, info.slug))

    def on_mount(self) -> None:
        self.table.focus()
        self.query_one("#filter", Input).display = False
        self.source = OverviewSatelliteSource(self.kapp.ctx.client, self.workspace_id)
        self.poller = self.attach_source(self.source)
        self.kapp.current_workspace = (self.workspace_id, self.workspace_name)
        self.query_one(HeaderBar).workspace = self.workspace_name
        self.set_interval(5.0, self._check_pending_timeouts)
        self._update_summary()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#sat-tasks", VirtualTable)

    # -- polling ---------------------------------------------------------------------------
    def on_poll_updated(self, message: PollUpdated) -> None:
        message.stop()
        update = message.update
        if self.source is None or update.source != self.source.key:
            return
        replace = len(update.added) == len(update.items)
        if not self.apply_poll(
            update, self.table, Kind.SATELLITE_TASK, lambda t: t.task_status, replace=replace
        ):
            return
        if self._focus_after_poll and self.table.move_cursor_to_key(self._focus_after_poll):
            self._focus_after_poll = None
        self._update_detail()
        self.overview = update.meta.get("overview", self.overview)
        self.counts = update.meta.get("counts", self.counts)
        self._update_summary()
        self.refresh_gates()

    def _check_pending_timeouts(self) -> None:
        expired = self.kapp.ctx.runner.expired()
        keys = {k for kind, k in expired if kind is Kind.SATELLITE_TASK}
        if keys:
            refresh_rows(self.table, keys)

    def _update_summary(self) -> None:
        items: list[Text] = []
        ov = self.overview
        if ov is not None:
            items.append(
                Text(f"total {ov.total} · finished {ov.finished} · unfinished {ov.unfinished}")
            )
        c = self.counts
        if c is not None:
            items.append(
                Text(
                    f"running {c.running_num} · success {c.success_num}"
                    f" · failed {c.failed_num} · archived {c.archived_num}",
                    style="dim" if ov is not None else "",
                )
            )
        flags = []
        if self._text_filter:
            flags.append(f"/{self._text_filter}")
        flags.append("archived shown (A)" if self.include_archived else "archived hidden (A)")
        marked = len(self.table.marked_keys) if self.is_mounted else 0
        if marked:
            flags.append(f"{marked} marked")
        items.append(Text("[" + " · ".join(flags) + "]", style="dim"))
        self.query_one("#summary", SummaryLine).show_items(items)

    @property
    def include_archived(self) -> bool:
        return self.source is not None and self.source.include_archived

    # -- selection and gating --------------------------------------------------------------
    def selected_tasks(self) -> list[SatelliteTask]:
        table = self.table
        keys = list(table.marked_keys) or ([table.cursor_key] if table.cursor_key else [])
        rows = [row_or_none(table, k) for k in keys]
        return [t for t in rows if t is not None]

    def task_target(self, task: SatelliteTask) -> Target:
        return Target(
            Kind.SATELLITE_TASK,
            task.task_id,
            state_key(task.task_status),
            label=task.task_name or task.task_id,
        )

    def workspace_target(self) -> Target:
        return Target(Kind.WORKSPACE, self.workspace_id, "", label=self.workspace_name)

    def gate_targets(self) -> list[Target]:
        return [self.task_target(t) for t in self.selected_tasks()]

    def decide(self, op: Op) -> Decision:
        if op is Op.CREATE_TASK:
            return self.kapp.ctx.runner.decide(self.workspace_target(), op)
        return super().decide(op)

    def _allowed(self, op: Op) -> list[SatelliteTask]:
        runner = self.kapp.ctx.runner
        return [t for t in self.selected_tasks() if runner.decide(self.task_target(t), op).allowed]

    @on(VirtualTable.CursorMoved)
    def _cursor_moved(self) -> None:
        self.refresh_gates()
        self._update_detail()

    def _update_detail(self) -> None:
        """The cursor task's long fields, which do not fit the table: ids, failure, product."""
        task = row_or_none(self.table, self.table.cursor_key)
        text = Text(no_wrap=False)
        if task is not None:
            text.append(f"{task.task_id}", style="bold")
            text.append(f" · {state_key(task.task_type) if task.task_type else 'ORSIP'}")
            if task.creator:
                text.append(f" · by {inert(task.creator)}")
            text.append(f" · data {inert(task.data_id or '—')}")
            if task.shape_id:
                text.append(f" · shape {inert(task.shape_id)}")
            if task.task_description:
                text.append(f" · {inert(task.task_description)}", style="italic")
            if task.image_url:
                text.append(f"\nproduct: {inert(task.image_url)}")
            if task.frozen:
                text.append(
                    "\nFROZEN: the task is frozen (e.g. the account is frozen)", style="bold"
                )
            if task.fail_message:
                text.append(f"\nfailed: {inert(task.fail_message)}", style="bold red")
        self.query_one("#detail", Static).update(text)

    @on(VirtualTable.MarksChanged)
    def _marks_changed(self) -> None:
        self._update_summary()
        self.refresh_gates()

    # -- view actions ----------------------------------------------------------------------
    def action_back(self) -> None:
        if self.query_one("#filter", Input).display:
            self._close_filter(clear=True)
            return
        self.kapp.go_back()

    def action_refresh(self) -> None:
        self.poller.refresh_now()
        self.notify("refreshing…", timeout=1.5)

    def action_toggle_archived(self) -> None:
        if self.source is None:
            return
        self.source.include_archived = not self.source.include_archived
        self.poller.refresh_now()
        self._update_summary()
        self.notify("archived tasks " + ("shown" if self.include_archived else "hidden"))

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.value = self._text_filter
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._text_filter = event.value.strip()
        self._apply_filter()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self._close_filter(clear=False)

    def _close_filter(self, clear: bool) -> None:
        box = self.query_one("#filter", Input)
        if clear:
            self._text_filter = ""
            self._apply_filter()
        box.display = False
        self.table.focus()

    def _apply_filter(self) -> None:
        needle = self._text_filter.lower()

        def predicate(task: SatelliteTask) -> bool:
            return needle in (task.task_name or "").lower() or needle in task.task_id

        self.table.set_filter(predicate if needle else None)
        self._update_summary()
        self.refresh_gates()

    # -- operator actions ------------------------------------------------------------------
    def action_create(self) -> None:
        def submitted(body: SatelliteTaskCreate | None) -> None:
            if body is not None:
                self.run_create(body)

        self.app.push_screen(SatelliteCreateForm(self.workspace_id), submitted)

    def action_validate(self) -> None:
        task = next(iter(self.selected_tasks()), None)
        ids: list[str] = []
        level = "L2"
        name = ""
        if task is not None:
            ids = [i for i in (task.data_id or "").split(",") if i]
            level = state_key(task.production_level) if task.production_level else "L2"
            name = task.task_name or ""
        self.app.push_screen(ValidateDialog(ids, level, name))

    def _ask(self, op: Op, question: str, tasks: list[SatelliteTask]) -> None:
        def answered(ok: bool | None) -> None:
            if ok:
                self.run_op(op, tasks)

        self.app.push_screen(ConfirmDialog(question), answered)

    def action_start(self) -> None:
        tasks = self._allowed(Op.START)
        if len(tasks) > 1:
            self._ask(Op.START, f"Start {len(tasks)} tasks ({_names(tasks)})?", tasks)
        elif tasks:
            self.run_op(Op.START, tasks)

    def action_stop(self) -> None:
        tasks = self._allowed(Op.STOP)
        if tasks:
            self._ask(Op.STOP, f"Stop {_names(tasks)}? Processing done so far is lost.", tasks)

    def action_archive(self) -> None:
        tasks = self._allowed(Op.ARCHIVE)
        if tasks:
            self._ask(
                Op.ARCHIVE, f"Archive {_names(tasks)}? It leaves the list (A shows it).", tasks
            )

    def action_unarchive(self) -> None:
        tasks = self._allowed(Op.UNARCHIVE)
        if tasks:
            self.run_op(Op.UNARCHIVE, tasks)

    def action_delete(self) -> None:
        tasks = self._allowed(Op.DELETE)
        if not tasks:
            return
        if len(tasks) == 1:
            expected = tasks[0].task_name or tasks[0].task_id
            prompt = f"Delete satellite task {inert(expected)}? Type its name:"
        else:
            expected = f"delete {len(tasks)} tasks"
            prompt = f"Delete {_names(tasks)}? Type '{expected}':"

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_op(Op.DELETE, tasks)

        self.app.push_screen(TypedConfirmDialog(prompt, expected), answered)

    @work(exclusive=False, exit_on_error=False, group="actions")
    async def run_op(self, op: Op, tasks: list[SatelliteTask]) -> None:
        await self.perform(op, tasks)

    async def perform(self, op: Op, tasks: list[SatelliteTask]) -> list[Outcome]:
        ctx = self.kapp.ctx
        client = ctx.client

        async def call(target: Target) -> Any:
            if op is Op.START:
                return await client.start_task(target.id)
            if op is Op.STOP:
                return await client.stop_task(target.id)
            if op is Op.ARCHIVE:
                return await client.update_task_archived_status(target.id, True)
            if op is Op.UNARCHIVE:
                return await client.update_task_archived_status(target.id, False)
            if op is Op.DELETE:
                return await client.delete_task(target.id)
            raise ValueError(op)

        targets = [self.task_target(t) for t in tasks]
        outcomes: list[Outcome] = await ctx.runner.run(
            op,
            targets,
            call,
            operation=OPERATIONS[op],
            capture=client.capture_request_ids,
            on_marked=lambda t: refresh_rows(self.table, {t.id}),
        )
        refresh_rows(self.table, {t.id for t in targets})
        self.report(op, outcomes)
        self.poller.refresh_now()
        return outcomes

    @work(exclusive=False, exit_on_error=False, group="actions")
    async def run_create(self, body: SatelliteTaskCreate) -> None:
        ctx = self.kapp.ctx
        client = ctx.client
        target = self.workspace_target()

        async def call(_: Target) -> Any:
            return await client.create_task(body)

        outcomes = await ctx.runner.run(
            Op.CREATE_TASK,
            [target],
            call,
            operation=OPERATIONS[Op.CREATE_TASK],
            capture=client.capture_request_ids,
            mark_pending=False,
        )
        ok = [o for o in outcomes if o.ok]
        if ok:
            task = ok[0].result
            self.notify(f"created: {inert(body.task_name)}", timeout=4)
            if isinstance(task, SatelliteTask):
                self._focus_after_poll = task.task_id
        else:
            self.report(Op.CREATE_TASK, outcomes)
        self.poller.refresh_now()

    def report(self, op: Op, outcomes: list[Outcome]) -> None:
        labels = ", ".join(inert(o.target.label) for o in outcomes if o.ok)
        report_outcomes(
            self.notify, OPERATIONS[op], outcomes, f"{DONE[op]}: {labels}", check_what="the task"
        )

    def state_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for task in all_rows(self.table):
            state = state_key(task.task_status)
            counts[state] = counts.get(state, 0) + 1
        return counts
