"""Tolerance of what the real service may send (issue 12 §3): per-row parsing, the SDK's loose
response types, overview fallback, bounded paging. Every answer here goes through the real
client over an httpx mock transport."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from koomap_tui.api import models as m
from koomap_tui.api.client import KooMapClient
from koomap_tui.api.errors import PagingError
from koomap_tui.api.models import BadRow
from koomap_tui.api.models._base import clamp_progress
from koomap_tui.domain.policy import Kind, Op, check
from koomap_tui.domain.states import state_info
from koomap_tui.services.sources import (
    Real3DTaskSource,
    WorkspaceSource,
)

WS = "5f0a9c2e7b3d4e61a8c9d0e1f2a3b4c5"


def task(i: int, **extra: Any) -> dict[str, Any]:
    return {"task_id": f"t{i:02d}", "task_status": "SUCCESS", "task_progress": "1.00", **extra}


def client_for(
    answer: Callable[[httpx.Request], httpx.Response],
) -> tuple[KooMapClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return answer(request)

    async def no_sleep(_: float) -> None:
        return None

    client = KooMapClient(
        "http://127.0.0.1:9", None, transport=httpx.MockTransport(handler), qps=20, sleep=no_sleep
    )
    return client, seen


# --- item 8: one bad row never blanks the table ----------------------------------------------


async def test_one_bad_row_keeps_the_39_good_ones_and_names_field_and_reason() -> None:
    tasks = [task(i) for i in range(40)]
    tasks[17]["task_progress"] = "abc"
    page = {"offset": 0, "limit": 100, "total": 40}
    client, _ = client_for(lambda r: httpx.Response(200, json={"tasks": tasks, "page": page}))
    async with client:
        result = await client.list_tasks_in_workspace(WS, limit=100)
    assert len(result.tasks) == 39 and "t17" not in {t.task_id for t in result.tasks}
    [bad] = result.bad_rows
    assert isinstance(bad, BadRow)
    assert bad.key == "t17" and bad.field == "task_progress"
    assert "between 0 and 1" in bad.reason and bad.raw["task_progress"] == "abc"
    assert result.row_count == 40


async def test_a_row_without_its_id_is_kept_aside_by_position() -> None:
    rows = [{"workspace_id": "w1"}, {"workspace_name": "no id"}, "not an object"]
    page = {"offset": 0, "limit": 100, "total": 3}
    client, _ = client_for(lambda r: httpx.Response(200, json={"data": rows, "page": page}))
    async with client:
        result = await client.list_common_workspace(limit=100)
    assert [w.workspace_id for w in result.data] == ["w1"]
    assert [(b.key, b.field) for b in result.bad_rows] == [("#1", "workspace_id"), ("#2", "")]


def test_a_server_sent_bad_rows_key_is_not_trusted() -> None:
    parsed = m.WorkspaceList.model_validate(
        {"data": [], "page": {"offset": 0, "limit": 10, "total": 0}, "bad_rows": [{"key": "x"}]}
    )
    assert parsed.bad_rows == ()


def test_unknown_state_parses_raw_shows_a_question_mark_and_gates_every_action() -> None:
    parsed = m.Real3DTaskList.model_validate(
        {
            "tasks": [task(1, task_status="QUEUED_V2")],
            "page": {"offset": 0, "limit": 10, "total": 1},
        }
    )
    [t] = parsed.tasks
    assert t.task_status == "QUEUED_V2" and not parsed.bad_rows
    info = state_info(Kind.REAL3D_TASK, t.task_status)
    assert info.glyph == "?" and info.label.startswith("QUEUED_V2")
    for op in (Op.START, Op.STOP, Op.DELETE, Op.ARCHIVE, Op.UPDATE):
        decision = check(Kind.REAL3D_TASK, t.task_status, op)
        assert not decision.allowed and "unknown state" in (decision.reason or "")


# --- item 9: response models as loose as the SDK's types ---------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {
            "accuracy": None,
            "key_point_limit": None,
            "tie_point_limit": "4000",
            "mesh_accuracy": "0",
        },
        {"accuracy": "High", "key_point_limit": "500", "tie_point_limit": 4000, "mesh_accuracy": 7},
        {
            "accuracy": "Ultra",
            "key_point_limit": "40000",
            "tie_point_limit": "4000",
            "mesh_accuracy": "0",
        },
    ],
)
def test_response_modeling_params_parse_as_the_sdk_strings(params: dict[str, Any]) -> None:
    t = m.Real3DTask.model_validate({**task(1), "modeling_params": params})
    assert t.modeling_params is not None
    sent = {k: None if v is None else str(v) for k, v in params.items()}
    assert {k: v for k, v in t.modeling_params.model_dump().items() if k in sent} == sent
    sub = m.Real3DSubTask.model_validate(
        {"subtask_id": "s", "subtask_status": "INIT", "modeling_params": params}
    )
    assert sub.modeling_params is not None


def test_request_modeling_params_stay_strict() -> None:
    with pytest.raises(ValueError, match="Key point limit"):
        m.ModelingParams.model_validate(
            {
                "accuracy": "High",
                "key_point_limit": "500",
                "tie_point_limit": "4000",
                "mesh_accuracy": "0",
            }
        )
    info = m.ModelingParamsInfo(key_point_limit="500")
    assert info.to_request() is None


def test_null_overview_counts_parse_as_unknown_not_zero() -> None:
    ov = m.Real3DTaskOverview.model_validate(
        {"total_count": None, "running_count": "2", "success_count": 1, "failed_count": 0}
    )
    assert ov.total_count is None and ov.running_count == 2 and not ov.complete
    sat = m.SatelliteTaskOverview.model_validate({"total": None, "finished": 3, "unfinished": None})
    assert sat.total is None and sat.finished == 3


@pytest.mark.parametrize("raw", ["1.5", "-0.2", 35, "100"])
def test_progress_outside_0_1_is_kept_flagged_and_clamped_for_display(raw: Any) -> None:
    t = m.Real3DTask.model_validate(task(1, task_progress=raw, AT_progress="0.5"))
    assert t.task_progress == float(raw)
    assert t.progress_flags == ("task_progress",)
    assert clamp_progress(t.task_progress) in (0.0, 1.0)
    sat = m.SatelliteTask.model_validate(
        {"task_id": "s", "task_status": "RUNNING", "task_progress": raw}
    )
    assert sat.progress_flags == ("task_progress",)


# --- item 10: a malformed overview falls back to paging ------------------------------------------


async def test_malformed_overview_falls_back_to_reading_the_list() -> None:
    tasks = [task(i) for i in range(3)]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/overview"):
            return httpx.Response(200, json={"total_count": "lots", "running_count": [1]})
        return httpx.Response(
            200, json={"tasks": tasks, "page": {"offset": 0, "limit": 100, "total": 3}}
        )

    client, seen = client_for(answer)
    source = Real3DTaskSource(client, WS)
    async with client:
        first = await source.fetch(None)
        again = await source.fetch(first.items)  # incremental cycle: still reads the list
    assert sorted(first.items) == ["t00", "t01", "t02"] and sorted(again.items) == sorted(
        first.items
    )
    assert (
        first.meta["overview"] is None
        and "ShowTaskOverviewInWorkspace" in first.meta["overview_error"]
    )
    assert again.meta.get("full") is True
    assert sum(1 for r in seen if not r.url.path.endswith("/overview")) == 2


async def test_task_source_reports_bad_rows_in_its_meta() -> None:
    tasks = [task(1), task(2, task_progress="abc")]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/overview"):
            return httpx.Response(200, json={"total_count": 2})
        return httpx.Response(
            200, json={"tasks": tasks, "page": {"offset": 0, "limit": 100, "total": 2}}
        )

    client, _ = client_for(answer)
    async with client:
        result = await Real3DTaskSource(client, WS).fetch(None)
    assert list(result.items) == ["t01"]
    assert [(b.key, b.field) for b in result.meta["bad_rows"]] == [("t02", "task_progress")]


# --- item 11: endless paging is bounded and reported -----------------------------------------------


def endless(
    key: str, make: Callable[[int], dict[str, Any]]
) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", 0))
        limit = int(request.url.params.get("limit", 10))
        rows = [make(offset + i) for i in range(limit)]
        return httpx.Response(
            200, json={key: rows, "page": {"offset": offset, "limit": limit, "total": 10**9}}
        )

    return answer


async def test_workspaces_claiming_a_billion_stop_at_the_500_quota_with_an_error() -> None:
    client, seen = client_for(endless("data", lambda i: {"workspace_id": f"w{i}"}))
    async with client:
        with pytest.raises(PagingError) as info:
            await WorkspaceSource(client).fetch(None)
    assert len(seen) == 5  # 5 pages of 100: the documented 500 workspaces per tenant
    assert "500" in str(info.value) and "1000000000" in str(info.value)
    assert info.value.code == "CLIENT.PAGING" and info.value.items_read == 500


async def test_tasks_claiming_a_billion_stop_at_the_500_per_workspace_quota() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/overview"):
            return httpx.Response(200, json={"total_count": 10**9})
        return endless("tasks", lambda i: task(i))(request)

    client, seen = client_for(answer)
    async with client:
        with pytest.raises(PagingError, match="at most 500"):
            await Real3DTaskSource(client, WS).fetch(None)
    assert len(seen) == 1 + 5


async def test_a_list_without_quota_stops_after_the_page_budget() -> None:
    client, seen = client_for(
        endless("data", lambda i: {"task_id": f"s{i}", "task_status": "SUCCESS"})
    )
    async with client:
        with pytest.raises(PagingError, match="stopped after 7 pages"):
            [t async for t in client.paginate(client.list_task_info, WS, page_budget=7)]
    assert len(seen) == 7


async def test_a_full_last_page_that_reaches_total_ends_normally() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        rows = [{"workspace_id": f"w{offset + i}"} for i in range(100)]
        return httpx.Response(
            200, json={"data": rows, "page": {"offset": offset, "limit": 100, "total": 500}}
        )

    client, seen = client_for(answer)
    async with client:
        result = await WorkspaceSource(client).fetch(None)
    assert len(result.items) == 500 and len(seen) == 5


async def test_an_active_task_turning_unreadable_is_kept_not_dropped() -> None:
    state = {"progress": "0.40"}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/overview"):
            return httpx.Response(200, json={"total_count": 1, "running_count": 1})
        row = task(1, task_status="RUNNING", task_progress=state["progress"])
        return httpx.Response(
            200, json={"tasks": [row], "page": {"offset": 0, "limit": 100, "total": 1}}
        )

    client, _ = client_for(answer)
    source = Real3DTaskSource(client, WS)
    async with client:
        first = await source.fetch(None)
        state["progress"] = "abc"
        second = await source.fetch(first.items)
    assert list(second.items) == ["t01"] and second.items["t01"].task_progress == 0.4
    assert [b.key for b in second.meta["bad_rows"]] == ["t01"]
    assert not second.meta.get("full")


async def test_a_counted_wrapper_keeps_the_quota_and_collects_bad_rows() -> None:
    """Poll sources wrap list methods in `CountedCalls`: the documented quota must still apply
    and the unreadable rows of every page must be kept for the screen."""
    from koomap_tui.api.paging import CountedCalls

    def rows(i: int) -> dict[str, Any]:
        return {"workspace_id": f"w{i}"} if i % 100 else {"workspace_name": "no id"}

    client, seen = client_for(endless("data", rows))
    async with client:
        calls = CountedCalls(client.list_common_workspace)
        with pytest.raises(PagingError, match="at most 500"):
            [w async for w in client.paginate(calls)]
    assert calls.requests == len(seen) == 5
    assert [b.key for b in calls.bad_rows] == ["#0"] * 5
