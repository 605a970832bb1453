"""KooMapClient against httpx.MockTransport: exact wire form of every operation, retries,
rate limiting, paging, answer parsing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from koomap_tui import __version__
from koomap_tui.api import models as m
from koomap_tui.api.client import OPERATIONS, ClientStats, KooMapClient
from koomap_tui.api.errors import (
    AuthenticationError,
    InvalidParameterError,
    MalformedResponseError,
    ServerError,
    ThrottledError,
    TransportError,
    WrongStateError,
)
from koomap_tui.sim.params import parse_form

WS = "5f0a9c2e7b3d4e61a8c9d0e1f2a3b4c5"
TASK = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
SUB = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
PAGE = {"offset": 0, "limit": 10, "total": 1}
R_WS = {"workspace_id": WS, "workspace_name": "w", "star": 0}
R_TASK = {"task_id": TASK, "task_status": "INIT", "task_progress": "0.35"}
R_SUB = {"subtask_id": SUB, "subtask_status": "INIT"}
R_SPUR = {"id": "1790000000000000777", "imageCode": "17", "taskId": TASK}
R_SAT = {"task_id": "9a8b7c6d5e4f30211203f4e5d6c7b8a9", "task_status": "INIT"}
SPUR_BODY = {
    "imageCode": "1790000000000000001",
    "taskId": TASK,
    "pointWidth": "5120.5",
    "pointHeight": "3311.25",
    "longitude": "114.05",
    "latitude": "22.54",
    "height": "41.200",
    "accuracy": "0.05",
}
COUNT_BODY = {
    "taskId": TASK,
    "longitude": "114.05",
    "latitude": "22.54",
    "height": "41.2",
    "accuracy": "0.05",
}
CHECK_BODY = {
    "data_ids": ["c0ffee00c0ffee00c0ffee00c0ffee01"],
    "production_level": "L2",
    "task_name": "gf2",
    "coordination": "WGS84",
}
SAT_CREATE = {
    "task_name": "gf2_city",
    "task_type": "ORSIP",
    "workspace_id": WS,
    "data_ids": ["c0ffee00c0ffee00c0ffee00c0ffee01"],
    "production_level": "L2",
    "data_alias": {"GF2": "city"},
    "coordination": "WGS84",
    "data_description": {"GF2": None},
    "csv_ids": [],
    "isClip": "0",
    "isTile": "0",
}
T0 = datetime(2024, 3, 18, 2, 15, 40, tzinfo=UTC)
TS = "2024-03-18T02:15:40Z"
R3 = f"/v1/real3d/{WS}/tasks"
NONE: Any = object()  # "no body"

# name, args, kwargs, method, path, query pairs, body (JSON, form dict, or NONE), answer, check
CASES: list[tuple[str, tuple[Any, ...], dict[str, Any], str, str, list[Any], Any, Any]] = [
    (
        "create_common_workspace",
        ({"workspace_name": "survey", "workspace_description": "d"},),
        {},
        "POST",
        "/v1/workspaces",
        [],
        {"workspace_name": "survey", "workspace_description": "d"},
        R_WS,
    ),
    (
        "list_common_workspace",
        (),
        {
            "offset": 10,
            "limit": 20,
            "workspace_ids": ["a", "b"],
            "workspace_name": "sur",
            "star": True,
            "create_time_from": T0,
            "order_by": "create_time_desc",
        },
        "GET",
        "/v1/workspaces",
        [
            ("offset", "10"),
            ("limit", "20"),
            ("workspace_ids", "a"),
            ("workspace_ids", "b"),
            ("workspace_name", "sur"),
            ("star", "true"),
            ("create_time_from", TS),
            ("order_by", "create_time_desc"),
        ],
        NONE,
        {"data": [R_WS], "page": PAGE},
    ),
    (
        "update_common_workspace",
        (WS, {"star": 1}),
        {},
        "PUT",
        f"/v1/workspaces/{WS}",
        [],
        {"star": 1},
        R_WS,
    ),
    ("delete_common_workspace", (WS,), {}, "DELETE", f"/v1/workspaces/{WS}", [], {}, True),
    (
        "show_task_overview_in_workspace",
        (WS,),
        {},
        "GET",
        f"{R3}/overview",
        [],
        NONE,
        {"workspace_id": WS, "total_count": 4, "running_count": 1},
    ),
    (
        "create_real3d_task",
        (WS, {"task_name": "east"}),
        {},
        "POST",
        R3,
        [],
        {"task_name": "east"},
        R_TASK,
    ),
    (
        "list_tasks_in_workspace",
        (WS,),
        {
            "task_status": ["INIT", "FAILED"],
            "task_type": ["REAL3D-CTRL"],
            "task_ids": [TASK],
            "update_time_to": TS,
        },
        "GET",
        R3,
        [
            ("offset", "0"),
            ("limit", "10"),
            ("task_type", "REAL3D-CTRL"),
            ("update_time_to", TS),
            ("task_ids", TASK),
            ("task_status", "INIT"),
            ("task_status", "FAILED"),
        ],
        NONE,
        {"tasks": [R_TASK], "page": PAGE},
    ),
    (
        "update_real3d_task",
        (WS, TASK, {"task_description": "x"}),
        {},
        "PUT",
        f"{R3}/{TASK}",
        [],
        {"task_description": "x"},
        R_TASK,
    ),
    ("start_real3d_task", (WS, TASK), {}, "POST", f"{R3}/{TASK}/start", [], {}, R_TASK),
    ("stop_real3d_task", (WS, TASK), {}, "POST", f"{R3}/{TASK}/stop", [], {}, True),
    ("delete_real3d_task", (WS, TASK), {}, "DELETE", f"{R3}/{TASK}", [], {}, True),
    (
        "update_real3d_task_archived_status",
        (WS, TASK, True),
        {},
        "POST",
        f"{R3}/{TASK}/archive",
        [],
        {"archive": True},
        R_TASK,
    ),
    (
        "create_real3d_subtask",
        (WS, TASK, "refine_round1"),
        {},
        "POST",
        f"{R3}/{TASK}/subtasks",
        [],
        {"subtask_name": "refine_round1"},
        R_SUB,
    ),
    (
        "list_real3d_subtasks",
        (WS, TASK),
        {"subtask_status": ["UPLOADING", "RUNNING"], "subtask_id": SUB, "limit": 100},
        "GET",
        f"{R3}/{TASK}/subtasks",
        [
            ("offset", "0"),
            ("limit", "100"),
            ("subtask_id", SUB),
            ("subtask_status", "UPLOADING"),
            ("subtask_status", "RUNNING"),
        ],
        NONE,
        {"subtasks": [R_SUB], "page": PAGE},
    ),
    (
        "start_real3d_subtask",
        (WS, TASK, SUB),
        {},
        "POST",
        f"{R3}/{TASK}/subtasks/{SUB}/start",
        [],
        {},
        R_SUB,
    ),
    (
        "stop_real3d_subtask",
        (WS, TASK, SUB),
        {},
        "POST",
        f"{R3}/{TASK}/subtasks/{SUB}/stop",
        [],
        {},
        True,
    ),
    (
        "delete_real3d_subtask",
        (WS, TASK, SUB),
        {},
        "DELETE",
        f"{R3}/{TASK}/subtasks/{SUB}",
        [],
        {},
        True,
    ),
    ("add_spur_point", (SPUR_BODY,), {}, "POST", "/v1/real3d/spur", [], SPUR_BODY, R_SPUR),
    (
        "delete_spur_point",
        ("1790000000000000777",),
        {},
        "DELETE",
        "/v1/real3d/spur",
        [],
        {"id": "1790000000000000777"},
        True,
    ),
    (
        "list_spur_points",
        (TASK, "179001"),
        {"offset": 5, "limit": 50},
        "POST",
        "/v1/real3d/spurs",
        [],
        {"imageCode": "179001", "taskId": TASK, "offset": 5, "limit": 50},
        {"spurInfos": [R_SPUR], "page": PAGE},
    ),
    (
        "show_spur_count",
        (COUNT_BODY,),
        {},
        "POST",
        "/v1/real3d/spur/count",
        [],
        COUNT_BODY,
        {"count": 3},
    ),
    (
        "create_marker_info",
        (TASK,),
        {},
        "POST",
        f"/v1/real3d/spur/{TASK}/markerinfo",
        [],
        NONE,  # the official SDK sends no body (issue 12 item 12)
        True,
    ),
    (
        "list_folder",
        (),
        {"offset": 20, "limit": 10, "condition": {"status": "1", "order": "-3"}},
        "GET",
        "/v1/real3d/folders",
        [],  # paging only in the body, as the SDK sends it
        {"offset": 20, "limit": 10, "condition": {"status": "1", "order": "-3"}},
        {"folders": [{"folder_code": "179", "status": 1}], "page": PAGE},
    ),
    (
        "list_real3d_products",
        (),
        {"product_name": "east", "product_id": "p1"},
        "GET",
        "/v1/real3d/products",
        [("offset", "0"), ("limit", "10"), ("product_name", "east"), ("product_id", "p1")],
        NONE,
        {"products": [{"id": "p1", "status": "available"}], "page": PAGE},
    ),
    (
        "delete_real3d_product",
        ("p1",),
        {},
        "DELETE",
        "/v1/real3d/products/p1",
        [],
        {},
        True,
    ),
    (
        "list_real3d_refine_products",
        (),
        {"refine_product_id": "rp", "order_by": "task_name_asc"},
        "GET",
        "/v1/real3d/refineproducts",
        [
            ("offset", "0"),
            ("limit", "10"),
            ("refine_product_id", "rp"),
            ("order_by", "task_name_asc"),
        ],
        NONE,
        {"refine_products": [{"id": "rp", "status": "preparing"}], "page": PAGE},
    ),
    (
        "delete_real3d_refine_product",
        ("rp",),
        {},
        "DELETE",
        "/v1/real3d/refineproducts/rp",
        [],
        {},
        True,
    ),
    (
        "show_real3d_usage",
        ("REAL3D",),
        {},
        "GET",
        "/v1/real3d/usages",
        [("usage_type", "REAL3D")],
        NONE,
        {"data": [{"usage_measure_name": "x", "usage": 1.5, "capacity": 0, "unit": "GP"}]},
    ),
    ("create_task", (SAT_CREATE,), {}, "POST", "/v1/kmp-control/tasks", [], SAT_CREATE, R_SAT),
    (
        "show_task_overview",
        (WS,),
        {},
        "GET",
        "/v1/kmp-control/tasks/overview",
        [("workspace_id", WS)],
        NONE,
        {"total": 10, "finished": 8, "unfinished": 2},
    ),
    (
        "list_task_info",
        (WS,),
        {"task_status": ["RUNNING", "STOP_FAILED"], "create_time_start": TS},
        "GET",
        "/v1/kmp-control/tasks",
        [
            ("workspace_id", WS),
            ("offset", "0"),
            ("limit", "10"),
            ("task_status", "RUNNING"),
            ("task_status", "STOP_FAILED"),
            ("create_time_start", TS),
        ],
        NONE,
        {"page": PAGE, "data": [R_SAT], "taskNumVo": {"totalNum": 1}},
    ),
    ("start_task", ("t9",), {}, "POST", "/v1/kmp-control/tasks/start", [], {"id": "t9"}, True),
    ("stop_task", ("t9",), {}, "POST", "/v1/kmp-control/tasks/stop", [], {"id": "t9"}, "true"),
    (
        "update_task_archived_status",
        ("t9", False),
        {},
        "POST",
        "/v1/kmp-control/tasks/archive",
        [("archived", "false")],
        {"id": "t9"},
        True,
    ),
    ("delete_task", ("t9",), {}, "DELETE", "/v1/kmp-control/tasks", [], {"id": "t9"}, True),
    (
        "validate_image",
        (CHECK_BODY,),
        {},
        "POST",
        "/v1/kmp-control/tasks/image",
        [],
        CHECK_BODY,
        [{"name": "GF2_L2", "data_id": "c0ffee00c0ffee00c0ffee00c0ffee01", "error_message": None}],
    ),
    (
        "list_image_base_info",
        ({"image_status": "0,1", "image_name": "GF2"},),
        {"offset": 100, "limit": 100},
        "POST",
        "/v1/kmp-data/imageinfo",
        [],
        {"form": {"image_status": "0,1", "image_name": "GF2", "offset": "100", "limit": "100"}},
        {"data_info": [{"image_id": "i1", "image_status": "0"}], "page": PAGE},
    ),
    (
        "list_usage_info",
        ("TASK",),
        {"offset": 0, "limit": 50},
        "GET",
        "/v1/kmp-control/usages",
        [("usage_type", "TASK"), ("offset", "0"), ("limit", "50")],
        NONE,
        {"data": [], "page": PAGE},
    ),
    (
        "sim_update_subtask_upload_status",
        (WS, TASK, SUB, "UPLOADING"),
        {},
        "PUT",
        f"{R3}/{TASK}/subtasks/{SUB}/upload-status",
        [],
        {"subtask_status": "UPLOADING"},
        R_SUB,
    ),
]


class Recorder:
    """MockTransport handler that records requests and answers from a script."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answers: list[httpx.Response | Exception] = []
        self.answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if self.answers:
            item = self.answers.pop(0)
            if isinstance(item, Exception):
                raise item
            return item
        if self.answer is not None:
            return self.answer(request)
        return httpx.Response(200, json=True)


