"""Presentation facts for every resource state: labels, glyph, category and theme slug.

One row per (kind, state) so that every screen shows a state the same way and meaning never rests
on colour alone: each state has its own glyph (distinct within a kind) and its text. Glyphs are
single-cell, non-emoji code points so that they line up in a plain UTF-8 terminal.

Labels come from the API reference (`states.json` / SPEC §3-§9). The poller uses `ACTIVE_STATES`
and `is_terminal` to decide what to re-read while something runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from types import MappingProxyType


class Kind(StrEnum):
    """Resource kinds known to the policy table and the state catalogue."""

    WORKSPACE = "workspace"
    REAL3D_TASK = "real3d_task"
    SUBTASK = "subtask"
    SATELLITE_TASK = "satellite_task"
    PRODUCT = "product"
    REFINE_PRODUCT = "refine_product"
    FOLDER = "folder"
    SATELLITE_IMAGE = "satellite_image"


class Category(StrEnum):
    """Coarse meaning of a state, for grouping and summary counts."""

    IDLE = "idle"
    ACTIVE = "active"
    SUCCESS = "success"
    FAILED = "failed"
    ARCHIVED = "archived"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"


# Singular noun used in operator messages ("the image is being imported").
KIND_NOUN: Mapping[Kind, str] = MappingProxyType(
    {
        Kind.WORKSPACE: "workspace",
        Kind.REAL3D_TASK: "task",
        Kind.SUBTASK: "subtask",
        Kind.SATELLITE_TASK: "task",
        Kind.PRODUCT: "product",
        Kind.REFINE_PRODUCT: "refined product",
        Kind.FOLDER: "image set",
        Kind.SATELLITE_IMAGE: "image",
    }
)

# One glyph per slug: a theme colours `state-<slug>` and the glyph carries the same meaning
# without colour. Progression for the run cycle: ◌ not started, ◔ queued, ◑ starting, ● running.
GLYPHS: Mapping[str, str] = MappingProxyType(
    {
        "init": "◌",
        "pending": "◔",
        "starting": "◑",
        "start-failed": "⊗",
        "running": "●",
        "success": "✓",
        "failed": "✗",
        "stopping": "⊖",
        "stop-success": "■",
        "stop-failed": "⊠",
        "archived": "▣",
        "bundle-success": "◬",
        "uploading": "⇡",
        "upload-success": "↥",
        "upload-failed": "↯",
        "start-running": "◔",
        "preparing": "⋯",
        "available": "✓",
        "deleting": "⌫",
        "processing": "↻",
        "done": "✓",
        "import-failed": "✗",
        "migrating-in": "⇣",
        "migrate-in-failed": "✗",
        "migrating-out": "⇡",
        "migrate-out-failed": "⊗",
        "delete-failed-in-use": "⊘",
        "delete-failed-network": "↯",
        "unknown": "?",
    }
)

SLUGS: tuple[str, ...] = tuple(GLYPHS)


@dataclass(frozen=True, slots=True)
class StateInfo:
    """How one state of one kind is shown and described."""

    kind: Kind
    state: str
    label_en: str
    label_zh: str
    category: Category
    slug: str
    # Completes "the <noun> ..." in denial reasons, e.g. "is being imported".
    phrase: str

    @property
    def glyph(self) -> str:
        return GLYPHS[self.slug]

    @property
    def theme_var(self) -> str:
        return f"state-{self.slug}"

    @property
    def label(self) -> str:
        """English and Chinese together, as shown in badges and help text."""
        return f"{self.label_en} {self.label_zh}"


def state_key(state: object) -> str:
    """Normalise a status (StrEnum, IntEnum, raw str or int) to the table's string key."""
    if isinstance(state, Enum):
        state = state.value
    if state is None:
        return ""
    return str(state)


_C = Category
# (state, label_en, label_zh, category, slug, phrase)
_Row = tuple[str, str, str, Category, str, str]

