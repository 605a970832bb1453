"""Names for the ids an audit record targets: the audit log keeps ids only, the operator reads
names. Taken from the rows the console holds, else from the local history; never asked of
the API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from koomap_tui.services.history import HistoryStore
from koomap_tui.services.poller import Poller

#: (id attribute, name attribute) of the rows the console polls: what names an audited id.
NAMED = (
    ("task_id", "task_name"),
    ("subtask_id", "subtask_name"),
    ("workspace_id", "workspace_name"),
    ("folder_code", "folder_name"),
    ("image_id", "image_name"),
    ("id", "name"),
)


def known_names(rows: Iterable[object]) -> dict[str, str]:
    """The name of every id the rows carry (the first name seen wins)."""
    names: dict[str, str] = {}
    for row in rows:
        for id_attr, name_attr in NAMED:
            key, name = getattr(row, id_attr, None), getattr(row, name_attr, None)
            if isinstance(key, str) and isinstance(name, str) and name:
                names.setdefault(key, name)
    return names


def session_names(
    pollers: Iterable[Poller[Any]], watched: Iterable[tuple[str, str]]
) -> dict[str, str]:
    """Names of the ids the console has seen this session: every poller's rows, then the
    watched tasks' (id, name)."""
    names = known_names(item for poller in list(pollers) for item in list(poller.items.values()))
    for task_id, name in watched:
        names.setdefault(task_id, name)
    return names


def history_names(store: HistoryStore, ids: Iterable[str], limit: int) -> dict[str, str]:
    """The name the local history last kept for each of the first `limit` ids (in sorted
    order); a query per id, so call it off the event loop."""
    found: dict[str, str] = {}
    for item_id in sorted(ids)[:limit]:
        rows = store.transitions(item_id=item_id, limit=1)
        if rows and rows[0].name:
            found[item_id] = rows[0].name
    return found