def make_client(rec: Recorder, **kw: Any) -> tuple[KooMapClient, list[float]]:
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    kw.setdefault("qps", 20)
    client = KooMapClient(
        "http://127.0.0.1:9", None, transport=httpx.MockTransport(rec), sleep=fake_sleep, **kw
    )
    return client, sleeps


def test_table_covers_every_operation() -> None:
    assert {case[0] for case in CASES} == set(OPERATIONS)
    assert len(OPERATIONS) == 39  # 38 public + the simulator-only upload-status
    ids = {op.operation_id for op in OPERATIONS.values()}
    assert "SimUpdateReal3DSubTaskUploadStatus" in ids


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "method", "path", "query", "body", "answer"),
    CASES,
    ids=[case[0] for case in CASES],
)
async def test_operation_wire_form(
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    method: str,
    path: str,
    query: list[tuple[str, str]],
    body: Any,
    answer: Any,
) -> None:
    rec = Recorder(lambda request: httpx.Response(200, json=answer))
    client, _ = make_client(rec)
    async with client:
        result = await getattr(client, name)(*args, **kwargs)
    assert len(rec.requests) == 1
    request = rec.requests[0]
    assert request.method == method
    assert request.url.path == path
    assert parse_qsl(request.url.query.decode(), keep_blank_values=True) == query
    assert request.headers["User-Agent"] == f"koomap-tui/{__version__}"
    if body is NONE:
        assert request.content == b""
        assert "Content-Type" not in request.headers
    elif isinstance(body, dict) and set(body) == {"form"}:
        ctype = request.headers["Content-Type"]
        assert ctype.startswith("multipart/form-data; boundary=")
        assert parse_form(ctype, request.content) == body["form"]
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert json.loads(request.content) == body
    if answer is True or answer == "true":
        assert result is True
    else:
        assert result is not None and not isinstance(result, bool)


