"""Errors raised by the KooMap client, and the mapping from wire answers to them.

The gateway and the service report failures in one body shape,
``{"error_code": "...", "error_msg": "..."}``, but the *meaning* the console needs (retry? re-login?
refresh the row? fix the form?) depends on the code more than on the HTTP status: the service
reports not-found and wrong-state as HTTP 400, exactly like a bad parameter.  So the mapping is
code first, status second.

Only the KMP codes marked ``documented`` in the reference are real; the ``KMP.9999xxxx`` codes are
simulator placeholders (``errors.json``, ``"documented": false``).  Their classification is copied
below as a small table so nothing reads the reference files at run time.
"""

from __future__ import annotations

import email.utils
import json
import math
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "AuthenticationError",
    "InvalidParameterError",
    "KooMapError",
    "MalformedResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "ServerError",
    "ThrottledError",
    "TransportError",
    "WrongStateError",
    "error_from_response",
    "parse_retry_after",
    "sanitize",
]

# Longest server-supplied text we put into an exception message.  Error bodies are documented as
# at most 512 characters; anything longer is garbage (an HTML page, a dump) and only needs a hint.
_MAX_TEXT = 200
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
# C0/C1 controls, and the bidi controls that can make a message read backwards (Trojan Source).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_TAG = re.compile(r"<[^>]{0,200}>")
_WHITESPACE = re.compile(r"\s+")


def sanitize(text: str, limit: int = _MAX_TEXT) -> str:
    """Make server text safe to show in one terminal line: no control chars, bounded length.

    Escape sequences in an error body could repaint an operator's terminal, and a 2 MB body
    echoed into a log line helps nobody.
    """
    cleaned = _WHITESPACE.sub(" ", _CONTROL.sub("", _ANSI.sub("", text))).strip()
    if len(cleaned) > limit:
        return cleaned[: max(limit - 1, 0)] + "…"
    return cleaned


class KooMapError(Exception):
    """Any failure of a KooMap call.  ``str()`` is one line fit for a status bar."""

    #: Whether an automatic retry of a *read* can help.  Mutating calls are never retried.
    retryable: bool = False

    def __init__(
        self,
        code: str,
        message: str,
        http_status: int | None = None,
        request_id: str | None = None,
        operation: str | None = None,
        *,
        hint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.code = code
        self.message = sanitize(message, 512)
        self.http_status = http_status
        self.request_id = request_id
        self.operation = operation
        #: Operator-facing advice from the error table, when the code is known.
        self.hint = hint
        #: Seconds the server asked us to wait (``Retry-After`` on 429/503), if it said.
        self.retry_after = retry_after
        super().__init__(self.__str__())

    def __str__(self) -> str:
        detail = []
        if self.http_status is not None:
            detail.append(f"HTTP {self.http_status}")
        if self.request_id:
            detail.append(f"request {self.request_id}")
        tail = f" ({', '.join(detail)})" if detail else ""
        return f"{self.code}: {self.message}{tail}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"http_status={self.http_status!r}, request_id={self.request_id!r}, "
            f"operation={self.operation!r})"
        )


class AuthenticationError(KooMapError):
    """Credentials missing, wrong or expired: the operator (or the auth layer) must re-login."""


class PermissionDeniedError(KooMapError):
    """Authenticated, but IAM or the gateway refuses this action (or the service is frozen)."""


class ThrottledError(KooMapError):
    """The gateway's rate limit was hit.  ``retry_after`` is in seconds when the server said."""

    retryable = True


class WrongStateError(KooMapError):
    """The item's current state does not allow the operation (refresh and look again)."""


class NotFoundError(KooMapError):
    """The item does not exist (any more), or the API path is unknown to the gateway."""


class InvalidParameterError(KooMapError):
    """The request itself is wrong: bad value, duplicate name, quota reached.  Do not retry."""


class ServerError(KooMapError):
    """The service or gateway failed (5xx).  Reads may be retried; writes may have happened."""

    retryable = True


