"""Workspaces (工作共享空间): the start screen when no workspace is configured."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on

from koomap_tui.api.models import Workspace
from koomap_tui.domain.catalog import Action
from koomap_tui.domain.policy import (
    ATTR_PINNED_COUNT,
    ATTR_STAR,
    ATTR_TASK_COUNT,
    ATTR_WORKSPACE_COUNT,
    Kind,
    Op,
)
from koomap_tui.services.actions import Target
from koomap_tui.services.fleet import WorkspaceCounts, WorkspaceCountsSource
from koomap_tui.services.poller import PollUpdate
from koomap_tui.services.sources import WorkspaceSource
from koomap_tui.ui.format import fmt_time, inert
from koomap_tui.ui.forms.workspace import WorkspaceForm
from koomap_tui.ui.screens.listview import ListScreen
from koomap_tui.ui.screens.tasks import TasksScreen
from koomap_tui.ui.specs import WORKSPACES
from koomap_tui.ui.tablekit import refresh_rows
from koomap_tui.ui.widgets.freshness import format_age
from koomap_tui.ui.widgets.virtual_table import Column, VirtualTable

#: Counts older than the table's last poll by more than this carry their own age ("40 s ago"):
#: the freshness bar's "updated 3 s ago" speaks for the rows, not for counts swept slowly.
COUNTS_AGE_SLACK = 10.0


def pinned_first(ws: Workspace) -> tuple[int, float]:
    created = ws.create_time.timestamp() if ws.create_time else 0.0
    return (0 if ws.star else 1, -created)


class WorkspacesScreen(ListScreen):
    BREADCRUMB = "workspaces"
    view_key = "ws"
    SPEC = WORKSPACES

    def __init__(self) -> None:
        super().__init__()
        #: Counts per workspace with the wall time each was fetched, as `WorkspaceCountsSource`
        #: read them (busy workspaces every cycle, idle ones swept slowly, rows on screen the
        #: sweep has not reached as soon as they are shown).
        self.overviews: dict[str, WorkspaceCounts] = {}
        #: The counts' poller, the hub's (one per key while a screen shows it), as a `Panel`'s.
        self.counts: Any = None
        self._rows_ok_wall: float | None = None

    def columns(self) -> list[Column]:
        return [
            Column("star", "★", 2, render=lambda w: Text("★" if w.star else " "), sort_key=pinned_first),
            Column("name", "Name", 26, min_width=20, max_width=40, render=lambda w: Text(inert(w.workspace_name)), sort_key=lambda w: (w.workspace_name or "").lower()),
            Column("tasks", "Tasks (total/run/ok/fail/arch)", 32, max_width=40, render=self._render_counts),
            Column("description", "Description", 30, min_width=16, max_width=60, priority=1, render=lambda w: Text(inert(w.workspace_description))),
            Column("created", "Created", 16, priority=2, render=lambda w: Text(fmt_time(w.create_time)), sort_key=lambda w: w.create_time.timestamp() if w.create_time else 0),
            Column("id", "Id", 32, priority=3, render=lambda w: Text(w.workspace_id)),
        ]  # fmt: skip

    def _render_counts(self, ws: Workspace) -> Text:
        ov = self.overviews.get(ws.workspace_id)
        if ov is None:
            return Text("…", style="dim")

        def n(v: int | None) -> str:
            return "?" if v is None else str(v)

        text = Text(
            f"{n(ov.total):>4} / {n(ov.running)} / {n(ov.success)}"
            f" / {n(ov.failed)} / {n(ov.archived)}"
        )
        age = self.counts_age(ov)
        if age is not None:
            text.append(f" · {format_age(age)} ago", style="dim")
        return text

    def counts_age(self, ov: WorkspaceCounts) -> float | None:
        """The counts' own age when the freshness bar's claim does not cover them, else None."""
        now = time.time()
        bar = self._rows_ok_wall if self._rows_ok_wall is not None else now
        if bar - ov.fetched_at <= COUNTS_AGE_SLACK:
            return None
        return now - ov.fetched_at

    def make_source(self) -> WorkspaceSource:
        return WorkspaceSource(self.kapp.ctx.client)

    def mounted(self) -> None:
        self.table.sort_by("star", False)
        self.kapp.hub.set_intervals()
        self.counts = self.attach_source(WorkspaceCountsSource(self.kapp.ctx.client))

    def show_view(self, *, again: bool = False) -> None:
        """Tell the counts source which rows are on screen; it reads those it has not yet."""
        counts = self.counts
        if counts is not None and counts.source.set_view(self.table.visible_keys(), again=again):
            counts.refresh_now()

    def polled(self, update: PollUpdate[Any]) -> None:
        self._rows_ok_wall = time.time()
        self.show_view()
        # Ages shown beside counts are measured against this poll: repaint them.
        refresh_rows(self.table, {k for k in self.overviews if k in update.items})

    def other_update(self, update: PollUpdate[Any]) -> None:
        if update.source != WorkspaceCountsSource.key or update.error is not None:
            return  # on an error, the counts keep their own age, which now grows past the bar's
        self.show_view()  # rows shown while this cycle read: those it did not
        self.overviews = dict(update.items)  # the source is their one reader
        refresh_rows(self.table, set(self.overviews))
        self.refresh_gates()

    def summary_items(self) -> list[Text]:
        rows = self.rows()
        pinned = sum(1 for w in rows if w.star)
        return [Text(f"{len(rows)} workspaces · {pinned} pinned (max 4) · Enter opens its tasks")]

    # -- targets ---------------------------------------------------------------------------
    def _attrs(self, ws: Workspace | None) -> dict[str, str]:
        rows = self.rows()
        attrs = {
            ATTR_WORKSPACE_COUNT: str(len(rows)),
            ATTR_PINNED_COUNT: str(sum(1 for w in rows if w.star)),
        }
        if ws is not None:
            attrs[ATTR_STAR] = str(ws.star or 0)
            ov = self.overviews.get(ws.workspace_id)
            if ov is not None and ov.total is not None:
                attrs[ATTR_TASK_COUNT] = str(ov.total)
        return attrs

    def selection(self) -> list[Target]:
        ws = self.current()  # one workspace at a time, never the marked ones
        if ws is None:
            return []
        return [Target(Kind.WORKSPACE, ws.workspace_id, "", self.SPEC.label(ws), self._attrs(ws))]

    def parent_targets(self) -> list[Target]:
        return [Target(Kind.WORKSPACE, "(new)", "", "", self._attrs(None))]

    def no_target_reason(self, action: Action) -> str:
        return "no workspace selected"

    def open_form(
        self, action: Action, targets: list[Target], proceed: Callable[[dict[str, Any]], None]
    ) -> None:
        ws = self.current() if action.op is Op.UPDATE else None
        names = {(w.workspace_name or "").lower() for w in self.rows()}
        taken = names - ({(ws.workspace_name or "").lower()} if ws else set())

        def done(body: Any) -> None:
            if body is not None:
                proceed({"body": body, "done": f"{action.done}: {inert(body.workspace_name)}"})

        self.app.push_screen(WorkspaceForm(ws, taken), done)

    def open_row(self, row: Any) -> None:
        self.app.push_screen(TasksScreen(row.workspace_id, row.workspace_name))

    @on(VirtualTable.CursorMoved)
    def _moved(self) -> None:
        self.show_view()

    def action_refresh(self) -> None:
        self.overviews.clear()
        self.show_view(again=True)
        super().action_refresh()