async def test_models_are_serialised_with_wire_names() -> None:
    rec = Recorder(
        lambda request: httpx.Response(200, json=R_SPUR if "spur" in request.url.path else R_TASK)
    )
    client, _ = make_client(rec)
    create = m.Real3DTaskCreate(
        task_name="east",
        task_type=m.Real3DTaskType.CTRL,
        modeling_params=m.ModelingParams(
            accuracy=m.Accuracy.HIGH, key_point_limit=40000, tie_point_limit=4000, mesh_accuracy=0
        ),
    )
    async with client:
        task = await client.create_real3d_task(WS, create)
        await client.start_real3d_task(WS, TASK, run_at_only=True)
        await client.add_spur_point(m.SpurInfo.model_validate(SPUR_BODY))
    assert isinstance(task, m.Real3DTask)
    assert task.task_progress == pytest.approx(0.35)
    assert json.loads(rec.requests[0].content) == {
        "task_name": "east",
        "task_type": "REAL3D-CTRL",
        "modeling_params": {
            "accuracy": "High",
            "key_point_limit": "40000",
            "tie_point_limit": "4000",
            "mesh_accuracy": "0",
        },
    }
    assert json.loads(rec.requests[1].content) == {"run_AT_only": True}
    assert json.loads(rec.requests[2].content) == SPUR_BODY


