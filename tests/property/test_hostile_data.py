"""Property tests: hostile API answers never crash the models, the client or the rendering,
and whatever they contain is shown inert (never interpreted by the terminal or by Rich)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.text import Text

from koomap_tui.api import models as m
from koomap_tui.api.client import KooMapClient
from koomap_tui.api.errors import KooMapError, error_from_response
from koomap_tui.ui.format import inert
from tests.property.strategies import NASTY, hostile_record, json_value, nasty_text

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# What a terminal would act on: C0/C1 controls (ESC, CSI, BEL, CR...) and bidi overrides.
ACTIVE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def fields_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


MODELS: list[type[BaseModel]] = [
    m.Workspace,
    m.Real3DTask,
    m.Real3DSubTask,
    m.SatelliteTask,
    m.Real3DProduct,
    m.ImageInfo,
    m.Folder,
]


@SETTINGS
@given(st.sampled_from(MODELS), st.data())
def test_models_parse_or_reject_cleanly(model: type[BaseModel], data: st.DataObject) -> None:
    record = data.draw(hostile_record(fields_of(model)))
    try:
        parsed = model.model_validate(record)
    except ValidationError:
        return  # a clear rejection is fine; anything else is a crash
    for value in parsed.__dict__.values():
        if isinstance(value, str):
            assert not ACTIVE.search(inert(value))


@SETTINGS
@given(hostile_record(fields_of(m.Real3DTask), {"task_id": "t1"}))
def test_unknown_status_and_progress_never_break_a_task(record: dict[str, Any]) -> None:
    record["task_status"] = record.get("task_status", "SOMETHING_NEW")
    try:
        task = m.Real3DTask.model_validate(record)
    except ValidationError:
        return
    assert task.task_id == "t1"
    assert task.task_progress is None or isinstance(task.task_progress, float)


@SETTINGS
@given(nasty_text)
def test_inert_text_is_never_interpreted(value: str) -> None:
    shown = inert(value)
    assert not ACTIVE.search(shown)
    console = Console(width=100, color_system="truecolor", force_terminal=True, record=True)
    console.print(Text(shown))
    output = console.export_text(styles=False)
    assert "\x1b" not in output and "\x9b" not in output and "\x07" not in output
    # Rich markup stays literal: a "[bold]" in a name is shown as typed.
    for tag in re.findall(r"\[[^\]\n]{1,30}\]", shown):
        assert tag in output.replace("\n", "")


def _answer(status: int, body: Any) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, bytes):
            return httpx.Response(status, content=body, headers={"X-request-id": "r1"})
        return httpx.Response(
            status, content=json.dumps(body).encode(), headers={"X-request-id": "r1"}
        )

    return httpx.MockTransport(handler)


def _check_error(err: KooMapError) -> None:
    text = str(err)
    assert not ACTIVE.search(text), repr(text)
    assert len(text) < 2000
    assert err.code


@SETTINGS
@given(
    st.sampled_from([200, 200, 201, 400, 401, 403, 404, 429, 500, 502, 503]),
    st.one_of(
        json_value,
        hostile_record(["tasks", "page"]),
        st.builds(
            lambda tasks: {"tasks": tasks, "page": {"offset": 0, "limit": 10, "total": 1}},
            st.lists(hostile_record(fields_of(m.Real3DTask)), max_size=3),
        ),
        st.binary(max_size=200),
        hostile_record(["error_code", "error_msg", "code", "message", "request_id"]),
    ),
)
async def test_client_turns_any_answer_into_a_model_or_a_clean_error(
    status: int, body: Any
) -> None:
    client = KooMapClient(
        "http://127.0.0.1:9", None, max_retries=0, transport=_answer(status, body), qps=20
    )
    async with client:
        try:
            result = await client.list_tasks_in_workspace("ws1")
        except KooMapError as err:
            _check_error(err)
        else:
            assert isinstance(result, m.Real3DTaskList)
            for task in result.tasks:
                assert not ACTIVE.search(inert(task.task_name))


@SETTINGS
@given(st.integers(min_value=400, max_value=599), st.one_of(json_value, st.binary(max_size=300)))
def test_error_bodies_become_clean_errors(status: int, body: Any) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    err = error_from_response(status, raw, {"X-request-id": "\x1b[31mrid"}, "StopReal3DTask")
    assert isinstance(err, KooMapError)
    _check_error(err)


def test_the_nasty_list_covers_the_issue() -> None:
    joined = "".join(NASTY)
    for needle in ("\x1b[", "[bold", "\u202e", "مرحبا", "\x00"):
        assert needle in joined
