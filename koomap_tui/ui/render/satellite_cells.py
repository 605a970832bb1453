"""The cells of the satellite task table, and the cursor task's long fields under it."""

from __future__ import annotations

from rich.text import Text

from koomap_tui.api.models import SatelliteTask
from koomap_tui.domain.states import state_key
from koomap_tui.ui.format import inert


def flag(value: bool | None) -> str:
    return "—" if value is None else ("1" if value else "0")


def data_cell(task: SatelliteTask) -> Text:
    alias = inert(task.origin_data_alias) if task.origin_data_alias else ""
    ids = inert(task.data_id or "")
    if alias and ids:
        return Text(f"{alias} · {ids}")
    return Text(alias or ids or "—")


def detail_text(task: SatelliteTask) -> Text:
    """What does not fit the table: ids, creator, data, shape, product, frozen, failure."""
    text = Text(no_wrap=False)
    text.append(f"{task.task_id}", style="bold")
    text.append(f" · {state_key(task.task_type) if task.task_type else 'ORSIP'}")
    if task.creator:
        text.append(f" · by {inert(task.creator)}")
    text.append(f" · data {inert(task.data_id or '—')}")
    if task.shape_id:
        text.append(f" · shape {inert(task.shape_id)}")
    if task.task_description:
        text.append(f" · {inert(task.task_description)}", style="italic")
    if task.image_url:
        text.append(f"\nproduct: {inert(task.image_url)}")
    if task.frozen:
        text.append("\nFROZEN: the task is frozen (e.g. the account is frozen)", style="bold")
    if task.fail_message:
        text.append(f"\nfailed: {inert(task.fail_message)}", style="bold red")
    return text