async def test_path_ids_are_escaped() -> None:
    rec = Recorder(lambda request: httpx.Response(200, json=True))
    client, _ = make_client(rec)
    async with client:
        await client.stop_real3d_task("../x", "a/b?c")
    assert rec.requests[0].url.raw_path == b"/v1/real3d/..%2Fx/tasks/a%2Fb%3Fc/stop"


@pytest.mark.parametrize(
    ("content", "expected"),
    # A 2xx is success whatever the body: the SDK types it as an opaque string (issue 12 #12).
    [(b"true", True), (b'"true"', True), (b"", True), (b"false", True), (b'"ok"', True)],
)
async def test_boolean_answers(content: bytes, expected: bool) -> None:
    rec = Recorder(lambda request: httpx.Response(200, content=content))
    client, _ = make_client(rec)
    async with client:
        assert await client.stop_task("t9") is expected


async def test_any_2xx_body_of_start_stop_delete_archive_is_success() -> None:
    rec = Recorder(lambda request: httpx.Response(200, json={"ok": 1}))
    client, _ = make_client(rec)
    async with client:
        assert await client.stop_task("t9") is True
        assert await client.stop_real3d_task(WS, "t9") is True
        assert await client.delete_real3d_task(WS, "t9") is True
        assert await client.start_task("t9") is True
        assert await client.update_task_archived_status("t9", True) is True


