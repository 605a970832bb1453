"""Every KooMap operation through KooMapClient against the simulator, once per auth scheme."""

from __future__ import annotations

import pytest

from koomap_tui.api import models as m
from koomap_tui.api.client import OPERATIONS, KooMapClient
from koomap_tui.sim.server import SimServer
from tests.api.support import (
    PRODUCT_PREPARE,
    REAL3D_AT_RUN,
    REAL3D_FULL_RUN,
    SAT_FULL_RUN,
    STOPPING,
    SUB_FULL_RUN,
    make_client,
    new_workspace,
    ready_folder,
    ready_mss_image,
    sat_create,
    unique,
)


async def _task_status(client: KooMapClient, ws: str, task_id: str) -> str:
    found = await client.list_tasks_in_workspace(ws, task_ids=[task_id])
    assert [t.task_id for t in found.tasks] == [task_id]
    return str(found.tasks[0].task_status)


async def _workspaces_and_real3d(client: KooMapClient, sim: SimServer) -> None:
    ws = await new_workspace(client, "ops_ws")
    listed = await client.list_common_workspace(workspace_ids=[ws])
    assert [w.workspace_id for w in listed.data] == [ws]
    updated = await client.update_common_workspace(
        ws, m.WorkspaceUpdate(workspace_description="contract_test")
    )
    assert updated.workspace_description == "contract_test"

    folder = await ready_folder(client)
    task = await client.create_real3d_task(
        ws,
        m.Real3DTaskCreate(
            task_name=unique("nerf_ctrl"),
            task_type=m.Real3DTaskType.CTRL,
            modeling_type=m.ModelingType.NERF,
            folder_code=folder,
        ),
    )
    assert task.task_status == "INIT"
    tid = task.task_id
    task = await client.update_real3d_task(ws, tid, m.Real3DTaskUpdate(task_description="v2"))
    assert task.task_description == "v2"
    overview = await client.show_task_overview_in_workspace(ws)
    assert overview.total_count == 1

    # controlled modelling: AT-only run, spurs, marker file, full run
    started = await client.start_real3d_task(ws, tid, run_at_only=True)
    assert started.task_status == "PENDING"
    sim.advance(REAL3D_AT_RUN)
    assert await _task_status(client, ws, tid) == "BUNDLE_SUCCESS"
    spur = await client.add_spur_point(
        m.SpurInfo(
            image_code="1790000000000000001",
            task_id=tid,
            point_width="5120.5",
            point_height="3311.25",
            longitude="114.0578123",
            latitude="22.5431456",
            height="41.200",
            accuracy="0.05",
        )
    )
    spurs = await client.list_spur_points(tid, "1790000000000000001")
    assert [s.id for s in spurs.spur_infos] == [spur.id]
    count = await client.show_spur_count(
        m.SpurCountQuery(
            task_id=tid,
            longitude="114.0578123",
            latitude="22.5431456",
            height="41.2",
            accuracy="0.05",
        )
    )
    assert count.count == 1
    assert await client.create_marker_info(tid) is True
    assert await client.delete_spur_point(spur.id) is True
    await client.start_real3d_task(ws, tid)
    sim.advance(REAL3D_FULL_RUN + PRODUCT_PREPARE)
    assert await _task_status(client, ws, tid) == "SUCCESS"

    # refinement subtask through its upload states, a stop, a full run
    sub = await client.create_real3d_subtask(ws, tid, unique("refine"))
    sid = sub.subtask_id
    for status in ("UPLOADING", "UPLOAD_SUCCESS"):
        sub = await client.sim_update_subtask_upload_status(ws, tid, sid, status)
        assert sub.subtask_status == status
    assert (await client.start_real3d_subtask(ws, tid, sid)).subtask_status == "PENDING"
    assert await client.stop_real3d_subtask(ws, tid, sid) is True
    await client.start_real3d_subtask(ws, tid, sid)
    sim.advance(SUB_FULL_RUN + PRODUCT_PREPARE)
    subs = await client.list_real3d_subtasks(ws, tid, subtask_id=sid)
    assert [s.subtask_status for s in subs.subtasks] == ["SUCCESS"]

    refined = await client.list_real3d_refine_products(
        refine_product_id=subs.subtasks[0].refine_product_id
    )
    assert [p.status for p in refined.refine_products] == ["available"]
    assert await client.delete_real3d_refine_product(refined.refine_products[0].id) is True
    assert await client.delete_real3d_subtask(ws, tid, sid) is True

    products = [
        p
        async for p in client.paginate(client.list_real3d_products)
        if p.task_info is not None and p.task_info.task_id == tid
    ]
    assert len(products) == 1 and products[0].status == "available"
    assert await client.delete_real3d_product(products[0].id) is True

    archived = await client.update_real3d_task_archived_status(ws, tid, True)
    assert archived.task_status == "ARCHIVED"
    restored = await client.update_real3d_task_archived_status(ws, tid, False)
    assert restored.task_status == "SUCCESS"

    other = await client.create_real3d_task(
        ws, m.Real3DTaskCreate(task_name=unique("mesh"), folder_code=folder)
    )
    await client.start_real3d_task(ws, other.task_id)
    assert await client.stop_real3d_task(ws, other.task_id) is True
    assert await _task_status(client, ws, other.task_id) == "INIT"
    assert await client.delete_real3d_task(ws, other.task_id) is True
    assert await client.delete_real3d_task(ws, tid) is True

    for usage_type in ("REAL3D", "DATA"):
        usage = await client.show_real3d_usage(usage_type)
        assert usage.data
    assert await client.delete_common_workspace(ws) is True


