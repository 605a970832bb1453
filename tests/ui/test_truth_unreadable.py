"""One row the console cannot read is shown marked, never blanks the table, and is never acted
on (issue 12, §3.8). The simulator sends `task_progress: "abc"` for one task."""

from __future__ import annotations

import json
from typing import Any

import pytest

from koomap_tui.sim import records
from koomap_tui.sim.server import SimServer
from koomap_tui.ui.tablekit import all_rows
from tests.ui.helpers import notices, open_workspace, screen_text, table, wait_for

EAST = "survey_east_2024"
BAD = "east_block_fine"  # RUNNING: stop would be offered if the row were read


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch) -> None:
    original = records.Real3DTask.to_bytes

    def to_bytes(self: records.Real3DTask, now: float) -> bytes:
        data = original(self, now)
        if self.name != BAD:
            return data
        row = json.loads(data)
        row["task_progress"] = "abc"
        return json.dumps(row).encode()

    monkeypatch.setattr(records.Real3DTask, "to_bytes", to_bytes)


async def test_one_unreadable_task_is_shown_marked_and_refuses_every_action(
    make_app: Any, sim: SimServer, hostile: None
) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await open_workspace(pilot, EAST)
        await wait_for(pilot, lambda: "unreadable: task_progress" in screen_text(pilot))
        rows = all_rows(table(pilot))
        good = [r for r in rows if getattr(r, "task_name", None) and r.task_name != BAD]
        assert len(good) == len(rows) - 1 >= 3  # every other task is there
        line = next(ln for ln in screen_text(pilot).splitlines() if "unreadable:" in ln)
        assert "⚠" in line

        key = next(k for k in table(pilot).keys_in_order() if k not in {r.task_id for r in good})
        assert table(pilot).move_cursor_to_key(key)
        await pilot.pause()
        for name in ("stop", "start", "delete", "archive", "update"):
            assert not app.screen.gate(name).decision.allowed
            assert "unreadable" in (app.screen.gate(name).decision.reason or "")
        await pilot.press("x")
        await wait_for(pilot, lambda: any("unreadable" in n for n in notices(pilot)))
        stop = f"/v1/real3d/{app.screen.workspace_id}/tasks/{key}/stop"
        assert sim.request_log.count(stop, method="POST") == 0