# --- errors ------------------------------------------------------------------------------------


def _err(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        json={"error_code": code, "error_msg": "nope"},
        headers={"X-request-id": "rid-1", **(headers or {})},
    )


async def test_wrong_state_error_carries_operation_and_request_id() -> None:
    rec = Recorder()
    rec.answers.append(_err(400, "KMP.99990105"))
    client, sleeps = make_client(rec)
    async with client:
        with pytest.raises(WrongStateError) as info:
            await client.stop_real3d_task(WS, TASK)
    assert info.value.operation == "StopReal3DTask"
    assert info.value.request_id == "rid-1"
    assert str(info.value) == "KMP.99990105: nope (HTTP 400, request rid-1)"
    assert sleeps == []


async def test_validate_image_400_array_is_a_result() -> None:
    results = [{"name": "GF1", "data_id": "d2", "error_message": "卫星型号不一致"}]
    rec = Recorder(lambda request: httpx.Response(400, json=results))
    client, _ = make_client(rec)
    async with client:
        out = await client.validate_image(CHECK_BODY)
    assert [r.error_message for r in out] == ["卫星型号不一致"]
    assert len(rec.requests) == 1


async def test_validate_image_400_error_object_is_an_error() -> None:
    rec = Recorder(lambda request: _err(400, "KMP.00011004"))
    client, _ = make_client(rec)
    async with client:
        with pytest.raises(InvalidParameterError):
            await client.validate_image(CHECK_BODY)


# --- retries -----------------------------------------------------------------------------------


