# ruff: noqa: E501  (the catalogue is a table: one row a line)
"""The action catalogue: every operator action of the console, one row each.

A row is one operation on one resource kind: the API operation it calls (the audit names it),
how to call the client for one target, the words the console uses for it (footer label, verb,
past tense, pending mark), how it is confirmed, whether it may act on several rows at once, and
its key. Screens build their bindings, footer dimming, help rows, refusal texts, pending marks
and outcome messages from these rows; `domain.policy` decides when a row is allowed.

A key is offered on a view only when its kind has a row for it here *and* the policy lets some
state of that kind do it (`offered`): image sets cannot be downloaded, satellite images cannot be
deleted through the API, so neither shows a key for it.

Calls take the client (duck-typed: the domain never imports it), the target's id and the
arguments the view supplies (`workspace_id`, `task_id`, `body`, `status`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from koomap_tui.domain.policy import TABLE, Kind, Op

Call = Callable[[Any, str, Mapping[str, Any]], Awaitable[Any]]

# Downloads larger than this ask before they start (Enter on a product included).
ASK_BEFORE_DOWNLOAD_BYTES = 1024**3


class Confirm(StrEnum):
    NONE = "none"  # acts at once (unless the targets are not just the cursor row)
    YES = "yes"  # a yes/no question
    TYPED = "typed"  # the operator types the name of what goes away
    FORM = "form"  # the view's form collects the arguments; submitting it is the consent


class Scope(StrEnum):
    ROW = "row"  # the marked rows, else the cursor row
    PARENT = "parent"  # what the view is about (the workspace, the task of a subtask list)


@dataclass(frozen=True)
class Action:
    name: str  # the view's action name ("start"); one name may serve several kinds
    kind: Kind
    op: Op
    key: str
    label: str  # the footer's word
    operation: str  # the API operation, as the audit records it
    call: Call | None  # None: the view does the work itself (downloads)
    done: str  # past tense for the outcome notice ("stop requested")
    pending: str  # the row's pending mark while in flight ("stopping")
    confirm: Confirm = Confirm.NONE
    question: str = ""  # "{names}" and "{n}" are filled in; default "<Label> {names}?"
    bulk: bool = True
    dangerous: bool = False
    show: bool = True  # in the footer (help lists every action)
    scope: Scope = Scope.ROW
    mark_pending: bool = True  # False where the target's state does not move (a mark never clears)

    @property
    def description(self) -> str:
        return self.label

    def ask(self, names: str, n: int) -> str:
        return (self.question or f"{self.label} {{names}}?").format(names=names, n=n)


def offered(action: Action) -> bool:
    """Whether any state of the action's kind allows it (else its key is not shown at all)."""
    rule = TABLE.get(action.kind, {}).get(action.op)
    return rule is not None and (rule.allowed_in is None or bool(rule.allowed_in))


def _a(name: str, kind: Kind, op: Op, key: str, label: str, operation: str, call: Call | None,
       done: str, pending: str, **kw: Any) -> Action:  # fmt: skip
    return Action(name, kind, op, key, label, operation, call, done, pending, **kw)


_W, _T, _S, _ST = Kind.WORKSPACE, Kind.REAL3D_TASK, Kind.SUBTASK, Kind.SATELLITE_TASK
_YES, _TYPED, _FORM = Confirm.YES, Confirm.TYPED, Confirm.FORM

