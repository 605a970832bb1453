"""Satellite (ORSIP) processing tasks of one workspace, live.

Same conventions as the Real3D task table: glyph + the API's own state word + theme colour,
keys dimmed with a reason when the state does not allow them, every change through
`ActionRunner.run` (policy, pending mark, audit). Satellite calls name the task in the body
(`{"id": ...}`) rather than the path, so the workspace only matters for listing and creating.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

from koomap_tui.api.models import SatelliteTask, SatelliteTaskCreate
from koomap_tui.domain.catalog import Action
from koomap_tui.domain.policy import Kind, Op
from koomap_tui.domain.satellite_buckets import row_buckets
from koomap_tui.domain.states import state_key
from koomap_tui.services.actions import Outcome, Target
from koomap_tui.services.poller import PollUpdate
from koomap_tui.services.sources.satellite import OverviewSatelliteSource
from koomap_tui.ui.format import fmt_time, inert
from koomap_tui.ui.forms.satellite import SatelliteCreateForm, ValidateDialog
from koomap_tui.ui.render.satellite_cells import data_cell, detail_text, flag
from koomap_tui.ui.render.task_cells import server_said
from koomap_tui.ui.screens.listview import ListScreen
from koomap_tui.ui.screens.tasks import OneWorkspace
from koomap_tui.ui.specs import SATELLITE_TASKS
from koomap_tui.ui.widgets.progress import progress_cell
from koomap_tui.ui.widgets.virtual_table import Column, VirtualTable


class SatelliteScreen(OneWorkspace, ListScreen):
    BREADCRUMB = "satellite"
    VIEW = "sat"
    FLAGS_FIRST = True  # the server's counts fill both summary lines at 80 columns
    DEFAULT_CSS = """
    SatelliteScreen #detail { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    """
    SPEC = SATELLITE_TASKS
    BINDINGS = [
        Binding("v", "validate", "Validate"),
        Binding("A", "toggle_archived", "Archived"),
    ]

    def __init__(self, workspace_id: str, workspace_name: str | None = None) -> None:
        super().__init__(workspace_id, workspace_name)
        self.counts: Any = None

    def compose_extra(self) -> Iterable[Widget]:
        yield Static("", id="detail")

    def columns(self) -> list[Column]:
        return [
            Column("name", "Name", 24, min_width=20, max_width=40, render=lambda t: Text(inert(t.task_name)), sort_key=lambda t: (t.task_name or "").lower()),
            Column("state", "State", 16, render=self.state_cell, sort_key=lambda t: state_key(t.task_status)),
            Column("frozen", "Frozen", 6, priority=5, render=lambda t: Text("FROZEN", style="bold reverse") if t.frozen else Text("")),
            Column("progress", "Progress", 16, render=lambda t: progress_cell(t.task_progress, 10), sort_key=lambda t: t.task_progress if t.task_progress is not None else -1.0),
            Column("level", "Lvl", 3, priority=6, render=lambda t: Text(inert(state_key(t.production_level)) if t.production_level else "—")),
            Column("data", "Data (alias / ids)", 24, min_width=16, priority=4, render=data_cell),
            Column("cliptile", "Clip/Tile", 9, priority=7, render=lambda t: Text(f"{flag(t.is_clip)}/{flag(t.is_tile)}")),
            Column("created", "Created", 16, priority=8, render=lambda t: Text(fmt_time(t.create_time)), sort_key=lambda t: t.create_time.timestamp() if t.create_time else 0),
            Column("start", "Exec start", 16, priority=3, render=lambda t: Text(fmt_time(t.exec_start_time))),
            Column("stop", "Exec stop", 16, priority=2, render=lambda t: Text(fmt_time(t.exec_stop_time))),
            Column("fail", "Fail message", 30, min_width=20, priority=1, render=lambda t: Text(inert(t.fail_message or ""), style="red")),
        ]  # fmt: skip

    def make_source(self) -> OverviewSatelliteSource:
        self.kapp.current_workspace = (self.workspace_id, self.workspace_name)
        return OverviewSatelliteSource(self.kapp.ctx.client, self.workspace_id)

    def polled(self, update: PollUpdate[Any]) -> None:
        self._update_detail()
        super().polled(update)
        self.counts = update.meta.get("counts", self.counts)

    def summary_items(self) -> list[Text]:
        """The rows' own counts, in buckets that add up, then the server's, labelled as such
        (the rows first, as on the task table: at 80 columns the server's are cut off)."""
        items: list[Text] = []
        if self.loaded:
            items.append(Text(row_buckets(self.state_counts())))
        ov, c = self.overview, self.counts
        if ov is not None:
            rest = (ov.total or 0) - (ov.finished or 0) - (ov.unfinished or 0)
            said = [("total", ov.total), ("finished", ov.finished), ("unfinished", ov.unfinished)]
            items.append(server_said([*said, ("neither", rest)], " · "))
        if c is not None:
            names = ("running", "success", "failed", "archived")
            nums = (c.running_num, c.success_num, c.failed_num, c.archived_num)
            items.append(server_said(zip(names, nums, strict=True), " · "))
        return items

    def summary_flags(self) -> list[str]:
        return ["archived shown (A)" if self.include_archived else "archived hidden (A)"]

    def parent_targets(self) -> list[Target]:
        return [Target(Kind.WORKSPACE, self.workspace_id, "", label=self.workspace_name)]

    def open_form(
        self, action: Action, targets: list[Target], proceed: Callable[[dict[str, Any]], None]
    ) -> None:
        def submitted(body: SatelliteTaskCreate | None) -> None:
            if body is not None:
                proceed({"body": body, "done": f"created: {inert(body.task_name)}"})

        self.app.push_screen(SatelliteCreateForm(self.workspace_id), submitted)

    def after_action(self, action: Action, outcomes: list[Outcome], params: Any) -> None:
        task = next((o.result for o in outcomes if o.ok), None)
        if action.op is Op.CREATE_TASK and isinstance(task, SatelliteTask):
            self.focus_row(task.task_id)

    @on(VirtualTable.CursorMoved)
    def _detail_follows(self) -> None:
        self._update_detail()

    def _update_detail(self) -> None:
        """The cursor task's long fields, which do not fit the table."""
        task = self.current()
        self.query_one("#detail", Static).update(Text() if task is None else detail_text(task))

    def action_validate(self) -> None:
        task = self.current()
        ids: list[str] = []
        level = "L2"
        name = ""
        if task is not None:
            ids = [i for i in (task.data_id or "").split(",") if i]
            level = state_key(task.production_level) if task.production_level else "L2"
            name = task.task_name or ""
        self.app.push_screen(ValidateDialog(ids, level, name))