async def test_get_retried_on_503_honouring_retry_after() -> None:
    rec = Recorder(lambda request: httpx.Response(200, json={"total": 1}))
    rec.answers.append(httpx.Response(503, text="busy", headers={"Retry-After": "2"}))
    client, sleeps = make_client(rec)
    async with client:
        overview = await client.show_task_overview(WS)
    assert overview.total == 1
    assert len(rec.requests) == 2
    assert len(sleeps) == 1 and sleeps[0] >= 2.0
    assert client.stats.retries == 1


async def test_get_retried_on_429_with_retry_after() -> None:
    rec = Recorder(lambda request: httpx.Response(200, json={"data": [], "page": PAGE}))
    rec.answers.append(_err(429, "GATEWAY.0006", {"Retry-After": "3"}))
    client, sleeps = make_client(rec)
    async with client:
        await client.list_common_workspace()
    assert len(rec.requests) == 2
    assert sleeps[0] >= 3.0


async def test_retry_after_is_capped() -> None:
    rec = Recorder(lambda request: httpx.Response(200, json={"data": [], "page": PAGE}))
    rec.answers.append(_err(429, "APIGW.0308", {"Retry-After": "3600"}))
    client, sleeps = make_client(rec)
    async with client:
        await client.list_common_workspace()
    assert 0 < sleeps[0] <= 30.0


async def test_get_gives_up_after_max_retries() -> None:
    rec = Recorder(lambda request: httpx.Response(502, text="<html>bad gateway</html>"))
    client, sleeps = make_client(rec, max_retries=2)
    async with client:
        with pytest.raises(ServerError, match="bad gateway"):
            await client.list_common_workspace()
    assert len(rec.requests) == 3
    assert len(sleeps) == 2
    assert sleeps[1] > 0
    assert client.stats.errors == 3


async def test_backoff_grows() -> None:
    rec = Recorder(lambda request: httpx.Response(500, json={}))
    client, sleeps = make_client(rec, max_retries=3)
    async with client:
        with pytest.raises(ServerError):
            await client.show_real3d_usage("DATA")
    # equal jitter: attempt n waits between base*2**(n-1)/2 and base*2**(n-1)
    assert 0.25 <= sleeps[0] <= 0.5
    assert 0.5 <= sleeps[1] <= 1.0
    assert 1.0 <= sleeps[2] <= 2.0


async def test_read_only_post_is_retried() -> None:
    rec = Recorder(lambda request: httpx.Response(200, json={"count": 2}))
    rec.answers.append(httpx.ConnectError("refused"))
    client, _ = make_client(rec)
    async with client:
        count = await client.show_spur_count(COUNT_BODY)
    assert count.count == 2
    assert len(rec.requests) == 2


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(503, text="busy", headers={"Retry-After": "1"}),
        httpx.Response(429, json={"error_code": "GATEWAY.0006", "error_msg": "Too many"}),
        httpx.Response(500, json={"error_code": "KMP.99999999", "error_msg": "boom"}),
    ],
)
async def test_mutating_post_is_never_retried(answer: httpx.Response) -> None:
    rec = Recorder()
    rec.answers.append(answer)
    client, sleeps = make_client(rec)
    async with client:
        with pytest.raises((ServerError, ThrottledError)):
            await client.stop_real3d_task(WS, TASK)
    assert len(rec.requests) == 1
    assert sleeps == []


async def test_mutating_timeout_maybe_sent() -> None:
    rec = Recorder()
    rec.answers.append(httpx.ReadTimeout("read timed out"))
    client, _ = make_client(rec)
    async with client:
        with pytest.raises(TransportError) as info:
            await client.delete_task("t9")
    assert info.value.maybe_sent is True
    assert info.value.operation == "DeleteTask"
    assert len(rec.requests) == 1


async def test_connect_error_not_sent_and_retried_for_reads() -> None:
    rec = Recorder(lambda request: (_ for _ in ()).throw(httpx.ConnectError("refused")))
    client, _ = make_client(rec, max_retries=1)
    async with client:
        with pytest.raises(TransportError) as info:
            await client.list_task_info(WS)
    assert info.value.maybe_sent is False
    assert "could not connect" in str(info.value)
    assert len(rec.requests) == 2


