"""Real3D task actions shared by the task table and the task detail screen.

The host screen provides `workspace_id`, `poller`, `selected_tasks()` and `refresh_task_rows()`.
Each action asks `domain.policy` (through the runner) per selected task, confirms what needs
confirming, and then hands the work to `perform`, which runs in a worker so the UI never waits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from koomap_tui.api.models import Real3DTask, Real3DTaskUpdate
from koomap_tui.domain.policy import Kind, Op
from koomap_tui.domain.states import state_key
from koomap_tui.services.actions import Outcome, Target
from koomap_tui.ui.format import inert
from koomap_tui.ui.outcomes import report_outcomes
from koomap_tui.ui.screens.task_form import TaskUpdateForm
from koomap_tui.ui.tablekit import refresh_rows
from koomap_tui.ui.widgets.dialogs import ConfirmDialog, TypedConfirmDialog

OPERATIONS = {
    Op.START: "StartReal3DTask",
    Op.START_AT_ONLY: "StartReal3DTask",
    Op.STOP: "StopReal3DTask",
    Op.UPDATE: "UpdateReal3DTask",
    Op.DELETE: "DeleteReal3DTask",
    Op.ARCHIVE: "UpdateReal3DTaskArchivedStatus",
    Op.UNARCHIVE: "UpdateReal3DTaskArchivedStatus",
}
DONE = {
    Op.START: "start requested",
    Op.START_AT_ONLY: "AT-only start requested",
    Op.STOP: "stop requested",
    Op.UPDATE: "updated",
    Op.DELETE: "deleted",
    Op.ARCHIVE: "archived",
    Op.UNARCHIVE: "unarchived",
}


def _names(tasks: list[Real3DTask]) -> str:
    shown = ", ".join(inert(t.task_name) for t in tasks[:3])
    return shown + (f" and {len(tasks) - 3} more" if len(tasks) > 3 else "")


class TaskActions:
    """Mixin for screens that act on Real3D tasks."""

    workspace_id: str
    poller: Any
    selected_tasks: Callable[[], list[Real3DTask]]  # the host screen's cursor row or marked rows

    def task_target(self, task: Real3DTask) -> Target:
        return Target(
            Kind.REAL3D_TASK,
            task.task_id,
            state_key(task.task_status),
            label=task.task_name or task.task_id,
            attrs={
                "task_type": state_key(task.task_type),
                "modeling_type": state_key(task.modeling_type),
            },
        )

    def refresh_task_rows(self, keys: set[str]) -> None:
        table = getattr(self, "table", None)
        if table is not None:
            refresh_rows(table, keys)

    def _allowed(self, op: Op) -> list[Real3DTask]:
        runner = self.kapp.ctx.runner  # type: ignore[attr-defined]
        return [t for t in self.selected_tasks() if runner.decide(self.task_target(t), op).allowed]

    def _ask(self, op: Op, question: str, tasks: list[Real3DTask], **kw: Any) -> None:
        def answered(ok: bool | None) -> None:
            if ok:
                self.run_task_op(op, tasks, **kw)  # type: ignore[attr-defined]

        self.app.push_screen(ConfirmDialog(question), answered)  # type: ignore[attr-defined]

    def action_start(self) -> None:
        tasks = self._allowed(Op.START)
        if len(tasks) > 1:
            self._ask(Op.START, f"Start {len(tasks)} tasks ({_names(tasks)})?", tasks)
        elif tasks:
            self.run_task_op(Op.START, tasks)  # type: ignore[attr-defined]

    def action_start_at(self) -> None:
        tasks = self._allowed(Op.START_AT_ONLY)
        if tasks:
            self._ask(
                Op.START_AT_ONLY,
                f"Run aerial triangulation only for {_names(tasks)}?",
                tasks,
            )

    def action_stop(self) -> None:
        tasks = self._allowed(Op.STOP)
        if tasks:
            self._ask(Op.STOP, f"Stop {_names(tasks)}? Running work is lost.", tasks)

    def action_archive(self) -> None:
        tasks = self._allowed(Op.ARCHIVE)
        if tasks:
            self._ask(Op.ARCHIVE, f"Archive {_names(tasks)}?", tasks)

    def action_unarchive(self) -> None:
        tasks = self._allowed(Op.UNARCHIVE)
        if tasks:
            self.run_task_op(Op.UNARCHIVE, tasks)  # type: ignore[attr-defined]

    def action_delete(self) -> None:
        tasks = self._allowed(Op.DELETE)
        if not tasks:
            return
        if len(tasks) == 1:
            expected = tasks[0].task_name or tasks[0].task_id
            prompt = f"Delete task {inert(expected)}? Its products are kept. Type its name:"
        else:
            expected = f"delete {len(tasks)} tasks"
            prompt = f"Delete {_names(tasks)}? Type '{expected}':"

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_task_op(Op.DELETE, tasks)  # type: ignore[attr-defined]

        self.app.push_screen(TypedConfirmDialog(prompt, expected), answered)  # type: ignore[attr-defined]

    def action_update(self) -> None:
        tasks = self._allowed(Op.UPDATE)
        if not tasks:
            return
        task = tasks[0]

        def submitted(body: Real3DTaskUpdate | None) -> None:
            if body is not None:
                self.run_task_op(Op.UPDATE, [task], body=body)  # type: ignore[attr-defined]

        self.app.push_screen(TaskUpdateForm(task), submitted)  # type: ignore[attr-defined]

    async def perform(self, op: Op, tasks: list[Real3DTask], **kw: Any) -> list[Outcome]:
        ctx = self.kapp.ctx  # type: ignore[attr-defined]
        client = ctx.client
        ws = self.workspace_id

        async def call(target: Target) -> Any:
            if op is Op.START:
                return await client.start_real3d_task(ws, target.id)
            if op is Op.START_AT_ONLY:
                return await client.start_real3d_task(ws, target.id, run_at_only=True)
            if op is Op.STOP:
                return await client.stop_real3d_task(ws, target.id)
            if op is Op.DELETE:
                return await client.delete_real3d_task(ws, target.id)
            if op is Op.ARCHIVE:
                return await client.update_real3d_task_archived_status(ws, target.id, True)
            if op is Op.UNARCHIVE:
                return await client.update_real3d_task_archived_status(ws, target.id, False)
            if op is Op.UPDATE:
                return await client.update_real3d_task(ws, target.id, kw["body"])
            raise ValueError(op)

        targets = [self.task_target(t) for t in tasks]
        outcomes: list[Outcome] = await ctx.runner.run(
            op,
            targets,
            call,
            operation=OPERATIONS[op],
            capture=client.capture_request_ids,
            on_marked=lambda t: self.refresh_task_rows({t.id}),
        )
        self.refresh_task_rows({t.id for t in targets})
        self.report(op, outcomes)
        self.poller.refresh_now()
        return outcomes

    def report(self, op: Op, outcomes: list[Outcome]) -> None:
        labels = ", ".join(inert(o.target.label) for o in outcomes if o.ok)
        report_outcomes(
            self.notify,  # type: ignore[attr-defined]
            OPERATIONS[op],
            outcomes,
            f"{DONE[op]}: {labels}",
            check_what="the task",
        )
