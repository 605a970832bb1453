"""A failing audit log is seen on screen, refuses changes, and can be retried (issue 12, §2.6)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from koomap_tui.services.audit import AuditLog
from koomap_tui.sim.server import SimServer
from koomap_tui.ui.app import KooMapApp
from koomap_tui.ui.widgets.dialogs import ConfirmDialog
from tests.ui.conftest import make_context
from tests.ui.helpers import notices, open_workspace, screen_text, select, wait_for

EAST = "survey_east_2024"
TASK = "east_block_fine"  # RUNNING in the demo scenario
BANNER = "AUDIT LOG FAILING"


async def _stop(pilot: Any) -> None:
    await pilot.press("x")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
    await pilot.press("y")


async def test_audit_failing_mid_session_shows_a_banner_refuses_changes_and_r_retries(
    sim: SimServer, tmp_path: Path
) -> None:
    folder = tmp_path / "audit"
    folder.mkdir()
    audit = AuditLog(folder / "audit.jsonl")
    ctx = make_context(sim, tmp_path)
    ctx.runner.audit = audit
    app = KooMapApp(dataclasses.replace(ctx, audit=audit))
    async with app.run_test(size=(200, 40)) as pilot:
        await open_workspace(pilot, EAST)
        key = await select(pilot, TASK)
        path = f"/v1/real3d/{app.screen.workspace_id}/tasks/{key}/stop"
        assert BANNER not in screen_text(pilot)

        # The audit file's folder becomes a file: no write can succeed (root or not).
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()
        folder.write_text("not a folder")

        await _stop(pilot)
        await wait_for(pilot, lambda: BANNER in screen_text(pilot))
        assert "press r to retry" in screen_text(pilot)
        assert sim.request_log.count(path, method="POST") == 0  # never sent unaudited

        await pilot.press("x")  # refused, with the reason, without asking
        await wait_for(pilot, lambda: any("audit log failing" in n for n in notices(pilot)))
        assert not isinstance(app.screen, ConfirmDialog)

        await pilot.press("r")  # still failing: the banner stays
        await wait_for(pilot, lambda: any("still failing" in n for n in notices(pilot)))
        assert BANNER in screen_text(pilot)

        folder.unlink()
        folder.mkdir()
        await pilot.press("r")
        await wait_for(pilot, lambda: BANNER not in screen_text(pilot))
        assert any("writable again" in n for n in notices(pilot))

        await _stop(pilot)
        await wait_for(pilot, lambda: sim.request_log.count(path, method="POST") == 1)
    records = (folder / "audit.jsonl").read_text()
    assert '"intent"' in records and "StopReal3DTask" in records