_REAL3D: tuple[_Row, ...] = (
    ("INIT", "Initialized", "初始化", _C.IDLE, "init", "has not been started"),
    (
        "PENDING",
        "Pending (queued for resources)",
        "等待中",
        _C.ACTIVE,
        "pending",
        "is queued for resources",
    ),
    ("STARTING", "Starting", "启动中", _C.ACTIVE, "starting", "is starting"),
    ("START_FAILED", "Start failed", "启动失败", _C.FAILED, "start-failed", "failed to start"),
    ("RUNNING", "Running", "运行中", _C.ACTIVE, "running", "is running"),
    ("SUCCESS", "Succeeded", "运行成功", _C.SUCCESS, "success", "has succeeded"),
    ("FAILED", "Failed", "运行失败", _C.FAILED, "failed", "has failed"),
    ("STOPPING", "Stopping", "停止中", _C.ACTIVE, "stopping", "is stopping"),
    ("STOP_SUCCESS", "Stopped", "已停止", _C.IDLE, "stop-success", "is stopped"),
    ("ARCHIVED", "Archived", "已归档", _C.ARCHIVED, "archived", "is archived"),
    (
        "BUNDLE_SUCCESS",
        "Aerial triangulation succeeded",
        "空三建模成功",
        _C.IDLE,
        "bundle-success",
        "has finished aerial triangulation only",
    ),
)

_SUBTASK: tuple[_Row, ...] = (
    ("INIT", "Initialized", "初始化", _C.IDLE, "init", "has no uploaded model yet"),
    ("UPLOADING", "Uploading", "上传中", _C.ACTIVE, "uploading", "is uploading"),
    (
        "UPLOAD_SUCCESS",
        "Upload succeeded",
        "上传成功",
        _C.IDLE,
        "upload-success",
        "has its model uploaded",
    ),
    ("UPLOAD_FAILED", "Upload failed", "上传失败", _C.FAILED, "upload-failed", "failed to upload"),
    ("PENDING", "Pending", "等待中", _C.ACTIVE, "pending", "is queued for resources"),
    ("STARTING", "Starting", "启动中", _C.ACTIVE, "starting", "is starting"),
    ("START_FAILED", "Start failed", "启动失败", _C.FAILED, "start-failed", "failed to start"),
    ("RUNNING", "Running", "运行中", _C.ACTIVE, "running", "is running"),
    ("SUCCESS", "Succeeded", "运行成功", _C.SUCCESS, "success", "has succeeded"),
    ("FAILED", "Failed", "运行失败", _C.FAILED, "failed", "has failed"),
    ("STOPPING", "Stopping", "停止中", _C.ACTIVE, "stopping", "is stopping"),
    ("STOP_SUCCESS", "Stopped", "已停止", _C.IDLE, "stop-success", "is stopped"),
)

_SATELLITE: tuple[_Row, ...] = (
    ("INIT", "Not run (initialized)", "初始化/未运行", _C.IDLE, "init", "has not been run"),
    (
        "START_RUNNING",
        "Waiting (queued)",
        "等待中",
        _C.ACTIVE,
        "start-running",
        "is waiting to run",
    ),
    ("RUNNING", "Running", "运行中/执行中", _C.ACTIVE, "running", "is running"),
    ("SUCCESS", "Succeeded", "执行成功", _C.SUCCESS, "success", "has succeeded"),
    ("FAILED", "Failed", "执行失败", _C.FAILED, "failed", "has failed"),
    ("STOPPING", "Stopping", "停止中", _C.ACTIVE, "stopping", "is stopping"),
    ("STOP_SUCCESS", "Stopped", "已停止/停止成功", _C.IDLE, "stop-success", "is stopped"),
    ("STOP_FAILED", "Stop failed", "停止失败", _C.FAILED, "stop-failed", "failed to stop"),
    ("ARCHIVED", "Archived", "已归档", _C.ARCHIVED, "archived", "is archived"),
)

_PRODUCT: tuple[_Row, ...] = (
    ("preparing", "Preparing", "准备中", _C.ACTIVE, "preparing", "is being prepared"),
    ("available", "Available", "可用", _C.SUCCESS, "available", "is available"),
    ("deleting", "Deleting", "删除中", _C.ACTIVE, "deleting", "is being deleted"),
)

_FOLDER: tuple[_Row, ...] = (
    ("0", "Processing", "处理中", _C.ACTIVE, "processing", "is being processed"),
    ("1", "Done", "已完成", _C.SUCCESS, "done", "is ready"),
    ("2", "Import failed", "导入失败", _C.FAILED, "import-failed", "failed to import"),
)