async def _satellite(client: KooMapClient, sim: SimServer) -> None:
    ws = await new_workspace(client, "sat_ws")
    image = await ready_mss_image(client)
    checked = await client.validate_image(
        m.ImageCheckRequest(
            data_ids=[image.image_id],
            production_level="L2",
            task_name="check",
            coordination="WGS84",
        )
    )
    assert [c.error_message for c in checked] == [None]
    name = checked[0].name
    assert name

    first = await client.create_task(sat_create(ws, image, name))
    assert first.task_status == "INIT"
    assert await client.start_task(first.task_id) is True
    assert await client.stop_task(first.task_id) is True
    sim.advance(STOPPING)
    second = await client.create_task(sat_create(ws, image, name))
    assert await client.start_task(second.task_id) is True
    sim.advance(SAT_FULL_RUN)

    listed = await client.list_task_info(ws, limit=100)
    states = {t.task_id: t.task_status for t in listed.data}
    assert states == {first.task_id: "STOP_SUCCESS", second.task_id: "SUCCESS"}
    assert listed.task_num_vo is not None
    overview = await client.show_task_overview(ws)
    assert overview.total == 2

    assert await client.delete_task(first.task_id) is True
    assert await client.update_task_archived_status(second.task_id, True) is True
    archived = await client.list_task_info(ws, task_status=["ARCHIVED"])
    assert [t.task_id for t in archived.data] == [second.task_id]
    assert await client.update_task_archived_status(second.task_id, False) is True
    assert (await client.list_task_info(ws)).page.total == 1

    usage = await client.list_usage_info("TASK")
    assert usage.page.total >= 0


@pytest.mark.parametrize("auth", ["iam", "aksk"])
async def test_every_operation(sim: SimServer, auth: str) -> None:
    async with make_client(sim, auth) as client:
        with client.capture_request_ids() as ids:
            await _workspaces_and_real3d(client, sim)
            await _satellite(client, sim)
    called = set(client.stats.per_operation)
    assert called == {op.operation_id for op in OPERATIONS.values()}
    assert client.stats.errors == 0
    assert len(ids) == client.stats.requests
    assert all(len(i) == 32 for i in ids)


async def test_paginate_matches_one_big_page(sim: SimServer) -> None:
    async with make_client(sim) as client:
        whole = await client.list_common_workspace(limit=100)
        assert 3 < whole.page.total <= 100
        walked = [
            w.workspace_id async for w in client.paginate(client.list_common_workspace, page_size=3)
        ]
        images = await client.list_image_base_info(limit=100)
        walked_images = [
            i.image_id async for i in client.paginate(client.list_image_base_info, page_size=7)
        ]
    assert walked == [w.workspace_id for w in whole.data]
    assert len(walked_images) == images.page.total
    assert walked_images == [i.image_id for i in images.data_info][: len(walked_images)]
    pages = client.stats.per_operation["ListCommonWorkspace"].requests - 1
    assert pages == -(-whole.page.total // 3)
