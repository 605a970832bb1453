"""Which operation is allowed on which resource in which state, and why not.

This is the single place that decides. Screens dim a key when `check` denies it and show the
reason when it is pressed; `services.actions` asks again before calling the API; read-only mode
is enforced here and nowhere else (scattered read-only checks leak, see k9s issues 857/3822).

The table follows `states.json` and SPEC §11 (workspace rules §11.4, data objects §11.5);
deliberate deviations and the choices for inferred cells are in `docs/policy.md`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from koomap_tui.domain.states import KIND_NOUN, STATES, Kind, state_info, state_key

__all__ = [
    "ATTR_MODELING_TYPE",
    "ATTR_PINNED_COUNT",
    "ATTR_STAR",
    "ATTR_SUBTASK_COUNT",
    "ATTR_TASK_COUNT",
    "ATTR_TASK_TYPE",
    "ATTR_WORKSPACE_COUNT",
    "MAX_PINNED_WORKSPACES",
    "MAX_SUBTASKS_PER_TASK",
    "MAX_WORKSPACES",
    "TABLE",
    "Decision",
    "Kind",
    "Op",
    "Rule",
    "check",
    "decisions",
    "is_mutating",
    "op_label",
    "ops_for",
]


class Op(StrEnum):
    """Operator operations; one id per thing a key can do."""

    CREATE = "create"
    CREATE_TASK = "create_task"
    RENAME = "rename"
    UPDATE = "update"
    PIN = "pin"
    UNPIN = "unpin"
    START = "start"
    START_AT_ONLY = "start_at_only"
    STOP = "stop"
    DELETE = "delete"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"
    CREATE_SUBTASK = "create_subtask"
    EDIT_SPURS = "edit_spurs"
    UPLOAD = "upload"
    DOWNLOAD = "download"
    EXPORT = "export"
    VALIDATE = "validate"
    USE_IN_TASK = "use_in_task"
    VIEW_PRODUCTS = "view_products"


# Operations that change nothing in the cloud; everything else is blocked in read-only mode.
# ValidateImage is a POST but only checks a pairing rule; a download writes only locally.
_READ_ONLY_SAFE: frozenset[Op] = frozenset(
    {Op.DOWNLOAD, Op.VALIDATE, Op.USE_IN_TASK, Op.VIEW_PRODUCTS}
)

_OP_LABEL: Mapping[Op, str] = MappingProxyType(
    {
        Op.CREATE: "create",
        Op.CREATE_TASK: "create task",
        Op.RENAME: "rename",
        Op.UPDATE: "update",
        Op.PIN: "pin",
        Op.UNPIN: "unpin",
        Op.START: "start",
        Op.START_AT_ONLY: "start AT-only",
        Op.STOP: "stop",
        Op.DELETE: "delete",
        Op.ARCHIVE: "archive",
        Op.UNARCHIVE: "unarchive",
        Op.CREATE_SUBTASK: "create subtask",
        Op.EDIT_SPURS: "edit spurs",
        Op.UPLOAD: "upload",
        Op.DOWNLOAD: "download",
        Op.EXPORT: "export",
        Op.VALIDATE: "validate",
        Op.USE_IN_TASK: "use in a task",
        Op.VIEW_PRODUCTS: "view products",
    }
)

# Attribute names carried in `attrs` (values as strings, as they come from the models).
ATTR_TASK_TYPE = "task_type"
ATTR_MODELING_TYPE = "modeling_type"
ATTR_SUBTASK_COUNT = "subtask_count"
ATTR_STAR = "star"
ATTR_PINNED_COUNT = "pinned_count"
ATTR_TASK_COUNT = "task_count"
ATTR_WORKSPACE_COUNT = "workspace_count"

MAX_PINNED_WORKSPACES = 4
MAX_SUBTASKS_PER_TASK = 10
MAX_WORKSPACES = 500


def is_mutating(op: Op) -> bool:
    """True when the operation changes something in the cloud (blocked in read-only mode)."""
    return Op(op) not in _READ_ONLY_SAFE


def op_label(op: Op) -> str:
    return _OP_LABEL[Op(op)]


@dataclass(frozen=True, slots=True)
class Decision:
    """Outcome of a policy check; `reason` is operator-readable and set exactly when denied."""

    allowed: bool
    reason: str | None = None

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)

Attrs = Mapping[str, object]
# A requirement looks at attrs and returns a denial text, or None when satisfied or unknown.
# Unknown attributes never deny: the server has the last word (SPEC §2.1 on can_delete).
Requirement = Callable[[Attrs], str | None]


@dataclass(frozen=True, slots=True)
class Rule:
    """One operation of one kind: the states that allow it, plus attribute requirements.

    `allowed_in=None` means the kind has no state (workspaces): only the requirements decide.
    `hints` add advice to the denial for a given state ("stop it first").
    """

    allowed_in: frozenset[str] | None
    requires: tuple[Requirement, ...] = ()
    hints: Mapping[str, str] = field(default_factory=dict)


def _int_attr(attrs: Attrs, name: str) -> int | None:
    value = attrs.get(name)
    if value is None:
        return None
    if isinstance(value, bool | int):
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _flag_attr(attrs: Attrs, name: str) -> bool | None:
    value = attrs.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes"}:
        return True
    if text in {"0", "false", "no"}:
        return False
    return None


def _str_attr(attrs: Attrs, name: str) -> str | None:
    # Empty means "not known" (a model field that was null), which must not deny.
    value = attrs.get(name)
    if value is None:
        return None
    text = str(getattr(value, "value", value)).strip()
    return text or None


def _needs_ctrl(what: str) -> Requirement:
    def req(attrs: Attrs) -> str | None:
        task_type = _str_attr(attrs, ATTR_TASK_TYPE)
        if task_type is not None and task_type != "REAL3D-CTRL":
            return f"{what} needs a REAL3D-CTRL task (this one is {task_type})"
        return None

    return req


def _needs_nerf(attrs: Attrs) -> str | None:
    modeling = _str_attr(attrs, ATTR_MODELING_TYPE)
    if modeling is not None and modeling != "Nerf":
        return f"create subtask needs a Nerf task (this one is {modeling})"
    return None


def _subtask_room(attrs: Attrs) -> str | None:
    count = _int_attr(attrs, ATTR_SUBTASK_COUNT)
    if count is not None and count >= MAX_SUBTASKS_PER_TASK:
        return f"cannot create subtask: a task holds at most {MAX_SUBTASKS_PER_TASK} subtasks"
    return None


def _workspace_room(attrs: Attrs) -> str | None:
    count = _int_attr(attrs, ATTR_WORKSPACE_COUNT)
    if count is not None and count >= MAX_WORKSPACES:
        return f"cannot create: the tenant already has the maximum of {MAX_WORKSPACES} workspaces"
    return None


def _not_pinned_yet(attrs: Attrs) -> str | None:
    if _flag_attr(attrs, ATTR_STAR) is True:
        return "cannot pin: the workspace is already pinned (已置顶)"
    return None


def _pin_room(attrs: Attrs) -> str | None:
    count = _int_attr(attrs, ATTR_PINNED_COUNT)
    if count is not None and count >= MAX_PINNED_WORKSPACES:
        return (
            f"cannot pin: {count} workspaces are already pinned (at most "
            f"{MAX_PINNED_WORKSPACES}); unpin one first"
        )
    return None


def _is_pinned(attrs: Attrs) -> str | None:
    if _flag_attr(attrs, ATTR_STAR) is False:
        return "cannot unpin: the workspace is not pinned"
    return None


def _delete_unpinned(attrs: Attrs) -> str | None:
    if _flag_attr(attrs, ATTR_STAR) is True:
        return "cannot delete: the workspace is pinned (已置顶); unpin it first"
    return None


def _delete_empty(attrs: Attrs) -> str | None:
    count = _int_attr(attrs, ATTR_TASK_COUNT)
    if count is not None and count > 0:
        noun = "task" if count == 1 else "tasks"
        return f"cannot delete: the workspace still holds {count} {noun}; delete them first"
    return None


def _states(*names: str) -> frozenset[str]:
    return frozenset(names)


_STOP_FIRST = "stop it first"
_WAIT_STOPPED = "wait until it has stopped"
_UNARCHIVE_FIRST = "unarchive it first"


def _hints(mapping: Mapping[str, str], **extra: str) -> Mapping[str, str]:
    merged = dict(mapping)
    merged.update(extra)
    return MappingProxyType(merged)


_RUN_HINTS: Mapping[str, str] = MappingProxyType(
    {"PENDING": _STOP_FIRST, "STARTING": _STOP_FIRST, "RUNNING": _STOP_FIRST}
)

_REAL3D_START = _states("INIT", "STOP_SUCCESS", "FAILED", "BUNDLE_SUCCESS")

# THE table: kind -> operation -> rule. The order of the inner mappings is the order in which
# the help screen lists the operations.
TABLE: Mapping[Kind, Mapping[Op, Rule]] = MappingProxyType(
    {
        Kind.WORKSPACE: MappingProxyType(
            {
                Op.CREATE: Rule(None, (_workspace_room,)),
                Op.CREATE_TASK: Rule(None),
                Op.RENAME: Rule(None),
                Op.UPDATE: Rule(None),
                Op.PIN: Rule(None, (_not_pinned_yet, _pin_room)),
                Op.UNPIN: Rule(None, (_is_pinned,)),
                Op.DELETE: Rule(None, (_delete_unpinned, _delete_empty)),
            }
        ),
        Kind.REAL3D_TASK: MappingProxyType(
            {
                Op.START: Rule(
                    _REAL3D_START,
                    hints={
                        "START_FAILED": "update it first (that resets it to INIT)",
                        "STOPPING": _WAIT_STOPPED,
                    },
                ),
                Op.START_AT_ONLY: Rule(
                    _REAL3D_START,
                    (_needs_ctrl("start AT-only"),),
                    hints={
                        "START_FAILED": "update it first (that resets it to INIT)",
                        "STOPPING": _WAIT_STOPPED,
                    },
                ),
                Op.STOP: Rule(
                    _states("PENDING", "STARTING", "RUNNING"),
                    hints={"STOPPING": "a stop is already in progress"},
                ),
                Op.UPDATE: Rule(
                    _states("INIT", "START_FAILED", "FAILED", "STOP_SUCCESS"),
                    hints=_hints(_RUN_HINTS, STOPPING=_WAIT_STOPPED),
                ),
                Op.DELETE: Rule(
                    _states("INIT", "START_FAILED", "FAILED", "STOP_SUCCESS", "SUCCESS"),
                    hints=_hints(_RUN_HINTS, STOPPING=_WAIT_STOPPED, ARCHIVED=_UNARCHIVE_FIRST),
                ),
                Op.ARCHIVE: Rule(
                    _states("SUCCESS"),
                    hints={"ARCHIVED": "it is already archived"},
                ),
                Op.UNARCHIVE: Rule(_states("ARCHIVED")),
                Op.CREATE_SUBTASK: Rule(
                    _states("SUCCESS", "ARCHIVED"),
                    (_needs_nerf, _subtask_room),
                ),
                Op.EDIT_SPURS: Rule(
                    _states("BUNDLE_SUCCESS"),
                    (_needs_ctrl("edit spurs"),),
                    hints={
                        "INIT": "run AT-only first",
                        "FAILED": "run AT-only first",
                        "STOP_SUCCESS": "run AT-only first",
                    },
                ),
            }
        ),
        Kind.SUBTASK: MappingProxyType(
            {
                Op.UPLOAD: Rule(_states("INIT", "UPLOADING", "UPLOAD_FAILED")),
                Op.START: Rule(
                    _states("UPLOAD_SUCCESS", "FAILED", "STOP_SUCCESS"),
                    hints={
                        "INIT": "upload the refined model first",
                        "UPLOAD_FAILED": "upload the refined model again first",
                        "UPLOADING": "wait for the upload to finish",
                        "STOPPING": _WAIT_STOPPED,
                    },
                ),
                Op.STOP: Rule(
                    _states("PENDING", "STARTING", "RUNNING"),
                    hints={"STOPPING": "a stop is already in progress"},
                ),
                Op.DELETE: Rule(
                    _states(
                        "INIT",
                        "UPLOAD_SUCCESS",
                        "UPLOAD_FAILED",
                        "START_FAILED",
                        "SUCCESS",
                        "FAILED",
                        "STOP_SUCCESS",
                    ),
                    hints=_hints(
                        _RUN_HINTS,
                        STOPPING=_WAIT_STOPPED,
                        UPLOADING="wait for the upload to finish",
                    ),
                ),
            }
        ),
        Kind.SATELLITE_TASK: MappingProxyType(
            {
                Op.START: Rule(
                    _states("INIT", "STOP_SUCCESS", "FAILED"),
                    hints={"STOPPING": _WAIT_STOPPED},
                ),
                Op.STOP: Rule(
                    _states("START_RUNNING", "RUNNING", "STOP_FAILED"),
                    hints={"STOPPING": "a stop is already in progress"},
                ),
                Op.ARCHIVE: Rule(
                    _states("SUCCESS"),
                    hints={"ARCHIVED": "it is already archived"},
                ),
                Op.UNARCHIVE: Rule(_states("ARCHIVED")),
                Op.DELETE: Rule(
                    _states("INIT", "FAILED", "STOP_SUCCESS"),
                    hints={
                        "START_RUNNING": _STOP_FIRST,
                        "RUNNING": _STOP_FIRST,
                        "STOPPING": _WAIT_STOPPED,
                        "STOP_FAILED": "stop it again first",
                        "SUCCESS": "a successful task can only be archived",
                        "ARCHIVED": "an archived task cannot be deleted",
                    },
                ),
                Op.VIEW_PRODUCTS: Rule(
                    _states("SUCCESS", "ARCHIVED"),
                    hints={"RUNNING": "products appear when the task succeeds"},
                ),
            }
        ),
        Kind.PRODUCT: MappingProxyType(
            {
                Op.DOWNLOAD: Rule(
                    _states("available"), hints={"preparing": "wait until it is available"}
                ),
                Op.DELETE: Rule(
                    _states("available"), hints={"preparing": "wait until it is available"}
                ),
            }
        ),
        Kind.REFINE_PRODUCT: MappingProxyType(
            {
                Op.DOWNLOAD: Rule(
                    _states("available"), hints={"preparing": "wait until it is available"}
                ),
                Op.DELETE: Rule(
                    _states("available"), hints={"preparing": "wait until it is available"}
                ),
            }
        ),
        Kind.FOLDER: MappingProxyType(
            {
                Op.USE_IN_TASK: Rule(
                    _states("1"), hints={"0": "wait until processing has finished"}
                ),
                Op.DOWNLOAD: Rule(_states("1"), hints={"0": "wait until processing has finished"}),
            }
        ),
        Kind.SATELLITE_IMAGE: MappingProxyType(
            {
                Op.USE_IN_TASK: Rule(_states("0")),
                Op.VALIDATE: Rule(_states("0")),
                Op.DOWNLOAD: Rule(_states("0")),
                Op.EXPORT: Rule(_states("0", "4")),
                Op.DELETE: Rule(
                    _states("0", "2", "4", "7", "8"),
                    hints={"7": "remove it from the task that uses it, then retry"},
                ),
            }
        ),
    }
)


def ops_for(kind: Kind) -> tuple[Op, ...]:
    """The operations that exist for a kind, in help-screen order."""
    return tuple(TABLE[Kind(kind)])


def check(
    kind: Kind,
    state: object,
    op: Op,
    *,
    read_only: bool = False,
    attrs: Mapping[str, object] | None = None,
) -> Decision:
    """Decide whether `op` may be applied to a `kind` resource in `state`.

    `state` may be an enum member, a raw string or an int (folder status); for workspaces it is
    ignored (they have no status). `attrs` carry facts the state alone does not decide
    (task_type, modeling_type, subtask_count, star, pinned_count, task_count, workspace_count);
    a missing attribute never denies.
    """
    kind = Kind(kind)
    op = Op(op)
    verb = _OP_LABEL[op]
    rule = TABLE[kind].get(op)
    if rule is None:
        return Decision(False, f"cannot {verb}: not an operation on a {KIND_NOUN[kind]}")
    if read_only and is_mutating(op):
        return Decision(False, f"read-only mode: cannot {verb} (this profile is read-only)")
    key = state_key(state)
    if rule.allowed_in is not None and key not in STATES[kind]:
        return Decision(False, f"unknown state {key or '(none)'}: cannot {verb}")
    facts: Attrs = attrs if attrs is not None else {}
    for requirement in rule.requires:
        denial = requirement(facts)
        if denial is not None:
            return Decision(False, denial)
    if rule.allowed_in is None or key in rule.allowed_in:
        return ALLOWED
    info = state_info(kind, key)
    reason = f"cannot {verb}: the {KIND_NOUN[kind]} {info.phrase} ({info.label_zh})"
    hint = rule.hints.get(key)
    if hint:
        reason = f"{reason}; {hint}"
    return Decision(False, reason)


def decisions(
    kind: Kind,
    state: object,
    *,
    read_only: bool = False,
    attrs: Mapping[str, object] | None = None,
) -> list[tuple[Op, Decision]]:
    """Every operation of `kind` with its decision for `state` (the help screen lists these)."""
    return [(op, check(kind, state, op, read_only=read_only, attrs=attrs)) for op in ops_for(kind)]
