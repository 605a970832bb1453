"""Tolerance mode (issue 12 §13): the simulator sends the variations the SDK's types allow, and
the client reads every list the console shows without losing a row it could understand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from koomap_tui.api.models import Real3DTaskStatus
from koomap_tui.domain.policy import Kind, Op, check
from koomap_tui.domain.states import state_info
from koomap_tui.services.sources import Real3DTaskSource, SatelliteTaskSource, WorkspaceSource
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tolerance import EXTRA_FIELD, UNKNOWN_SUFFIX
from tests.api.support import make_client


@pytest.fixture(scope="module")
def tolerant() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0, qps_limit=0, tolerance=True) as sim:
        yield sim


def raw(sim: SimServer, path: str, **params: Any) -> Any:
    with httpx.Client(base_url=sim.base_url, headers={"X-Auth-Token": sim.demo_token}) as c:
        return c.get(path, params=params).json()


def all_tasks(sim: SimServer) -> list[tuple[str, dict[str, Any]]]:
    rows = []
    for ws in raw(sim, "/v1/workspaces", limit=100)["data"]:
        page = raw(sim, f"/v1/real3d/{ws['workspace_id']}/tasks", limit=100)
        rows += [(ws["workspace_id"], t) for t in page["tasks"]]
    return rows


def test_the_wire_really_carries_the_variations(tolerant: SimServer) -> None:
    page = raw(tolerant, "/v1/workspaces", limit=100)
    assert isinstance(page["page"]["total"], str) and EXTRA_FIELD in page
    rows = [t for _, t in all_tasks(tolerant)]
    assert all(EXTRA_FIELD in t for t in rows)
    assert any(t["task_status"].endswith(UNKNOWN_SUFFIX) for t in rows)
    assert any(t.get("modeling_params") == {} for t in rows)
    assert any(isinstance(t.get("complete_stage"), str) for t in rows)
    assert any(t.get("task_progress") == "1.05" for t in rows)
    ws = page["data"][0]["workspace_id"]
    overview = raw(tolerant, f"/v1/real3d/{ws}/tasks/overview")
    assert None in overview.values() and isinstance(overview["total_count"], str)


async def test_the_client_reads_every_list_without_losing_a_row(tolerant: SimServer) -> None:
    wire_rows = all_tasks(tolerant)
    async with make_client(tolerant) as client:
        workspaces = await WorkspaceSource(client).fetch(None)
        assert workspaces.items and not workspaces.meta["bad_rows"]
        seen: dict[str, Any] = {}
        for ws in workspaces.items:
            got = await Real3DTaskSource(client, ws).fetch(None)
            assert not got.meta["bad_rows"], got.meta["bad_rows"]
            seen.update(got.items)
            sat = await SatelliteTaskSource(client, ws).fetch(None)
            assert not sat.meta["bad_rows"]
            await client.show_task_overview(ws)
            overview = await client.show_task_overview_in_workspace(ws)
            assert not overview.complete  # one count is null: unknown, not zero
        assert set(seen) == {t["task_id"] for _, t in wire_rows}
        for folder_page in [await client.list_folder(limit=100)]:
            assert not folder_page.bad_rows
        for listing in (
            await client.list_real3d_products(limit=100),
            await client.list_real3d_refine_products(limit=100),
            await client.list_image_base_info(limit=100),
            await client.list_usage_info("TASK", limit=100),
        ):
            assert not listing.bad_rows
        await client.show_real3d_usage("REAL3D")
    unknown = [t for t in seen.values() if str(t.task_status).endswith(UNKNOWN_SUFFIX)]
    assert unknown, "the tolerance mode must send an unknown state"
    for task in unknown:
        assert not isinstance(task.task_status, Real3DTaskStatus)
        assert state_info(Kind.REAL3D_TASK, task.task_status).glyph == "?"
        decision = check(Kind.REAL3D_TASK, task.task_status, Op.STOP)
        assert not decision.allowed and "unknown state" in (decision.reason or "")
    flagged = [t for t in seen.values() if t.progress_flags]
    assert flagged and all(t.task_progress == pytest.approx(1.05) for t in flagged)


async def test_admin_switch_turns_tolerance_on_and_off(tolerant: SimServer) -> None:
    with httpx.Client(base_url=tolerant.base_url) as admin:
        assert admin.post("/_sim/tolerance", json={"enabled": False}).json() == {"tolerance": False}
        try:
            page = raw(tolerant, "/v1/workspaces", limit=100)
            assert isinstance(page["page"]["total"], int) and EXTRA_FIELD not in page
            assert admin.get("/_sim/status").json()["tolerance"] is False
        finally:
            admin.post("/_sim/tolerance", json={"enabled": True})
    assert EXTRA_FIELD in raw(tolerant, "/v1/workspaces")
