"""The cells of the Real3D task tables: the task's own fields, the watch mark, the failure
reason (short; `f` shows it in full) and the ETA from the local history, and the counts of the
summary line."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping
from typing import Any

from rich.text import Text

from koomap_tui.domain.policy import Kind
from koomap_tui.domain.states import state_info, state_key
from koomap_tui.services.fleet import ACTIVE_STATES
from koomap_tui.services.history import HistoryStore
from koomap_tui.ui.format import duration_between, fmt_duration, fmt_percent, fmt_time, inert
from koomap_tui.ui.render.unreadable import GLYPH
from koomap_tui.ui.themes import state_style
from koomap_tui.ui.widgets.progress import progress_cell
from koomap_tui.ui.widgets.virtual_table import Column

WATCH_MARK = "◉"
HISTORY_OFF = "history off"
HISTORY_KIND = Kind.REAL3D_TASK.value
FAIL_SHORT = 28  # cells of the reason the column shows; `f` shows the rest
#: What only one workspace's table has room for: a table of several has a Workspace column.
ONE_WORKSPACE_ONLY = frozenset({"at", "modeling", "type", "created", "duration"})


def name_cell(watches: Container[str], task: Any) -> Text:
    """The task's name, after the watch mark when the task is watched."""
    name = Text(inert(task.task_name))
    if task.task_id in watches:
        return Text(f"{WATCH_MARK} ", style="bold") + name
    return name


def short_reason(task: Any) -> str:
    message = " ".join((task.fail_message or "").split())
    if len(message) <= FAIL_SHORT:
        return message
    return message[: FAIL_SHORT - 1] + "…"


def eta_text(history: HistoryStore | None, task: Any) -> str:
    """Time left from the history's progress rate: "?" until it has samples enough, "—" once
    the task is not active; "history off" without a history."""
    if history is None:
        return HISTORY_OFF
    if state_key(task.task_status) not in ACTIVE_STATES:
        return "—"
    at = history.eta_for(HISTORY_KIND, task.task_id)
    if at is None:
        return "?"
    return fmt_duration(max(0.0, at - history.clock()))


def eta_seconds(history: HistoryStore | None, task: Any) -> float:
    at = history.eta_for(HISTORY_KIND, task.task_id) if history is not None else None
    return float("inf") if at is None else at


def monitoring_columns(history: HistoryStore | None) -> list[Column]:
    """The ETA and failure columns, shared by every task table. The failure reason goes first
    on a narrow terminal (highest priority), the ETA last. Without a history there is no ETA
    column (a column of "history off" would take the names' room): the summary says so."""
    eta = Column(
        "eta",
        "ETA",
        8,
        align="right",
        priority=1,
        render=lambda t: Text(eta_text(history, t)),
        sort_key=lambda t: eta_seconds(history, t),
    )
    fail = Column(
        "fail",
        "Failure",
        FAIL_SHORT,
        min_width=10,
        priority=9,
        render=lambda t: Text(inert(short_reason(t)), style="red"),
        sort_key=lambda t: t.fail_message or "",
    )
    return [fail] if history is None else [eta, fail]  # fmt: skip


def history_flag(history: HistoryStore | None) -> list[str]:
    """For the summary line's flags: what the table lacks without a history."""
    return ["no ETA: history off"] if history is None else []


def _num(value: Any) -> float:
    return float(value) if value is not None else -1.0


def _stage(task: Any) -> Text:
    return Text(f"{task.complete_stage or 0}/{task.total_stage}" if task.total_stage else "—")


def _run_time(t: Any) -> float | None:
    return duration_between(t.exec_start_time, t.exec_stop_time, updated=t.update_time)


def task_columns(
    watches: Container[str],
    history: HistoryStore | None,
    state_cell: Callable[[Any], Text],
    ws_name: Callable[[Any], str] | None = None,
) -> list[Column]:
    """A task table's columns; with `ws_name` (a table of several workspaces) the Workspace
    column, in the room of the columns only one workspace's table has."""
    skip = ONE_WORKSPACE_ONLY if ws_name is not None else {"workspace"}
    ws = ws_name or str
    return [c for c in [
        Column("name", "Name", 22, min_width=14, max_width=40, render=lambda t: name_cell(watches, t), sort_key=lambda t: (t.task_name or "").lower()),
        Column("workspace", "Workspace", 14, min_width=8, max_width=24, render=lambda t: Text(inert(ws(t))), sort_key=lambda t: ws(t).lower()),
        Column("state", "State", 16, render=state_cell, sort_key=lambda t: state_key(t.task_status)),
        Column("progress", "Progress", 15, render=lambda t: progress_cell(t.task_progress, 10), sort_key=lambda t: _num(t.task_progress)),
        Column("stage", "Stage", 6, align="right", render=_stage, sort_key=lambda t: (t.complete_stage or 0, t.total_stage or 0)),
        Column("at", "AT", 5, align="right", priority=4, render=lambda t: Text(fmt_percent(t.at_progress)), sort_key=lambda t: _num(t.at_progress)),
        Column("modeling", "Model", 5, priority=5, render=lambda t: Text(inert(state_key(t.modeling_type)))),
        Column("type", "Type", 6, priority=6, render=lambda t: Text(inert(state_key(t.task_type)).replace("REAL3D-", ""))),
        Column("created", "Created", 16, priority=7, render=lambda t: Text(fmt_time(t.create_time)), sort_key=lambda t: t.create_time.timestamp() if t.create_time else 0),
        Column("updated", "Updated", 16, priority=2, render=lambda t: Text(fmt_time(t.update_time)), sort_key=lambda t: t.update_time.timestamp() if t.update_time else 0),
        Column("duration", "Duration", 8, align="right", priority=3, render=lambda t: Text(fmt_duration(_run_time(t))), sort_key=lambda t: _run_time(t) or 0),
        *monitoring_columns(history),
    ] if c.key not in skip]  # fmt: skip


def state_counts(
    head: str, counts: Mapping[str, int], unreadable: int, variables: dict[str, str]
) -> list[Text]:
    """`head` ("rows 9") and each state's count ("✗ FAILED 1", …) in the state's colour, and
    the unreadable rows' (the counts add up to the rows). The head rides with the first count
    so it never ends a line alone."""
    parts = []
    for state, n in sorted(counts.items()):
        info = state_info(Kind.REAL3D_TASK, state)
        parts.append(
            Text(f"{info.glyph} {inert(state)} {n}", style=state_style(variables, info.slug))
        )
    if unreadable:
        parts.append(Text(f"{GLYPH} unreadable {unreadable}"))
    first = Text(f"{head}:" if parts else head)
    if parts:
        first.append_text(Text(" ") + parts.pop(0))
    return [first, *parts]


def server_said(said: Iterable[tuple[str, int | None]], sep: str = ", ") -> Text:
    """Counts the server gave, labelled as its ("?" where it left one out)."""
    return Text(
        "server: " + sep.join(f"{k} {'?' if n is None else n}" for k, n in said), style="dim"
    )


def server_counts(overview: Any) -> Text:
    """A workspace's Real3D overview counts: they count archived tasks the table may hide, and
    tasks by the server's buckets, not by state."""
    o = overview
    said = zip(
        ("total", "run", "ok", "fail", "arch"),
        (o.total_count, o.running_count, o.success_count, o.failed_count, o.archived_count),
        strict=True,
    )
    return server_said(said)
