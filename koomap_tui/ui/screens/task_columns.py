"""What every Real3D task table shows alike beyond the task's own fields: the watch mark, the
failure reason (short, and in full on `f`) and the ETA from the local history."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from koomap_tui.domain.policy import Kind
from koomap_tui.domain.states import state_info, state_key
from koomap_tui.services.fleet import ACTIVE_STATES
from koomap_tui.services.poller import PollUpdate
from koomap_tui.ui.format import fmt_duration, inert
from koomap_tui.ui.screens.unreadable import GLYPH, UnreadableRow
from koomap_tui.ui.themes import state_style
from koomap_tui.ui.widgets.virtual_table import Column

if TYPE_CHECKING:
    from koomap_tui.ui.app import KooMapApp
    from koomap_tui.ui.screens.listview import ListScreen as _ListScreen
else:
    _ListScreen = object  # a mixin: a list view's bindings come from the view itself

WATCH_MARK = "◉"
HISTORY_OFF = "history off"
HISTORY_KIND = Kind.REAL3D_TASK.value
FAIL_SHORT = 28  # cells of the reason the column shows; `f` shows the rest


def name_cell(app: KooMapApp, task: Any) -> Text:
    """The task's name, after the watch mark when the task is watched."""
    name = Text(inert(task.task_name))
    if task.task_id in app.watches:
        return Text(f"{WATCH_MARK} ", style="bold") + name
    return name


def short_reason(task: Any) -> str:
    message = " ".join((task.fail_message or "").split())
    if len(message) <= FAIL_SHORT:
        return message
    return message[: FAIL_SHORT - 1] + "…"


def eta_text(app: KooMapApp, task: Any) -> str:
    """Time left from the history's progress rate: "?" until it has samples enough, "—" once
    the task is not active; "history off" without a history."""
    history = app.ctx.history
    if history is None:
        return HISTORY_OFF
    if state_key(task.task_status) not in ACTIVE_STATES:
        return "—"
    at = history.eta_for(HISTORY_KIND, task.task_id)
    if at is None:
        return "?"
    return fmt_duration(max(0.0, at - history.clock()))


def eta_seconds(app: KooMapApp, task: Any) -> float:
    history = app.ctx.history
    at = history.eta_for(HISTORY_KIND, task.task_id) if history is not None else None
    return float("inf") if at is None else at


def monitoring_columns(app: KooMapApp) -> list[Column]:
    """The ETA and failure columns, shared by every task table. The failure reason goes first
    on a narrow terminal (highest priority), the ETA last. Without a history there is no ETA
    column (a column of "history off" would take the names' room): the summary says so."""
    eta = Column(
        "eta",
        "ETA",
        8,
        align="right",
        priority=1,
        render=lambda t: Text(eta_text(app, t)),
        sort_key=lambda t: eta_seconds(app, t),
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
    return [fail] if app.ctx.history is None else [eta, fail]  # fmt: skip


def row_counts(screen: Any, where: str = "") -> list[Text]:
    """ "rows 9: ✗ FAILED 1", "● RUNNING 2", …: the counts by state of the rows the filter
    shows, which add up to the number they follow ("rows 1 of 9" while a filter hides some).
    The label rides with the first state so it never ends a line alone."""
    table = screen.table
    shown = [table.get_row(k) for k in table.keys_in_order()]
    counts = Counter(state_key(r.task_status) for r in shown if not isinstance(r, UnreadableRow))
    hidden = table.total_row_count - len(shown)
    head = Text(f"rows {len(shown)}{f' of {table.total_row_count}' if hidden else ''}{where}:")
    variables = screen.app.theme_variables
    parts = []
    for state, n in sorted(counts.items()):
        info = state_info(Kind.REAL3D_TASK, state)
        parts.append(
            Text(f"{info.glyph} {inert(state)} {n}", style=state_style(variables, info.slug))
        )
    if len(shown) > counts.total():
        parts.append(Text(f"{GLYPH} unreadable {len(shown) - counts.total()}"))
    if parts:
        head.append_text(Text(" ") + parts.pop(0))
    return [head, *parts]


def server_counts(overview: Any) -> Text:
    """The server's own overview counts, labelled as its ("?" where it left one out): they
    count archived tasks the table may hide, and tasks by the server's buckets, not by state."""
    said = zip(
        ("total", "run", "ok", "fail", "arch"),
        (overview.total_count, overview.running_count, overview.success_count, overview.failed_count, overview.archived_count),
        strict=True,
    )  # fmt: skip
    return Text(
        "server: " + ", ".join(f"{k} {'?' if n is None else n}" for k, n in said), style="dim"
    )


def history_flag(app: KooMapApp) -> list[str]:
    """For the summary line's flags: what the table lacks without a history."""
    return ["no ETA: history off"] if app.ctx.history is None else []


class WatchMarks:
    """A task table shows the watch marks as they are when it comes back on top (`w` on the
    detail, or on another view, changed them)."""

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        super().on_screen_resume(event)  # type: ignore[misc]
        table = cast(Any, self).table  # the list view's, further along the MRO
        table.invalidate_rows(table.keys_in_order())


class OneWorkspace(_ListScreen):
    """A table of one workspace's tasks (Real3D or satellite): the view is that workspace's,
    and each poll brings the server's overview of it."""

    VIEW: ClassVar[str]  # the view key's prefix

    def __init__(self, workspace_id: str, workspace_name: str | None = None) -> None:
        super().__init__()
        self.workspace_id = workspace_id
        self.workspace_name = workspace_name or workspace_id
        self.view_key = f"{self.VIEW}:{workspace_id}"
        self.overview: Any = None

    def polled(self, update: PollUpdate[Any]) -> None:
        self.overview = update.meta.get("overview", self.overview)

    @property
    def include_archived(self) -> bool:
        return self.source is not None and bool(self.source.include_archived)

    def action_toggle_archived(self) -> None:
        if self.source is None:
            return
        self.source.include_archived = not self.source.include_archived
        self.source.force_full = True  # a source read incrementally reads whole again
        self.poller.refresh_now()
        self.update_summary()
        self.notify("archived tasks " + ("shown" if self.include_archived else "hidden"))


FAILURE_KEY = Binding("f", "failure", "Failure reason")


class FailureDialog(ModalScreen[None]):
    """The full failure reason of one task; Esc, Enter or `f` closes it."""

    DEFAULT_CSS = """
    FailureDialog { align: center middle; background: $background 60%; }
    FailureDialog > #dialog {
        width: 76; max-width: 95%; height: auto; max-height: 90%;
        padding: 1 2; border: thick $error; background: $surface;
    }
    FailureDialog #title { text-style: bold; margin-bottom: 1; }
    FailureDialog #hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "dismiss_dialog", "Close"),
        Binding("enter", "dismiss_dialog", "Close", show=False),
        Binding("f", "dismiss_dialog", "Close", show=False),
    ]

    def __init__(self, name: str, message: str) -> None:
        super().__init__()
        self.task_name = name
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"Failure of {inert(self.task_name)}", id="title", markup=False)
            yield Static(inert(self.message), id="message", markup=False)
            yield Static("esc close", id="hint", markup=False)

    def action_dismiss_dialog(self) -> None:
        self.dismiss(None)


def show_failure(screen: Any, task: Any) -> None:
    """`f`: the full reason of the task under the cursor, or why there is none."""
    if task is None:
        screen.notify("no task selected", severity="warning")
        return
    if not task.fail_message:
        screen.notify(f"{inert(task.task_name)} has no failure reason", severity="information")
        return
    screen.app.push_screen(FailureDialog(task.task_name or task.task_id, task.fail_message))
