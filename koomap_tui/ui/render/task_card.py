"""The task detail's text, built from models: every field of one Real3D task, what it is
linked to (image set, products) and its timeline from the local history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table
from rich.text import Text

from koomap_tui.api.models import Real3DTask
from koomap_tui.domain.policy import Kind
from koomap_tui.domain.states import state_info, state_key
from koomap_tui.services.history import TimelineEntry
from koomap_tui.services.task_links import TaskLinks
from koomap_tui.ui.format import (
    duration_between,
    fmt_duration,
    fmt_epoch,
    fmt_percent,
    fmt_time,
    inert,
    progress_bar,
)
from koomap_tui.ui.themes import theme_style
from koomap_tui.ui.widgets.state_text import state_cell

Variables = Mapping[str, str]  # the app's theme variables


def state_words(kind: Kind, state: object) -> str:
    """ "2 ready": the API's own value and what it means."""
    key = state_key(state)
    label = state_info(kind, key).label_en
    return key if label.lower() == key.lower() else f"{key} {label}"


def _bar(value: float | None) -> Text:
    return Text(f"{progress_bar(value, 30)} {fmt_percent(value)}")


def task_card(
    t: Real3DTask,
    variables: Variables,
    *,
    pending: str | None,
    gone: bool,
    subtasks: str,
    doubt: str | None = None,
) -> Table:
    """Every field of the task, a row each; `pending` is the verb of an action in flight,
    `doubt` the warning of one whose outcome is unknown and which changed nothing seen."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()

    def row(label: str, value: Any) -> None:
        grid.add_row(label, value if isinstance(value, Text) else Text(inert(value)))

    state = state_cell(Kind.REAL3D_TASK, state_key(t.task_status), variables)
    if pending is not None:
        state.append(f"   ⏳ {pending}", style="bold")
    if doubt is not None:
        state.append(f" ⚠ {doubt}", style=theme_style(variables, "warning", bold=True))
    if gone:
        state = Text("deleted (no longer listed)", style=theme_style(variables, "error"))
    row("Name", t.task_name)
    row("Id", t.task_id)
    row("State", state)
    row("Description", t.task_description or "—")
    row("Task type", state_key(t.task_type))
    row("Modeling type", state_key(t.modeling_type))
    row("Coordinate sys", t.coordinate_sys or "WGS84-UTM")
    row("Image set", t.folder_code or "— (none bound: cannot start)")
    row("Has spurs", "yes" if t.has_marker else "no")
    row("Progress", _bar(t.task_progress))
    row("Stages", f"{t.complete_stage or 0}/{t.total_stage}" if t.total_stage else "—")
    if state_key(t.task_type) == "REAL3D-CTRL":
        row("AT progress", _bar(t.at_progress))
    mp = t.modeling_params
    if mp is not None:
        row(
            "Modeling params",
            f"accuracy {state_key(mp.accuracy)} · key points {mp.key_point_limit}"
            f" · tie points {mp.tie_point_limit} · mesh quality {mp.mesh_accuracy}",
        )
    row("Created", f"{fmt_time(t.create_time)} by {inert(t.creator) or '—'}")
    row("Updated", f"{fmt_time(t.update_time)} by {inert(t.latest_operator) or '—'}")
    row("Started", fmt_time(t.exec_start_time))
    row("Stopped", fmt_time(t.exec_stop_time))
    running = duration_between(t.exec_start_time, t.exec_stop_time, updated=t.update_time)
    row("Duration", fmt_duration(running))
    row("Subtasks", subtasks)
    if t.fail_message:
        row("Failure", Text(inert(t.fail_message), style=theme_style(variables, "error")))
    return grid


def links_text(t: Real3DTask, links: TaskLinks | None, error: str | None) -> Text:
    """The image set (name and state) and the products made from the task; `links` None:
    not read yet, or `error` says why it could not be."""
    if not t.folder_code:
        image_set = "— (none bound)"
    elif links is None:
        image_set = error or "…"
    elif links.folder is None:
        image_set = f"{inert(t.folder_code)} (not found)"
    else:
        folder = links.folder
        shown = inert(folder.folder_name or folder.folder_code)
        image_set = f"{shown} · {state_words(Kind.FOLDER, folder.status)}"
    if links is None:
        products = error or "…"
    elif not links.products:
        products = "none yet"
    else:
        products = ", ".join(
            f"{inert(p.name or p.id)} · {state_words(Kind.PRODUCT, p.status)}"
            for p in links.products
        )
    return Text.assemble(
        ("Image set  ", "bold"),
        image_set,
        ("   (i: show in :images)\n", "dim"),
        ("Products   ", "bold"),
        products,
        ("   (P: show in :images)", "dim"),
    )


def timeline_table(
    entries: list[TimelineEntry] | None, unavailable: str | None, variables: Variables
) -> Table | Text:
    """The task's states and stages, oldest first; `entries` None: not read yet, or
    `unavailable` says why it cannot be ("history off")."""
    if unavailable is not None:
        return Text(f"Timeline: {unavailable}", style="dim")
    if entries is None:
        return Text("Timeline: …", style="dim")
    if not entries:
        return Text("Timeline: nothing observed yet", style="dim")
    table = Table(title="Timeline", title_justify="left", box=None, padding=(0, 1))
    table.add_column("State", no_wrap=True)
    table.add_column("Stage", justify="right")
    table.add_column("From (UTC)", no_wrap=True)
    table.add_column("To (UTC)", no_wrap=True)
    table.add_column("Duration", justify="right")
    for entry in entries:
        table.add_row(
            # The API's own word, as the task table shows it (narrow enough for 80 columns).
            state_cell(Kind.REAL3D_TASK, entry.state, variables, words=inert(entry.state)),
            f"{entry.stage}/{entry.total_stage}" if entry.total_stage else "—",
            fmt_epoch(entry.start),
            fmt_epoch(entry.end) if entry.end is not None else "now",
            fmt_duration(entry.duration),
        )
    return table