async def test_auth_flow_errors_pass_through() -> None:
    class Failing(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Any:
            raise AuthenticationError("APIGW.0301", "token fetch failed", 401)
            yield request  # pragma: no cover

    rec = Recorder()
    client = KooMapClient("http://127.0.0.1:9", Failing(), transport=httpx.MockTransport(rec))
    async with client:
        with pytest.raises(AuthenticationError) as info:
            await client.list_common_workspace()
    assert info.value.operation == "ListCommonWorkspace"
    assert rec.requests == []


# --- malformed answers ---------------------------------------------------------------------------


async def test_html_answer_is_malformed() -> None:
    rec = Recorder(lambda request: httpx.Response(200, text="<html><body>login</body></html>"))
    client, _ = make_client(rec)
    async with client:
        with pytest.raises(MalformedResponseError) as info:
            await client.list_tasks_in_workspace(WS)
    assert "malformed answer from ListTasksInWorkspace: HTML page instead of JSON" in str(
        info.value
    )


async def test_truncated_json_is_malformed() -> None:
    rec = Recorder(lambda request: httpx.Response(200, content=b'{"tasks": [{"task_id": "ab'))
    client, _ = make_client(rec)
    async with client:
        with pytest.raises(MalformedResponseError, match="truncated JSON"):
            await client.list_tasks_in_workspace(WS)


async def test_wrong_shape_names_the_field_without_echoing_body() -> None:
    # The envelope (here: page) still fails the whole answer, naming the field.
    rec = Recorder(
        lambda request: httpx.Response(
            200, json={"tasks": [R_TASK], "page": {**PAGE, "total": "x" * 5000}}
        )
    )
    client, _ = make_client(rec)
    async with client:
        with pytest.raises(MalformedResponseError) as info:
            await client.list_tasks_in_workspace(WS)
    text = str(info.value)
    assert text.startswith(
        "CLIENT.MALFORMED: malformed answer from ListTasksInWorkspace: field page.total:"
    )
    assert "xxxxxxxxxx" not in text
    assert len(text) < 400


async def test_malformed_answers_are_not_retried() -> None:
    rec = Recorder(lambda request: httpx.Response(200, text="not json"))
    client, _ = make_client(rec)
    async with client:
        with pytest.raises(MalformedResponseError, match="not JSON"):
            await client.list_common_workspace()
    assert len(rec.requests) == 1


# --- rate limit ----------------------------------------------------------------------------------


def test_qps_is_clamped_to_gateway_limit() -> None:
    assert KooMapClient("http://127.0.0.1:9", None, qps=50).qps == 20
    with pytest.raises(ValueError):
        KooMapClient("http://127.0.0.1:9", None, qps=0)


async def test_rate_limit_holds_concurrent_calls_to_one_second_budget() -> None:
    # 30 calls at 20 qps: 20 go at once, the other 10 wait for the first tokens to come back.
    # (The limiter's rules are tested in test_ratelimit.py and against the simulator's
    # throttling in test_ratelimit_sim.py.)
    rec = Recorder(lambda request: httpx.Response(200, json={"total": 0}))
    client, _ = make_client(rec, qps=20)
    async with client:
        await asyncio.gather(*(client.show_task_overview(WS) for _ in range(30)))
    assert len(rec.requests) == 30
    assert client.stats.rate_limit_wait > 1.0


# --- paging --------------------------------------------------------------------------------------


def _paged_tasks(total: int) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        limit = int(request.url.params["limit"])
        items = [
            {"task_id": f"t{i}", "task_status": "RUNNING"}
            for i in range(offset, min(offset + limit, total))
        ]
        page = {"offset": offset, "limit": limit, "total": total}
        return httpx.Response(200, json={"tasks": items, "page": page})

    return answer


async def test_paginate_walks_all_pages() -> None:
    rec = Recorder(_paged_tasks(250))
    client, _ = make_client(rec)
    async with client:
        ids = [
            t.task_id
            async for t in client.paginate(
                client.list_tasks_in_workspace, WS, task_status=["RUNNING"], page_size=500
            )
        ]
    assert ids == [f"t{i}" for i in range(250)]
    assert [r.url.params["offset"] for r in rec.requests] == ["0", "100", "200"]
    assert {r.url.params["limit"] for r in rec.requests} == {"100"}
    assert {r.url.params["task_status"] for r in rec.requests} == {"RUNNING"}


async def test_paginate_stops_on_a_short_page_whatever_total_says() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        items = [R_WS] if offset == 0 else []
        return httpx.Response(200, json={"data": items, "page": {**PAGE, "total": 50}})

    rec = Recorder(answer)
    client, _ = make_client(rec)
    async with client:
        items = [w async for w in client.paginate(client.list_common_workspace)]
    assert len(items) == 1
    assert len(rec.requests) == 1  # 1 row < limit 100: that was the last page


async def test_paginate_image_info_form_fields() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        form = parse_form(request.headers["Content-Type"], request.content)
        offset = int(form["offset"])
        items = [
            {"image_id": f"i{i}", "image_status": "0"}
            for i in range(offset, min(offset + 100, 120))
        ]
        page = {"offset": offset, "limit": 100, "total": 120}
        return httpx.Response(200, json={"data_info": items, "page": page})

    rec = Recorder(answer)
    client, _ = make_client(rec)
    async with client:
        images = [i async for i in client.paginate(client.list_image_base_info, max_items=110)]
    assert len(images) == 110
    assert len(rec.requests) == 2


# --- stats and request ids ---------------------------------------------------------------------


async def test_stats_and_snapshots() -> None:
    rec = Recorder(
        lambda request: httpx.Response(
            200, json=True if "stop" in request.url.path else {"total": 1}
        )
    )
    client, _ = make_client(rec)
    async with client:
        await client.show_task_overview(WS)
        before = client.stats.snapshot()
        await client.show_task_overview(WS)
        await client.stop_task("t9")
        delta = client.stats.since(before)
    assert client.stats.requests == 3
    assert isinstance(delta, ClientStats)
    assert delta.requests == 2
    assert delta.per_operation["ShowTaskOverview"].requests == 1
    assert delta.per_operation["StopTask"].requests == 1
    assert delta.bytes_received == len(b'{"total":1}') + len(b"true")
    assert client.stats.per_operation["ShowTaskOverview"].requests == 2


async def test_capture_request_ids_per_context() -> None:
    counter = iter(range(1000))

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=True, headers={"X-request-id": f"r{next(counter)}"})

    rec = Recorder(answer)
    client, _ = make_client(rec)

    async def action(task_id: str) -> list[str]:
        with client.capture_request_ids() as ids:
            await client.stop_task(task_id)
            await client.delete_task(task_id)
        return ids

    async with client:
        with client.capture_request_ids() as outer:
            first, second = await asyncio.gather(action("a"), action("b"))
        await client.stop_task("c")
    assert len(first) == 2 and len(second) == 2
    assert set(first).isdisjoint(second)
    assert sorted(outer) == sorted(first + second)


async def test_errors_are_captured_too() -> None:
    rec = Recorder(lambda request: _err(400, "KMP.99990505"))
    client, _ = make_client(rec)
    async with client:
        with client.capture_request_ids() as ids, pytest.raises(WrongStateError):
            await client.delete_task("t9")
    assert ids == ["rid-1"]


async def test_no_secret_in_repr_or_errors() -> None:
    class Token(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Any:
            request.headers["X-Auth-Token"] = "SECRET-TOKEN-123"
            yield request

    rec = Recorder(lambda request: _err(401, "APIGW.0301"))
    client = KooMapClient("http://127.0.0.1:9", Token(), transport=httpx.MockTransport(rec))
    async with client:
        with pytest.raises(AuthenticationError) as info:
            await client.list_common_workspace()
    assert rec.requests[0].headers["X-Auth-Token"] == "SECRET-TOKEN-123"
    assert "SECRET" not in str(info.value) + repr(info.value) + repr(client)
