"""Mapping of KooMap error answers to exception classes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from koomap_tui.api.errors import (
    AuthenticationError,
    InvalidParameterError,
    KooMapError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    ThrottledError,
    TransportError,
    WrongStateError,
    error_from_response,
    parse_retry_after,
    sanitize,
)


def _body(code: str, msg: str = "something went wrong") -> bytes:
    return json.dumps({"error_code": code, "error_msg": msg}).encode()


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (403, "GATEWAY.0002", AuthenticationError),
        (401, "APIGW.0301", AuthenticationError),
        (401, "APIGW.0307", AuthenticationError),
        (403, "GATEWAY.0005", PermissionDeniedError),
        (403, "APIGW.0302", PermissionDeniedError),
        (403, "GATEWAY.0003", PermissionDeniedError),
        (429, "GATEWAY.0006", ThrottledError),
        (429, "APIGW.0308", ThrottledError),
        (400, "KMP.00011004", InvalidParameterError),
        (400, "KMP.00021149", InvalidParameterError),
        (400, "KMP.00021148", WrongStateError),
        (500, "GATEWAY.0001", ServerError),
        (502, "GATEWAY.0007", ServerError),
        (500, "KMP.99999999", ServerError),
        (404, "APIGW.0101", NotFoundError),
        # simulator placeholders: not-found
        (400, "KMP.99990001", NotFoundError),
        (400, "KMP.99990101", NotFoundError),
        (400, "KMP.99990201", NotFoundError),
        (400, "KMP.99990301", NotFoundError),
        (400, "KMP.99990401", NotFoundError),
        (400, "KMP.99990501", NotFoundError),
        # simulator placeholders: wrong state
        (400, "KMP.99990104", WrongStateError),
        (400, "KMP.99990105", WrongStateError),
        (400, "KMP.99990106", WrongStateError),
        (400, "KMP.99990107", WrongStateError),
        (400, "KMP.99990108", WrongStateError),
        (400, "KMP.99990205", WrongStateError),
        (400, "KMP.99990206", WrongStateError),
        (400, "KMP.99990217", WrongStateError),
        (400, "KMP.99990402", WrongStateError),
        (400, "KMP.99990502", WrongStateError),
        (400, "KMP.99990503", WrongStateError),
        (400, "KMP.99990504", WrongStateError),
        (400, "KMP.99990505", WrongStateError),
        # duplicates and quotas: the request must change
        (400, "KMP.99990002", InvalidParameterError),
        (400, "KMP.99990102", InvalidParameterError),
        (400, "KMP.99990203", InvalidParameterError),
    ],
)
def test_code_maps_to_class(status: int, code: str, cls: type[KooMapError]) -> None:
    err = error_from_response(status, _body(code), {"X-request-id": "r1"}, "StartTask")
    assert type(err) is cls
    assert err.code == code
    assert err.http_status == status
    assert err.request_id == "r1"
    assert err.operation == "StartTask"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (429, ThrottledError),
        (500, ServerError),
        (503, ServerError),
        (504, ServerError),
    ],
)
def test_status_fallback_without_code(status: int, cls: type[KooMapError]) -> None:
    err = error_from_response(status, b"", {}, "ListFolder")
    assert type(err) is cls
    assert err.code == f"HTTP.{status}"


def test_str_format_has_code_message_status_and_request_id() -> None:
    err = error_from_response(
        400, _body("KMP.00011004", "request parameter is invalid"), {"x-request-id": "abc123"}
    )
    assert str(err) == "KMP.00011004: request parameter is invalid (HTTP 400, request abc123)"


def test_unknown_kmp_code_stays_generic() -> None:
    err = error_from_response(400, _body("KMP.00031234"), {})
    assert type(err) is KooMapError
    assert err.code == "KMP.00031234"


def test_throttled_retry_after_from_header() -> None:
    err = error_from_response(429, _body("GATEWAY.0006"), {"Retry-After": "7"})
    assert isinstance(err, ThrottledError)
    assert err.retry_after == 7.0
    assert err.retryable


def test_throttled_without_header_has_no_retry_after() -> None:
    err = error_from_response(429, _body("APIGW.0308"), {})
    assert isinstance(err, ThrottledError)
    assert err.retry_after is None


def test_parse_retry_after_http_date() -> None:
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", now=4.0) == pytest.approx(6.0)
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None


def test_html_error_page_is_reduced_to_text() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    err = error_from_response(502, page, {}, "ListTaskInfo")
    assert isinstance(err, ServerError)
    assert "<" not in err.message
    assert "502 Bad Gateway" in err.message


def test_huge_body_is_truncated_and_control_chars_stripped() -> None:
    body = b"\x1b[31m" + b"A" * 100_000 + b"\x07"
    err = error_from_response(503, body, {})
    assert len(str(err)) < 300
    assert "\x1b" not in str(err)
    assert "\x07" not in str(err)


def test_error_msg_with_escape_sequences_is_cleaned() -> None:
    err = error_from_response(400, _body("KMP.00011004", "bad\x1b]0;pwned\x07 value\n\nx"), {})
    assert err.message == "bad value x"


def test_teapot_without_error_object_is_malformed() -> None:
    err = error_from_response(418, b"<html>tea</html>", {}, "ListFolder")
    assert isinstance(err, MalformedResponseError)
    assert "ListFolder" in str(err)


def test_sanitize_bounds_length() -> None:
    assert sanitize("x" * 1000, 10) == "x" * 9 + "…"


class _Task(BaseModel):
    task_status: str
    task_id: str


class _Wrapper(BaseModel):
    tasks: list[_Task]


def test_validation_errors_become_readable_message() -> None:
    secret_looking = "S" * 5000
    payload = {
        "tasks": [{"task_status": "INIT", "task_id": "a"}] * 3 + [{"task_id": secret_looking}]
    }
    with pytest.raises(ValidationError) as info:
        _Wrapper.model_validate(payload)
    err = MalformedResponseError.from_validation_errors(
        info.value.errors(), operation="ListTasksInWorkspace", http_status=200
    )
    text = str(err)
    assert text.startswith("CLIENT.MALFORMED: malformed answer from ListTasksInWorkspace:")
    assert "field tasks.3.task_status: Field required" in text
    assert secret_looking not in text
    assert "Traceback" not in text


def test_validation_summary_caps_field_count() -> None:
    errors = [{"loc": ("data", i, "x"), "msg": "bad"} for i in range(10)]
    err = MalformedResponseError.from_validation_errors(errors, operation="ListUsageInfo")
    assert "(+7 more)" in err.message
    assert "data.3.x" not in err.message


def test_malformed_from_body_truncated_json() -> None:
    err = MalformedResponseError.from_body(
        "truncated JSON", b'{"tasks": [{"task_id": "ab', operation="ListTasksInWorkspace"
    )
    assert "truncated JSON" in str(err)
    assert "ListTasksInWorkspace" in str(err)


def test_transport_error_maybe_sent() -> None:
    err = TransportError("connection dropped", maybe_sent=True, operation="StopTask")
    assert err.maybe_sent is True
    assert err.http_status is None
    assert str(err) == "CLIENT.TRANSPORT: connection dropped"


@settings(max_examples=100, deadline=None)
@given(
    status=st.integers(min_value=400, max_value=599),
    body=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300),
        st.dictionaries(st.text(max_size=20), st.text(max_size=50), max_size=4),
        st.builds(
            lambda code, msg: json.dumps({"error_code": code, "error_msg": msg}).encode(),
            st.text(max_size=60),
            st.one_of(st.none(), st.integers(), st.text(max_size=600)),
        ),
    ),
    retry_after=st.one_of(st.none(), st.text(max_size=40)),
)
def test_any_error_answer_gives_a_clean_koomap_error(
    status: int, body: bytes | str | dict[str, str], retry_after: str | None
) -> None:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    err = error_from_response(status, body, headers, "ListTaskInfo")
    assert isinstance(err, KooMapError)
    text = str(err)
    assert len(text) < 700
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in text)
    assert err.retry_after is None or err.retry_after >= 0
