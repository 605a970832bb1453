"""Every field of one refinement subtask, untruncated (its model_path and fail_message are
longer than any table column)."""

from __future__ import annotations

from rich.text import Text

from koomap_tui.api.models import Real3DSubTask
from koomap_tui.domain.states import state_key
from koomap_tui.ui.format import fmt_percent, fmt_time, inert


def subtask_card(sub: Real3DSubTask, product_state: str) -> Text:
    """`product_state`: the state of its refined product as far as it is known."""
    rows = [
        ("Name", sub.subtask_name),
        ("Id", sub.subtask_id),
        ("State", state_key(sub.subtask_status)),
        ("Progress", fmt_percent(sub.subtask_progress)),
        ("Model path", sub.model_path or "—"),
        ("Refined product", f"{sub.refine_product_id or '—'} ({product_state})"),
        ("Created", f"{fmt_time(sub.create_time)} by {sub.creator or '—'}"),
        ("Updated", f"{fmt_time(sub.update_time)} by {sub.latest_operator or '—'}"),
        ("Started", fmt_time(sub.exec_start_time)),
        ("Stopped", fmt_time(sub.exec_stop_time)),
        ("Failure", sub.fail_message or "—"),
    ]
    text = Text()
    for label, value in rows:
        text.append(f"{label:<16}", style="bold")
        text.append(f"{inert(value)}\n")
    return text