class TransportError(KooMapError):
    """No HTTP answer: connect failure, timeout or a dropped connection.

    ``maybe_sent`` is True when the request may have reached the server before the connection
    was lost, so a mutating call may or may not have taken effect; the console must re-read the
    item instead of assuming either outcome.
    """

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        maybe_sent: bool,
        operation: str | None = None,
        code: str = "CLIENT.TRANSPORT",
    ) -> None:
        self.maybe_sent = maybe_sent
        super().__init__(code, message, None, None, operation)


class MalformedResponseError(KooMapError):
    """The server answered, but not with what the API promises (non-JSON, truncated, wrong
    shape).  The message names the operation and the first offending fields."""

    def __init__(
        self,
        message: str,
        http_status: int | None = None,
        request_id: str | None = None,
        operation: str | None = None,
        *,
        code: str = "CLIENT.MALFORMED",
    ) -> None:
        super().__init__(code, message, http_status, request_id, operation)

    @classmethod
    def from_validation_errors(
        cls,
        errors: Iterable[Mapping[str, Any]],
        *,
        operation: str | None,
        http_status: int | None = None,
        request_id: str | None = None,
        max_fields: int = 3,
    ) -> MalformedResponseError:
        """Summarise pydantic ``ValidationError.errors()`` without echoing the input values.

        Gives e.g. ``malformed answer from ListTasksInWorkspace: field tasks.3.task_status:
        Input should be a valid string``.
        """
        items = list(errors)
        parts = []
        for err in items[:max_fields]:
            loc = ".".join(str(p) for p in err.get("loc", ())) or "<body>"
            msg = sanitize(str(err.get("msg", "invalid value")), 120)
            parts.append(f"field {sanitize(loc, 80)}: {msg}")
        if len(items) > max_fields:
            parts.append(f"(+{len(items) - max_fields} more)")
        summary = "; ".join(parts) if parts else "body does not match the expected shape"
        return cls(
            f"malformed answer from {operation or 'request'}: {summary}",
            http_status,
            request_id,
            operation,
        )

    @classmethod
    def from_body(
        cls,
        reason: str,
        body: bytes | str,
        *,
        operation: str | None,
        http_status: int | None = None,
        request_id: str | None = None,
    ) -> MalformedResponseError:
        """For bodies that are not JSON at all: name the reason, show a short clean excerpt."""
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        excerpt = sanitize(text, 80)
        shown = f" (body starts: {excerpt!r})" if excerpt else " (empty body)"
        return cls(
            f"malformed answer from {operation or 'request'}: {reason}{shown}",
            http_status,
            request_id,
            operation,
        )


class PagingError(MalformedResponseError):
    """A list could not be walked to its end within sane bounds (a server claiming 10**9
    workspaces, pages that never shrink): paging stopped, and this says why."""

    def __init__(self, message: str, operation: str | None = None, *, items_read: int = 0) -> None:
        super().__init__(message, None, None, operation, code="CLIENT.PAGING")
        self.items_read = items_read


# --- code table ------------------------------------------------------------------------------
#
# Copied from errors.json (reference version of 2026-11).  Values: (class, hint).  Codes absent
# from this table fall back to the HTTP status.

_Kind = type[KooMapError]

