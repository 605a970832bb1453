"""Error answers of the simulator (gateway, business, faults) as KooMapError subclasses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from koomap_tui.api import models as m
from koomap_tui.api.auth import AkSkAuth, StaticTokenAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.api.errors import (
    AuthenticationError,
    InvalidParameterError,
    KooMapError,
    MalformedResponseError,
    NotFoundError,
    ServerError,
    ThrottledError,
    TransportError,
    WrongStateError,
)
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK
from tests.api.support import make_client, new_workspace, ready_folder, ready_mss_image, unique


@pytest.fixture
def faults(sim: SimServer) -> Iterator[SimServer]:
    """The shared simulator, with faults and the gateway QPS limit restored afterwards."""
    try:
        yield sim
    finally:
        sim.faults.clear()
        sim.set_qps_limit(20.0)


async def test_missing_credentials_is_403_gateway_0002(sim: SimServer) -> None:
    async with make_client(sim, "none") as client:
        with pytest.raises(AuthenticationError) as info:
            await client.list_common_workspace()
    err = info.value
    assert (err.code, err.http_status, err.operation) == (
        "GATEWAY.0002",
        403,
        "ListCommonWorkspace",
    )
    assert err.request_id and len(err.request_id) == 32


async def test_bad_token_is_401(sim: SimServer) -> None:
    client = KooMapClient(sim.base_url, StaticTokenAuth("MIIbogus-token"), verify=False)
    async with client:
        with pytest.raises(AuthenticationError) as info:
            await client.list_common_workspace()
    assert info.value.http_status == 401
    assert info.value.code.startswith("APIGW.03")
    assert "MIIbogus" not in str(info.value)


async def test_bad_aksk_signature_is_401(sim: SimServer) -> None:
    client = KooMapClient(sim.base_url, AkSkAuth(DEMO_AK, "wrong-secret"), verify=False)
    async with client:
        with pytest.raises(AuthenticationError) as info:
            await client.list_common_workspace()
    assert info.value.http_status == 401
    assert "wrong-secret" not in str(info.value)


async def test_wrong_state_invalid_parameter_not_found(sim: SimServer) -> None:
    async with make_client(sim) as client:
        ws = await new_workspace(client, "err_ws")
        folder = await ready_folder(client)
        task = await client.create_real3d_task(
            ws, m.Real3DTaskCreate(task_name=unique("err"), folder_code=folder)
        )
        with pytest.raises(WrongStateError) as wrong:
            await client.stop_real3d_task(ws, task.task_id)
        assert (wrong.value.code, wrong.value.http_status) == ("KMP.99990105", 400)
        assert wrong.value.hint

        with pytest.raises(InvalidParameterError) as invalid:
            await client.create_common_workspace({"workspace_name": "x"})  # 2..50 chars
        assert invalid.value.code == "KMP.00011004"

        with pytest.raises(InvalidParameterError) as at_only:
            await client.start_real3d_task(ws, task.task_id, run_at_only=True)  # UNCTRL task
        assert at_only.value.code == "KMP.99990109"

        with pytest.raises(NotFoundError) as missing:
            await client.stop_real3d_task(ws, "f" * 32)
        assert missing.value.code == "KMP.99990101"
        with pytest.raises(NotFoundError):
            await client.list_tasks_in_workspace("0" * 32)
        with pytest.raises(NotFoundError):
            await client.delete_task("0" * 32)
    assert client.stats.retries == 0


async def test_validate_image_failure_is_a_result(sim: SimServer) -> None:
    async with make_client(sim) as client:
        image = await ready_mss_image(client)
        results = await client.validate_image(
            m.ImageCheckRequest(
                data_ids=[image.image_id, "0" * 32],
                production_level="L3",
                task_name="check",
                coordination="WGS84",
            )
        )
    assert [r.data_id for r in results] == [image.image_id, "0" * 32]
    assert results[1].error_message


async def test_gateway_throttling_under_real_qps_limit(faults: SimServer) -> None:
    faults.set_qps_limit(2)
    async with make_client(faults, max_retries=0) as client:
        outcomes = await asyncio.gather(
            *(client.show_task_overview("0" * 32) for _ in range(8)), return_exceptions=True
        )
    throttled = [o for o in outcomes if isinstance(o, ThrottledError)]
    assert throttled, outcomes
    assert {t.code for t in throttled} == {"GATEWAY.0006"}
    assert all(t.http_status == 429 for t in throttled)


async def test_throttled_read_is_retried_after_retry_after(faults: SimServer) -> None:
    async with make_client(faults) as client:
        ws = await new_workspace(client, "ovw")
        faults.faults.set(throttle_rate=1.0, count=1, retry_after=1)
        started = time.monotonic()
        overview = await client.show_task_overview(ws)
        waited = time.monotonic() - started
    assert overview.total == 0
    assert client.stats.retries == 1
    assert waited >= 1.0


async def test_throttled_mutation_is_not_retried(faults: SimServer) -> None:
    async with make_client(faults) as client:
        ws = await new_workspace(client, "thr_ws")
        faults.faults.set(throttle_rate=1.0, count=1, retry_after=1)
        before = faults.request_log.count(operation="DeleteCommonWorkspace")
        with pytest.raises(ThrottledError) as info:
            await client.delete_common_workspace(ws)
        assert info.value.retry_after == 1.0
        # the throttled attempt never reached the operation; nothing was sent again
        assert faults.request_log.count(operation="DeleteCommonWorkspace") == before
        assert client.stats.per_operation["DeleteCommonWorkspace"].requests == 1
        assert await client.delete_common_workspace(ws) is True


async def test_503_read_retried_mutation_not(faults: SimServer) -> None:
    async with make_client(faults) as client:
        ws = await new_workspace(client, "err503")
        faults.faults.set(error_rates={503: 1.0}, count=1, retry_after=0)
        assert (await client.list_common_workspace(workspace_ids=[ws])).page.total == 1
        assert client.stats.retries == 1
        faults.faults.set(error_rates={503: 1.0}, count=1, retry_after=0)
        with pytest.raises(ServerError) as info:
            await client.delete_common_workspace(ws)
        assert info.value.http_status == 503
        assert client.stats.retries == 1


async def test_html_and_truncated_answers_are_malformed(faults: SimServer) -> None:
    async with make_client(faults, max_retries=0) as client:
        faults.faults.set(html_rate=1.0, count=1)
        with pytest.raises(ServerError) as html:
            await client.list_common_workspace()
        assert "502 Bad Gateway" in html.value.message and "<" not in html.value.message
        faults.faults.clear()
        faults.faults.set(truncated_rate=1.0, count=1)
        with pytest.raises(MalformedResponseError) as cut:
            await client.list_common_workspace(limit=50)
    assert "malformed answer from ListCommonWorkspace: truncated JSON" in str(cut.value)


async def test_dropped_connection_after_processing_maybe_sent(faults: SimServer) -> None:
    async with make_client(faults) as client:
        ws = await new_workspace(client, "drop_ws")
        faults.faults.set(drop_rate=1.0, count=1, drop_after_processing=True)
        with pytest.raises(TransportError) as info:
            await client.delete_common_workspace(ws)
        assert info.value.maybe_sent is True
        # it did happen: the workspace is gone, and a retry would have hit "not found"
        assert (await client.list_common_workspace(workspace_ids=[ws])).page.total == 0


async def test_dropped_read_is_retried(faults: SimServer) -> None:
    async with make_client(faults) as client:
        faults.faults.set(drop_rate=1.0, count=1)
        listed = await client.list_common_workspace()
    assert listed.page.total > 0
    assert client.stats.retries == 1


async def test_request_ids_match_the_server(sim: SimServer) -> None:
    async with make_client(sim) as client:
        with client.capture_request_ids() as ids:
            await client.list_common_workspace()
            with pytest.raises(KooMapError) as info:
                await client.stop_task("0" * 32)
    assert len(ids) == 2
    assert info.value.request_id == ids[1]