# SPEC §9.1: image_status codes; code 5 is not documented and therefore unknown.
_IMAGE: tuple[_Row, ...] = (
    ("0", "Done / ready", "完成", _C.SUCCESS, "done", "is ready"),
    (
        "1",
        "Migrating in (importing)",
        "迁入中",
        _C.ACTIVE,
        "migrating-in",
        "is being imported",
    ),
    ("2", "Import failed", "迁入失败", _C.FAILED, "migrate-in-failed", "failed to import"),
    (
        "3",
        "Migrating out (exporting)",
        "迁出中",
        _C.ACTIVE,
        "migrating-out",
        "is being exported",
    ),
    ("4", "Export failed", "迁出失败", _C.FAILED, "migrate-out-failed", "failed to export"),
    ("6", "Deleting", "删除中", _C.ACTIVE, "deleting", "is being deleted"),
    (
        "7",
        "Delete failed: image in use by a task",
        "删除失败(影像正在被任务使用)",
        _C.BLOCKED,
        "delete-failed-in-use",
        "could not be deleted because a task uses it",
    ),
    (
        "8",
        "Delete failed: network error",
        "删除失败(网络错误)",
        _C.FAILED,
        "delete-failed-network",
        "could not be deleted (network error)",
    ),
)


def _index(kind: Kind, rows: tuple[_Row, ...]) -> Mapping[str, StateInfo]:
    return MappingProxyType(
        {
            s: StateInfo(kind, s, en, zh, cat, slug, phrase)
            for (s, en, zh, cat, slug, phrase) in rows
        }
    )


# Workspaces have no status field (SPEC §11.4), hence an empty catalogue.
STATES: Mapping[Kind, Mapping[str, StateInfo]] = MappingProxyType(
    {
        Kind.WORKSPACE: MappingProxyType({}),
        Kind.REAL3D_TASK: _index(Kind.REAL3D_TASK, _REAL3D),
        Kind.SUBTASK: _index(Kind.SUBTASK, _SUBTASK),
        Kind.SATELLITE_TASK: _index(Kind.SATELLITE_TASK, _SATELLITE),
        Kind.PRODUCT: _index(Kind.PRODUCT, _PRODUCT),
        Kind.REFINE_PRODUCT: _index(Kind.REFINE_PRODUCT, _PRODUCT),
        Kind.FOLDER: _index(Kind.FOLDER, _FOLDER),
        Kind.SATELLITE_IMAGE: _index(Kind.SATELLITE_IMAGE, _IMAGE),
    }
)

# States that change without an operator action; the poller keeps re-reading items in them.
# UPLOADING is included because the console's upload flow finishes it outside this program.
ACTIVE_STATES: Mapping[Kind, frozenset[str]] = MappingProxyType(
    {
        kind: frozenset(s for s, info in rows.items() if info.category is Category.ACTIVE)
        for kind, rows in STATES.items()
    }
)

# SPEC §9.1 image_status code -> (Chinese, English), for filters and column headers.
IMAGE_STATUS_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {code: (info.label_zh, info.label_en) for code, info in STATES[Kind.SATELLITE_IMAGE].items()}
)


def is_known(kind: Kind, state: object) -> bool:
    return state_key(state) in STATES[kind]


def state_info(kind: Kind, state: object) -> StateInfo:
    """Facts for a state; an unknown state (e.g. a new server value) gets the `unknown` row."""
    key = state_key(state)
    info = STATES[kind].get(key)
    if info is not None:
        return info
    return StateInfo(
        kind, key, key or "Unknown", "未知", Category.UNKNOWN, "unknown", "is in an unknown state"
    )


def is_active(kind: Kind, state: object) -> bool:
    return state_key(state) in ACTIVE_STATES[kind]


def is_terminal(kind: Kind, state: object) -> bool:
    """True when the state will not change without an operator action.

    Unknown states count as not terminal: the poller keeps watching them until they resolve to
    something this program understands.
    """
    key = state_key(state)
    return key in STATES[kind] and key not in ACTIVE_STATES[kind]