_CODES: dict[str, tuple[_Kind, str]] = {
    # documented KMP service codes
    "KMP.00011004": (InvalidParameterError, "Correct the request parameters and retry."),
    "KMP.00021148": (
        WrongStateError,
        "Make sure the refinement subtask is UPLOADING before updating its upload status.",
    ),
    "KMP.00021149": (InvalidParameterError, "Check the status values for unsupported entries."),
    # KooMap gateway
    "GATEWAY.0001": (ServerError, "Retry later; contact support if it persists."),
    "GATEWAY.0002": (AuthenticationError, "Send X-Auth-Token or an AK/SK signature."),
    "GATEWAY.0003": (PermissionDeniedError, "Subscribe to the service or resolve the freeze."),
    "GATEWAY.0005": (
        PermissionDeniedError,
        "Grant the IAM user the KooMap action (e.g. policy KooMap FullAccess).",
    ),
    "GATEWAY.0006": (ThrottledError, "Lower the request rate (default 20 QPS); back off."),
    "GATEWAY.0007": (ServerError, "Backend timed out; retry later."),
    # Huawei API gateway
    "APIGW.0101": (NotFoundError, "Check method, path and endpoint."),
    "APIGW.0301": (
        AuthenticationError,
        "Obtain a fresh project-scoped token for cn-north-4 or fix the AK/SK signature.",
    ),
    "APIGW.0302": (PermissionDeniedError, "Check the account's access restrictions."),
    "APIGW.0307": (AuthenticationError, "The token expired; get a new token."),
    "APIGW.0308": (ThrottledError, "Back off 2-5 s and retry."),
    # simulator placeholders (not real KooMap codes)
    "KMP.99990001": (NotFoundError, "Check workspace_id (list workspaces first)."),
    "KMP.99990002": (InvalidParameterError, "A workspace with this name exists; choose another."),
    "KMP.99990003": (InvalidParameterError, "The tenant already has 500 workspaces."),
    "KMP.99990004": (InvalidParameterError, "Four workspaces are pinned; unpin one first."),
    "KMP.99990005": (WrongStateError, "Unpin the workspace and remove its tasks first."),
    "KMP.99990101": (NotFoundError, "Check task_id and workspace_id."),
    "KMP.99990102": (InvalidParameterError, "A task with this name exists; choose another."),
    "KMP.99990103": (InvalidParameterError, "The workspace already holds 500 Real3D tasks."),
    "KMP.99990104": (
        WrongStateError,
        "Start only in INIT, STOP_SUCCESS, FAILED or BUNDLE_SUCCESS; update START_FAILED first.",
    ),
    "KMP.99990105": (WrongStateError, "Stop only in PENDING, STARTING or RUNNING."),
    "KMP.99990106": (
        WrongStateError,
        "Update only in INIT, START_FAILED, FAILED or STOP_SUCCESS.",
    ),
    "KMP.99990107": (WrongStateError, "Stop the task first or unarchive it."),
    "KMP.99990108": (
        WrongStateError,
        "Only SUCCESS tasks can be archived and only ARCHIVED tasks un-archived.",
    ),
    "KMP.99990109": (InvalidParameterError, "run_AT_only is only allowed for REAL3D-CTRL."),
    "KMP.99990110": (WrongStateError, "Bind a finished oblique image set to the task first."),
    "KMP.99990201": (NotFoundError, "Check subtask_id."),
    "KMP.99990202": (WrongStateError, "Subtasks need a Nerf task in SUCCESS."),
    "KMP.99990203": (InvalidParameterError, "The task already has 10 refinement subtasks."),
    "KMP.99990204": (InvalidParameterError, "A subtask with this name exists; choose another."),
    "KMP.99990205": (
        WrongStateError,
        "Start only in UPLOAD_SUCCESS, STOP_SUCCESS or FAILED.",
    ),
    "KMP.99990206": (WrongStateError, "Stop only in PENDING, STARTING or RUNNING."),
    "KMP.99990217": (
        WrongStateError,
        "Delete only in INIT, UPLOAD_SUCCESS, UPLOAD_FAILED, START_FAILED, SUCCESS, FAILED or "
        "STOP_SUCCESS.",
    ),
    "KMP.99990301": (NotFoundError, "Check the spur id."),
    "KMP.99990302": (WrongStateError, "Add spurs before generating the marker file."),
    # Simulator placeholder: spur edits outside REAL3D-CTRL in BUNDLE_SUCCESS (states.json).
    "KMP.99990303": (WrongStateError, "Edit spurs only on a REAL3D-CTRL task in BUNDLE_SUCCESS."),
    "KMP.99990401": (NotFoundError, "Check product_id / refine_product_id."),
    "KMP.99990402": (WrongStateError, "Wait until the product is available."),
    "KMP.99990501": (NotFoundError, "Check the satellite task id."),
    "KMP.99990502": (WrongStateError, "Start only in INIT, STOP_SUCCESS or FAILED."),
    "KMP.99990503": (WrongStateError, "Stop only in RUNNING or START_RUNNING."),
    "KMP.99990504": (
        WrongStateError,
        "Only SUCCESS tasks can be archived and only ARCHIVED tasks un-archived.",
    ),
    "KMP.99990505": (WrongStateError, "Delete only in FAILED, INIT or STOP_SUCCESS."),
    "KMP.99990506": (InvalidParameterError, "Use ready images (image_status 0)."),
    "KMP.99990507": (InvalidParameterError, "shape_id is required when isClip is 1."),
    "KMP.99999999": (ServerError, "Retry later; report the X-request-id."),
}

