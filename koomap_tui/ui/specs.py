"""The registry of what the list views show (k9s's registrar): one `ResourceSpec` per kind of
row, saying what a row is: its key, its label, the text `/` matches, its state and quick filters,
how it becomes an action target, and which rows of the action catalogue (domain/catalog.py) its
list offers. A view names its spec here and gives its columns, its poll source and what is its
own (ui/screens); the keys, their gating and the help rows follow from the spec's actions.

Declarations only: this module imports neither Textual nor a screen (an import-linter contract
holds it), so every kind can be read in one place, and a spec used by several views (the task
spec: the task table, `:all`, `:watch`, the detail, the lists of one task) belongs to none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from koomap_tui.api.models import Real3DTask
from koomap_tui.domain.catalog import Action, actions_for, row
from koomap_tui.domain.policy import ATTR_MODELING_TYPE, ATTR_TASK_TYPE, Kind, Op
from koomap_tui.domain.states import state_key
from koomap_tui.services.actions import Target
from koomap_tui.services.audit_tail import record_text
from koomap_tui.services.data_items import search_text, target_of
from koomap_tui.services.sources.data import ImageRow, position_key, product_key
from koomap_tui.services.sources.history import transition_key

QuickFilters = Mapping[str, tuple[str, frozenset[str] | None]]


@dataclass(frozen=True)
class ResourceSpec:
    """What the list view needs to know about one kind of row."""

    kind: Kind | None  # None: rows that are not acted on (usage)
    table_id: str
    key: Callable[[Any], str]
    label: Callable[[Any], str]
    search: Callable[[Any], str]  # the text `/` matches (lower-cased here)
    state: Callable[[Any], object] | None = None
    attrs: Callable[[Any], Mapping[str, str]] = lambda row: {}
    quick: QuickFilters = field(default_factory=dict)
    empty_text: str = "(none)"
    filter_hint: str = "filter by name or id (Enter keeps, Esc clears)"
    #: A table of several kinds keys its rows by kind and id ("p:…", "r:…"): the runner's
    #: (kind, id) of a table key, and back; kind None: rows the runner does not track.
    ident: Callable[[str], tuple[Kind | None, str]] | None = None
    row_key: Callable[[Kind, str], str] = lambda kind, item_id: item_id
    #: The action target of a row, when it is not made of the fields above (None: no target).
    to_target: Callable[[Any], Target | None] | None = None
    #: What the list offers: catalogue rows on its rows, and those on its parent (create).
    actions: tuple[Action, ...] = ()

    @classmethod
    def of(cls, kind: Kind, table_id: str, fields: str, **kw: Any) -> ResourceSpec:
        """A spec from the model's field names, "id name status": keyed by id, labelled by
        name (else id), searched by both, stateful by status."""
        id_, name, status = fields.split()

        def label(row: Any) -> str:
            return str(getattr(row, name) or getattr(row, id_))

        kw.setdefault("state", lambda row: getattr(row, status))
        kw.setdefault("search", lambda row: f"{getattr(row, name) or ''} {getattr(row, id_)}")
        return cls(
            kind=kind, table_id=table_id, key=lambda row: str(getattr(row, id_)), label=label, **kw
        )

    def target(self, row: Any) -> Target:
        assert self.kind is not None
        state = state_key(self.state(row)) if self.state is not None else ""
        return Target(self.kind, self.key(row), state, self.label(row), self.attrs(row))

    def target_of(self, row: Any) -> Target | None:
        if self.to_target is not None:
            return self.to_target(row)
        return None if self.kind is None else self.target(row)

    def identify(self, key: str) -> tuple[Kind | None, str]:
        return self.ident(key) if self.ident is not None else (self.kind, key)


# -- workspaces ------------------------------------------------------------------------------
WORKSPACES = ResourceSpec(
    kind=Kind.WORKSPACE,
    table_id="workspaces",
    key=lambda w: w.workspace_id,
    label=lambda w: w.workspace_name or w.workspace_id,
    search=lambda w: f"{w.workspace_name or ''} {w.workspace_id} {w.workspace_description or ''}",
    filter_hint="filter by name, id or description (Enter keeps, Esc clears)",
    # A task is created from the task table (Real3D) or the satellite view, not here.
    actions=tuple(a for a in actions_for(Kind.WORKSPACE) if a.op is not Op.CREATE_TASK),
)

# -- Real3D tasks, and the lists of one task -------------------------------------------------
ATTR_WORKSPACE = "workspace_id"


def task_attrs(t: Real3DTask) -> dict[str, str]:
    return {ATTR_TASK_TYPE: state_key(t.task_type), ATTR_MODELING_TYPE: state_key(t.modeling_type)}


def workspace_of(row: Any) -> str:
    return str(getattr(row, "workspace_id", None) or "")


_TASK_OPS = (Op.START, Op.START_AT_ONLY, Op.STOP, Op.UPDATE, Op.DELETE, Op.ARCHIVE, Op.UNARCHIVE)
#: What the task tables and the task detail offer on a task (the lists of one task, the rest).
TASK_ACTIONS = tuple(a for a in actions_for(Kind.REAL3D_TASK) if a.op in _TASK_OPS)
TASKS = ResourceSpec.of(
    Kind.REAL3D_TASK,
    "tasks",
    "task_id task_name task_status",
    attrs=task_attrs,
    actions=TASK_ACTIONS,
    quick={
        "1": ("all", None),
        "2": ("active", frozenset({"PENDING", "STARTING", "RUNNING", "STOPPING"})),
        "3": ("failed", frozenset({"START_FAILED", "FAILED"})),
        "4": ("finished", frozenset({"SUCCESS", "STOP_SUCCESS", "BUNDLE_SUCCESS", "ARCHIVED"})),
        "5": ("idle", frozenset({"INIT", "STOP_SUCCESS", "BUNDLE_SUCCESS"})),
    },
)
#: `:all`: the rows say their workspace, and `/` matches its name too.
FLEET = dataclasses.replace(
    TASKS,
    table_id="fleet",
    empty_text="(no task active, failed or finished in the last 24 h)",
    attrs=lambda row: {**task_attrs(row), ATTR_WORKSPACE: workspace_of(row)},
    search=lambda t: f"{t.task_name or ''} {t.task_id} {getattr(t, 'workspace_name', '')}",
)
WATCHED = dataclasses.replace(
    TASKS, table_id="watched", empty_text="(nothing watched: w on a task watches it)"
)
SUBTASKS = ResourceSpec.of(
    Kind.SUBTASK, "subtasks", "subtask_id subtask_name subtask_status", empty_text="loading…",
    actions=(row(Kind.REAL3D_TASK, Op.CREATE_SUBTASK), *actions_for(Kind.SUBTASK)),
)  # fmt: skip


def _spur_pane(table_id: str, empty_text: str, kind: Kind | None = None, **kw: Any) -> ResourceSpec:
    # Spurs are acted on as edits of their task (the spurs view's `selection`), and have no
    # state to watch.
    return ResourceSpec(
        kind, table_id, key=str, label=str, search=str, empty_text=empty_text,
        ident=lambda key: (None, key), **kw,
    )  # fmt: skip


SPURS = _spur_pane(
    "spurs", "no spurs", Kind.REAL3D_TASK,
    actions=tuple(a for a in actions_for(Kind.REAL3D_TASK) if a.op is Op.EDIT_SPURS),
)  # fmt: skip
SPUR_IMAGES = _spur_pane("images", "no images")  # the image codes known here, not polled
SPUR_POINTS = _spur_pane("points", "none")  # the imported control points, not polled

# -- satellite tasks -------------------------------------------------------------------------
SATELLITE_TASKS = ResourceSpec.of(
    Kind.SATELLITE_TASK, "sat-tasks", "task_id task_name task_status",
    empty_text="(no satellite tasks)",
    actions=(row(Kind.WORKSPACE, Op.CREATE_TASK), *actions_for(Kind.SATELLITE_TASK)),
)  # fmt: skip


# -- data: image sets, products, satellite images ---------------------------------------------
def _data(kind: Kind, tab: str, **kw: Any) -> ResourceSpec:
    """A data tab's table: its rows are told apart, searched and acted on as data_items says."""
    kw.setdefault("to_target", target_of)
    return ResourceSpec(
        kind, tab, label=str, search=search_text,
        empty_text="(no rows)", filter_hint="filter by name, id or alias (Enter keeps, Esc clears)",
        **kw,
    )  # fmt: skip


