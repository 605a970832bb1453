"""Shared steps for Pilot tests: wait for data, open a workspace, find rows, read notices."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from koomap_tui.ui.tablekit import all_rows
from koomap_tui.ui.widgets.virtual_table import VirtualTable


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 8.0) -> None:
    """Pause until `condition()` holds; fail with a clear message after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.05)


def table(pilot: Pilot[Any]) -> VirtualTable:
    return pilot.app.screen.query_one(VirtualTable)


async def open_workspace(pilot: Pilot[Any], name: str) -> None:
    """From the workspaces screen, put the cursor on `name` and press Enter."""
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "WorkspacesScreen")
    await wait_for(pilot, lambda: table(pilot).total_row_count > 0)
    key = next(w.workspace_id for w in all_rows(table(pilot)) if w.workspace_name == name)
    assert table(pilot).move_cursor_to_key(key)
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "TasksScreen")
    await wait_for(pilot, lambda: table(pilot).total_row_count > 0)


def task_key(pilot: Pilot[Any], name: str) -> str:
    return next(t.task_id for t in all_rows(table(pilot)) if t.task_name == name)


def task_state(pilot: Pilot[Any], name: str) -> str:
    task = next(t for t in all_rows(table(pilot)) if t.task_name == name)
    return str(getattr(task.task_status, "value", task.task_status))


async def select(pilot: Pilot[Any], name: str) -> str:
    key = task_key(pilot, name)
    assert table(pilot).move_cursor_to_key(key)
    await pilot.pause()
    return key


def notices(pilot: Pilot[Any]) -> list[str]:
    return [f"{title}: {message}" for title, message in pilot.app.recent_notices]


def screen_text(pilot: Pilot[Any]) -> str:
    """What the operator sees, as plain text (for assertions on words, not colours)."""
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)