# ``APIGW.0201`` means different things by status (400/413/414 request error, 502/504 backend).


def _class_for_status(status: int) -> _Kind:
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 429:
        return ThrottledError
    if status >= 500:
        return ServerError
    if status in (400, 413, 414, 422):
        return InvalidParameterError
    return KooMapError


def classify(code: str | None, status: int) -> tuple[_Kind, str | None]:
    """The error class and hint for a code (falling back to the HTTP status)."""
    if code:
        known = _CODES.get(code.strip().upper())
        if known is not None:
            return known
        if code.upper().startswith("KMP.") and status == 400:
            # An unknown business error: the service uses 400 for everything; do not guess.
            return KooMapError, None
    return _class_for_status(status), None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date; None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(seconds, 0.0)


def _readable(text: str) -> str:
    """A short excerpt of a non-JSON body; HTML error pages are reduced to their text."""
    if "<" in text[:200] and ">" in text:
        text = _TAG.sub(" ", text)
    return sanitize(text, 80)


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, val in headers.items():
            if key.lower() == lowered:
                return val
    return value


def error_from_response(
    status: int,
    body: bytes | str | Mapping[str, Any] | list[Any] | None,
    headers: Mapping[str, str] | None = None,
    operation: str | None = None,
) -> KooMapError:
    """Build the exception for a non-2xx answer.

    ``body`` may be the raw bytes/text or an already decoded JSON value.  A body that is not the
    documented error object still yields the status-based class (a 502 HTML page from a proxy is
    a server error, not a parsing problem); a 4xx without a usable body becomes
    :class:`MalformedResponseError` unless its status alone says what happened.
    """
    request_id = _header(headers, "X-request-id")
    if request_id is not None:
        request_id = sanitize(request_id, 80) or None
    decoded: Any = body
    if isinstance(body, bytes | str):
        raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            decoded = json.loads(raw) if raw.strip() else None
        except ValueError:
            decoded = raw

    code: str | None = None
    message: str | None = None
    if isinstance(decoded, Mapping):
        raw_code = decoded.get("error_code")
        raw_msg = decoded.get("error_msg")
        if isinstance(raw_code, str) and raw_code.strip():
            code = sanitize(raw_code, 40) or None
        if isinstance(raw_msg, str):
            message = raw_msg

    cls, hint = classify(code, status)
    if code is None:
        if cls is KooMapError and status >= 400:
            # Neither the code nor the status says anything: the answer is simply not KooMap's.
            excerpt = decoded if isinstance(decoded, str) else json.dumps(decoded)[:200]
            return MalformedResponseError.from_body(
                f"HTTP {status} without an error object",
                excerpt or "",
                operation=operation,
                http_status=status,
                request_id=request_id,
            )
        code = f"HTTP.{status}"
        if message is None:
            if isinstance(decoded, str) and decoded.strip():
                message = f"unexpected answer: {_readable(decoded)}"
            else:
                message = _DEFAULT_MESSAGES.get(cls, "request failed")
    if message is None or not message.strip():
        message = _DEFAULT_MESSAGES.get(cls, "request failed")

    return cls(
        code,
        message,
        status,
        request_id,
        operation,
        hint=hint,
        retry_after=parse_retry_after(_header(headers, "Retry-After")),
    )


_DEFAULT_MESSAGES: dict[_Kind, str] = {
    AuthenticationError: "authentication failed",
    PermissionDeniedError: "permission denied",
    ThrottledError: "too many requests",
    NotFoundError: "not found",
    InvalidParameterError: "invalid request",
    ServerError: "server error",
    WrongStateError: "operation not allowed in the current state",
}