def _product_ident(key: str) -> tuple[Kind, str]:
    return (Kind.PRODUCT if key.startswith("p:") else Kind.REFINE_PRODUCT), key[2:]


FOLDERS = _data(Kind.FOLDER, "folders", key=lambda f: f.folder_code, state=lambda f: f.status)
PRODUCTS = _data(
    Kind.PRODUCT, "products", key=lambda r: product_key(r.kind, r.id), state=lambda r: r.state,
    ident=_product_ident, row_key=product_key,
    actions=actions_for(Kind.PRODUCT, Kind.REFINE_PRODUCT),
)  # fmt: skip
SATELLITE_IMAGES = _data(
    Kind.SATELLITE_IMAGE, "images", key=lambda r: position_key(r.position),
    to_target=lambda r: target_of(r.image if isinstance(r, ImageRow) else r),
    actions=actions_for(Kind.SATELLITE_IMAGE),
)  # fmt: skip

# -- rows that are not acted on: usage, and the local records ---------------------------------
USAGE = ResourceSpec(
    kind=None,
    table_id="usage",
    key=lambda r: r.key,
    label=lambda r: r.measure,
    search=lambda r: f"{r.service} {r.usage_type} {r.measure} {r.subtype}",
    empty_text="(loading usage…)",
    filter_hint="filter by service, type, measure (Enter keeps, Esc clears)",
)
#: The outcomes the quick filters offer; an "intent" record (written before a mutation is sent)
#: is listed under "all" only.
AUDIT_OUTCOMES = ("ok", "error", "unknown", "denied")


AUDIT = ResourceSpec(
    kind=None,
    table_id="audit",
    key=lambda r: str(r.seq),
    label=lambda r: r.rec.operation,
    search=lambda r: record_text(r.rec),
    state=lambda r: r.rec.outcome,
    quick={"1": ("all", None)}
    | {str(n): (word, frozenset({word})) for n, word in enumerate(AUDIT_OUTCOMES, 2)},
    empty_text="(no recorded actions)",
    filter_hint="filter (Enter keeps, Esc clears)",
)

# Failure and end states of Real3D tasks, subtasks and satellite tasks (states.json).
FAILED = frozenset({"FAILED", "START_FAILED", "UPLOAD_FAILED", "STOP_FAILED"})
FINISHED = frozenset({"SUCCESS", "STOP_SUCCESS", "BUNDLE_SUCCESS", "UPLOAD_SUCCESS"})
HISTORY = ResourceSpec(
    kind=None,
    table_id="history",
    key=transition_key,
    label=lambda t: t.name or t.item_id,
    search=lambda t: " ".join(
        str(x or "")
        for x in (t.name, t.item_id, t.workspace_id, t.from_state, t.to_state, t.fail_message)
    ),
    state=lambda t: t.to_state,
    quick={"1": ("all", None), "2": ("failed", FAILED), "3": ("finished", FINISHED)},
    empty_text="(no transition observed yet)",
    filter_hint="filter by name, id, state or failure (Enter keeps, Esc clears)",
)
