"""Workspaces (工作共享空间): the start screen when no workspace is configured."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from koomap_tui.api.errors import KooMapError
from koomap_tui.api.models import Real3DTaskOverview, Workspace, WorkspaceCreate, WorkspaceUpdate
from koomap_tui.domain.policy import (
    ATTR_PINNED_COUNT,
    ATTR_STAR,
    ATTR_TASK_COUNT,
    ATTR_WORKSPACE_COUNT,
    Decision,
    Kind,
    Op,
)
from koomap_tui.services.actions import Outcome, Target
from koomap_tui.services.sources import WorkspaceSource
from koomap_tui.ui.format import fmt_time, inert
from koomap_tui.ui.polling import PollUpdated
from koomap_tui.ui.screens.base import ConsoleScreen
from koomap_tui.ui.screens.tasks import TasksScreen
from koomap_tui.ui.screens.workspace_form import WorkspaceForm
from koomap_tui.ui.tablekit import refresh_rows, row_or_none
from koomap_tui.ui.widgets.console_footer import ConsoleFooter
from koomap_tui.ui.widgets.dialogs import TypedConfirmDialog
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.header_bar import HeaderBar
from koomap_tui.ui.widgets.virtual_table import Column, VirtualTable

OVERVIEW_CONCURRENCY = 4


def pinned_first(ws: Workspace) -> tuple[int, float]:
    created = ws.create_time.timestamp() if ws.create_time else 0.0
    return (0 if ws.star else 1, -created)


class WorkspacesScreen(ConsoleScreen):
    BREADCRUMB = "workspaces"
    view_key = "ws"
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("n", "create", "New"),
        Binding("e", "edit", "Edit"),
        Binding("p", "pin", "Pin"),
        Binding("P", "unpin", "Unpin", show=False),
        Binding("d", "delete", "Delete"),
        Binding("r", "refresh", "Refresh"),
    ]
    GATED: ClassVar[dict[str, Op]] = {
        "create": Op.CREATE,
        "edit": Op.UPDATE,
        "pin": Op.PIN,
        "unpin": Op.UNPIN,
        "delete": Op.DELETE,
    }

    def __init__(self) -> None:
        super().__init__()
        self.overviews: dict[str, Real3DTaskOverview] = {}
        self._loading: set[str] = set()

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Vertical(id="body"):
            yield Static("", id="summary")
            yield VirtualTable(self._columns(), id="workspaces")
        yield FreshnessBar(id="freshness")
        yield ConsoleFooter()

    def _columns(self) -> list[Column]:
        return [
            Column("star", "★", 2, render=lambda w: Text("★" if w.star else " "), sort_key=pinned_first),
            Column("name", "Name", 26, min_width=20, max_width=40, render=lambda w: Text(inert(w.workspace_name)), sort_key=lambda w: (w.workspace_name or "").lower()),
            Column("tasks", "Tasks (total/run/ok/fail/arch)", 30, render=self._render_counts),
            Column("description", "Description", 30, min_width=16, max_width=60, priority=1, render=lambda w: Text(inert(w.workspace_description))),
            Column("created", "Created", 16, priority=2, render=lambda w: Text(fmt_time(w.create_time)), sort_key=lambda w: w.create_time.timestamp() if w.create_time else 0),
            Column("id", "Id", 32, priority=3, render=lambda w: Text(w.workspace_id)),
        ]  # fmt: skip

    def _render_counts(self, ws: Workspace) -> Text:
        ov = self.overviews.get(ws.workspace_id)
        if ov is None:
            return Text("…", style="dim")
        return Text(
            f"{ov.total_count:>4} / {ov.running_count} / {ov.success_count}"
            f" / {ov.failed_count} / {ov.archived_count}"
        )

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#workspaces", VirtualTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.table.sort_by("star", False)
        self.source = WorkspaceSource(self.kapp.ctx.client)
        self.poller = self.attach_source(self.source)
        self.kapp.hub.set_intervals()

    def on_poll_updated(self, message: PollUpdated) -> None:
        message.stop()
        update = message.update
        if update.source != self.source.key:
            return
        self.query_one(FreshnessBar).freshness = update.freshness
        if update.error is not None:
            return
        for key in update.added | set(update.changed):
            self.overviews.pop(key, None)
        self.table.apply_changes(
            {k: update.items[k] for k in update.added},
            {k: update.items[k] for k in update.changed},
            update.removed,
        )

        pinned = sum(1 for w in update.items.values() if w.star)
        self.query_one("#summary", Static).update(
            Text(
                f"{len(update.items)} workspaces · {pinned} pinned (max 4) · Enter opens its tasks"
            )
        )
        self.load_overviews()
        self.refresh_gates()

    @work(exclusive=True, exit_on_error=False, group="overviews")
    async def load_overviews(self) -> None:
        """Per-workspace counts, nearest the cursor first, within the client's rate limit."""
        client = self.kapp.ctx.client
        keys = [k for k in self.table.visible_keys() if k not in self.overviews]
        sem = asyncio.Semaphore(OVERVIEW_CONCURRENCY)

        async def one(key: str) -> None:
            async with sem:
                try:
                    self.overviews[key] = await client.show_task_overview_in_workspace(key)
                except KooMapError:
                    return
            refresh_rows(self.table, {key})

        await asyncio.gather(*(one(k) for k in keys))
        self.refresh_gates()

    # -- gating ----------------------------------------------------------------------------
    def _attrs(self, ws: Workspace | None) -> dict[str, object]:
        items = self.poller.items if hasattr(self, "poller") else {}
        attrs: dict[str, object] = {
            ATTR_WORKSPACE_COUNT: len(items),
            ATTR_PINNED_COUNT: sum(1 for w in items.values() if w.star),
        }
        if ws is not None:
            attrs[ATTR_STAR] = ws.star or 0
            ov = self.overviews.get(ws.workspace_id)
            if ov is not None:
                attrs[ATTR_TASK_COUNT] = ov.total_count
        return attrs

    def current(self) -> Workspace | None:
        key = self.table.cursor_key
        return row_or_none(self.table, key)

    def gate_targets(self) -> list[Target]:
        ws = self.current()
        return [
            Target(
                Kind.WORKSPACE,
                ws.workspace_id if ws else "(new)",
                "",
                label=(ws.workspace_name or "") if ws else "",
                attrs={k: str(v) for k, v in self._attrs(ws).items()},
            )
        ]

    def decide(self, op: Op) -> Any:
        if op is not Op.CREATE and self.current() is None:
            return Decision(False, "no workspace selected")
        return super().decide(op)

    # -- actions ---------------------------------------------------------------------------
    @on(VirtualTable.Selected)
    def _open(self, message: VirtualTable.Selected) -> None:
        ws = row_or_none(self.table, message.key)
        if ws is not None:
            self.app.push_screen(TasksScreen(ws.workspace_id, ws.workspace_name))

    @on(VirtualTable.CursorMoved)
    def _moved(self) -> None:
        self.refresh_gates()
        self.load_overviews()

    def action_refresh(self) -> None:
        self.overviews.clear()
        self.poller.refresh_now()

    def _names(self) -> set[str]:
        return {(w.workspace_name or "").lower() for w in self.poller.items.values()}

    def action_create(self) -> None:
        def done(body: Any) -> None:
            if body is not None:
                self.run_op(Op.CREATE, None, body=body)

        self.app.push_screen(WorkspaceForm(None, self._names()), done)

    def action_edit(self) -> None:
        ws = self.current()
        if ws is None:
            return

        def done(body: Any) -> None:
            if body is not None:
                self.run_op(Op.UPDATE, ws, body=body)

        taken = self._names() - {(ws.workspace_name or "").lower()}
        self.app.push_screen(WorkspaceForm(ws, taken), done)

    def action_pin(self) -> None:
        ws = self.current()
        if ws is not None:
            self.run_op(Op.PIN, ws, body=WorkspaceUpdate(star=1))

    def action_unpin(self) -> None:
        ws = self.current()
        if ws is not None:
            self.run_op(Op.UNPIN, ws, body=WorkspaceUpdate(star=0))

    def action_delete(self) -> None:
        ws = self.current()
        if ws is None:
            return
        name = ws.workspace_name or ws.workspace_id

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_op(Op.DELETE, ws)

        self.app.push_screen(
            TypedConfirmDialog(f"Delete workspace {inert(name)}? Type its name:", name), answered
        )

    @work(exclusive=False, exit_on_error=False, group="actions")
    async def run_op(self, op: Op, ws: Workspace | None, body: Any = None) -> None:
        ctx = self.kapp.ctx
        client = ctx.client
        target = self.gate_targets()[0] if ws is not None else Target(
            Kind.WORKSPACE, "(new)", "", label=getattr(body, "workspace_name", "") or "",
            attrs={k: str(v) for k, v in self._attrs(None).items()},
        )  # fmt: skip

        async def call(t: Target) -> Any:
            if op is Op.CREATE:
                assert isinstance(body, WorkspaceCreate)
                return await client.create_common_workspace(body)
            if op is Op.DELETE:
                return await client.delete_common_workspace(t.id)
            return await client.update_common_workspace(t.id, body)

        name = {
            Op.CREATE: "CreateCommonWorkspace",
            Op.DELETE: "DeleteCommonWorkspace",
        }.get(op, "UpdateCommonWorkspace")
        outcomes: list[Outcome] = await ctx.runner.run(
            op, [target], call, operation=name, capture=client.capture_request_ids,
            mark_pending=False,
        )  # fmt: skip
        for o in outcomes:
            if o.ok:
                self.notify(f"{op.value}: {inert(o.target.label)} done")
            else:
                self.notify(inert(o.message), title=f"{name} failed", severity="error", timeout=10)
        self.poller.refresh_now()