CATALOG: tuple[Action, ...] = (
    # workspaces
    _a("create", _W, Op.CREATE, "n", "New", "CreateCommonWorkspace", lambda c, i, a: c.create_common_workspace(a["body"]), "created", "creating", confirm=_FORM, bulk=False, scope=Scope.PARENT, mark_pending=False),
    _a("edit", _W, Op.UPDATE, "e", "Edit", "UpdateCommonWorkspace", lambda c, i, a: c.update_common_workspace(i, a["body"]), "updated", "updating", confirm=_FORM, bulk=False, mark_pending=False),
    _a("pin", _W, Op.PIN, "p", "Pin", "UpdateCommonWorkspace", lambda c, i, a: c.update_common_workspace(i, {"star": 1}), "pinned", "pinning", bulk=False, mark_pending=False),
    _a("unpin", _W, Op.UNPIN, "P", "Unpin", "UpdateCommonWorkspace", lambda c, i, a: c.update_common_workspace(i, {"star": 0}), "unpinned", "unpinning", bulk=False, show=False, mark_pending=False),
    _a("delete", _W, Op.DELETE, "d", "Delete", "DeleteCommonWorkspace", lambda c, i, a: c.delete_common_workspace(i), "deleted", "deleting", confirm=_TYPED, bulk=False, dangerous=True, question="Delete workspace {names}?", mark_pending=False),
    # Real3D tasks
    _a("start", _T, Op.START, "s", "Start", "StartReal3DTask", lambda c, i, a: c.start_real3d_task(a["workspace_id"], i), "start requested", "starting", question="Start {n} tasks ({names})?"),
    _a("start_at", _T, Op.START_AT_ONLY, "a", "AT-only", "StartReal3DTask", lambda c, i, a: c.start_real3d_task(a["workspace_id"], i, run_at_only=True), "AT-only start requested", "starting AT", confirm=_YES, question="Run aerial triangulation only for {names}?"),
    _a("stop", _T, Op.STOP, "x", "Stop", "StopReal3DTask", lambda c, i, a: c.stop_real3d_task(a["workspace_id"], i), "stop requested", "stopping", confirm=_YES, dangerous=True, question="Stop {names}? Running work is lost."),
    _a("update", _T, Op.UPDATE, "e", "Edit", "UpdateReal3DTask", lambda c, i, a: c.update_real3d_task(a["workspace_id"], i, a["body"]), "updated", "updating", confirm=_FORM, bulk=False),
    _a("delete", _T, Op.DELETE, "d", "Delete", "DeleteReal3DTask", lambda c, i, a: c.delete_real3d_task(a["workspace_id"], i), "deleted", "deleting", confirm=_TYPED, dangerous=True, question="Delete task {names}? Its products are kept."),
    _a("archive", _T, Op.ARCHIVE, "z", "Archive", "UpdateReal3DTaskArchivedStatus", lambda c, i, a: c.update_real3d_task_archived_status(a["workspace_id"], i, True), "archived", "archiving", confirm=_YES),
    _a("unarchive", _T, Op.UNARCHIVE, "Z", "Unarchive", "UpdateReal3DTaskArchivedStatus", lambda c, i, a: c.update_real3d_task_archived_status(a["workspace_id"], i, False), "unarchived", "unarchiving", show=False),
    _a("create", _T, Op.CREATE_SUBTASK, "n", "New", "CreateReal3DSubTask", lambda c, i, a: c.create_real3d_subtask(a["workspace_id"], i, a["body"]), "created subtask", "creating", confirm=_FORM, bulk=False, scope=Scope.PARENT, mark_pending=False),
    _a("add", _T, Op.EDIT_SPURS, "a", "Add spur", "AddSpurPoint", lambda c, i, a: c.add_spur_point(a["body"]), "spur added", "adding", confirm=_FORM, bulk=False, scope=Scope.PARENT, mark_pending=False),
    _a("delete", _T, Op.EDIT_SPURS, "d", "Delete spur", "DeleteSpurPoint", lambda c, i, a: c.delete_spur_point(i), "deleted spur", "deleting", confirm=_YES, bulk=False, dangerous=True, question="Delete {names}?", mark_pending=False),
    _a("marker", _T, Op.EDIT_SPURS, "m", "Marker", "CreateMarkerInfo", lambda c, i, a: c.create_marker_info(i), "marker file generated from all spurs of the task; start the task for full modeling to use it", "generating", bulk=False, scope=Scope.PARENT, mark_pending=False),
    # refinement subtasks
    _a("upload", _S, Op.UPLOAD, "u", "Upload", "UpdateSubTaskUploadStatus(sim)", lambda c, i, a: c.sim_update_subtask_upload_status(a["workspace_id"], a["task_id"], i, a["status"]), "upload recorded", "marking upload", confirm=_FORM, bulk=False),
    _a("start", _S, Op.START, "s", "Start", "StartReal3DSubTask", lambda c, i, a: c.start_real3d_subtask(a["workspace_id"], a["task_id"], i), "start requested", "starting", bulk=False),
    _a("stop", _S, Op.STOP, "x", "Stop", "StopReal3DSubTask", lambda c, i, a: c.stop_real3d_subtask(a["workspace_id"], a["task_id"], i), "stop requested", "stopping", confirm=_YES, bulk=False, dangerous=True, question="Stop refinement subtask {names}? Its running work is lost."),
    _a("delete", _S, Op.DELETE, "d", "Delete", "DeleteReal3DSubTask", lambda c, i, a: c.delete_real3d_subtask(a["workspace_id"], a["task_id"], i), "deleted (and its refined product)", "deleting", confirm=_TYPED, bulk=False, dangerous=True, question="Delete refinement subtask {names}? Its refined product is deleted too."),
    # satellite tasks
    _a("create", _W, Op.CREATE_TASK, "n", "New", "CreateTask", lambda c, i, a: c.create_task(a["body"]), "created", "creating", confirm=_FORM, bulk=False, scope=Scope.PARENT, mark_pending=False),
    _a("start", _ST, Op.START, "s", "Start", "StartTask", lambda c, i, a: c.start_task(i), "start requested", "starting", question="Start {n} tasks ({names})?"),
    _a("stop", _ST, Op.STOP, "x", "Stop", "StopTask", lambda c, i, a: c.stop_task(i), "stop requested", "stopping", confirm=_YES, dangerous=True, question="Stop {names}? Processing done so far is lost."),
    _a("delete", _ST, Op.DELETE, "d", "Delete", "DeleteTask", lambda c, i, a: c.delete_task(i), "deleted", "deleting", confirm=_TYPED, dangerous=True, question="Delete satellite task {names}?"),
    _a("archive", _ST, Op.ARCHIVE, "z", "Archive", "UpdateTaskArchivedStatus", lambda c, i, a: c.update_task_archived_status(i, True), "archived", "archiving", confirm=_YES, question="Archive {names}? It leaves the list (A shows it)."),
    _a("unarchive", _ST, Op.UNARCHIVE, "Z", "Unarchive", "UpdateTaskArchivedStatus", lambda c, i, a: c.update_task_archived_status(i, False), "unarchived", "unarchiving", show=False),
    # data: products, refined products, satellite images
    _a("download", Kind.PRODUCT, Op.DOWNLOAD, "D", "Download", "download", None, "downloading", "downloading", bulk=False),
    _a("download", Kind.REFINE_PRODUCT, Op.DOWNLOAD, "D", "Download", "download", None, "downloading", "downloading", bulk=False),
    _a("download", Kind.SATELLITE_IMAGE, Op.DOWNLOAD, "D", "Download", "download", None, "downloading", "downloading", bulk=False),
    _a("delete", Kind.PRODUCT, Op.DELETE, "d", "Delete", "DeleteReal3DProduct", lambda c, i, a: c.delete_real3d_product(i), "delete requested", "deleting", confirm=_TYPED, bulk=False, dangerous=True, question="Delete product {names}? This cannot be undone."),
    _a("delete", Kind.REFINE_PRODUCT, Op.DELETE, "d", "Delete", "DeleteReal3DRefineProduct", lambda c, i, a: c.delete_real3d_refine_product(i), "delete requested", "deleting", confirm=_TYPED, bulk=False, dangerous=True, question="Delete refined product {names}? This cannot be undone."),
)  # fmt: skip


def actions_for(*kinds: Kind) -> tuple[Action, ...]:
    """Every row of these kinds, in catalogue order."""
    return tuple(a for a in CATALOG if a.kind in kinds)


def row(kind: Kind, op: Op, name: str | None = None) -> Action:
    """The catalogue row for `op` on `kind` (`name` picks among several rows of one op)."""
    return next(a for a in CATALOG if a.kind is kind and a.op is op and name in (None, a.name))
