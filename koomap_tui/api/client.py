"""KooMapClient: one typed async method per KooMap operation, over one ``httpx.AsyncClient``.

Everything that is about *calling* the API lives here: the exact method/path/query/body of each
operation (SPEC.md), the shared rate limiter, retries of reads, paging, parsing answers into the
models of :mod:`koomap_tui.api.models`, request statistics and request-id capture.  Everything
about *credentials* lives in the ``httpx.Auth`` passed in (``koomap_tui.api.auth``).

Rules worth knowing before changing anything (docs/api-client.md has the full table):

* Every HTTP attempt, retries included, takes a token from one bucket per client instance,
  clamped to the gateway's 20 requests/s.
* Only reads are retried: GETs and the read-only POSTs (ListSpurPoints, ShowSpurCount,
  ListImageBaseInfo, ValidateImage).  A stop or delete that timed out is reported as
  ``TransportError(maybe_sent=True)`` and the caller re-reads the item.
* Bodies the API requires even when empty are sent as ``{}``; CreateMarkerInfo is sent
  without a body, as the official SDK does.
* ListImageBaseInfo is ``multipart/form-data`` (as the SDK sends it); ListFolder's paging is in
  its JSON body only.
* A 2xx answer to stop/delete/archive/marker calls is success whatever its body (the SDK types
  it as an opaque string).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import copy
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from types import TracebackType
from typing import Any, Final, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from koomap_tui import __version__
from koomap_tui.api import paging
from koomap_tui.api.errors import (
    KooMapError,
    MalformedResponseError,
    TransportError,
    error_from_response,
    sanitize,
)
from koomap_tui.api.models import (
    FolderList,
    FolderQueryCondition,
    ImageCheckRequest,
    ImageCheckResult,
    ImageInfoList,
    ImageInfoQuery,
    Real3DProductList,
    Real3DRefineProductList,
    Real3DSubTask,
    Real3DSubTaskCreate,
    Real3DSubTaskList,
    Real3DTask,
    Real3DTaskCreate,
    Real3DTaskList,
    Real3DTaskOverview,
    Real3DTaskUpdate,
    Real3DUsageList,
    SatelliteTask,
    SatelliteTaskCreate,
    SatelliteTaskList,
    SatelliteTaskOverview,
    SpurCount,
    SpurCountQuery,
    SpurInfo,
    SpurInfoDetail,
    SpurList,
    UsageInfoList,
    Workspace,
    WorkspaceCreate,
    WorkspaceList,
    WorkspaceUpdate,
)
from koomap_tui.api.ratelimit import GATEWAY_QPS, TokenBucket
from koomap_tui.api.retry import RetryPolicy

__all__ = [
    "OPERATIONS",
    "ClientStats",
    "KooMapClient",
    "Operation",
    "OperationStats",
]

log = logging.getLogger(__name__)

USER_AGENT: Final = f"koomap-tui/{__version__}"
JSON_CONTENT_TYPE: Final = "application/json"
MULTIPART_CONTENT_TYPE: Final = "multipart/form-data"

M = TypeVar("M", bound=BaseModel)
Body = Mapping[str, Any]
TimeArg = datetime | str | None


@dataclass(frozen=True)
class Operation:
    """Where an operation lives on the wire and whether repeating it is harmless."""

    operation_id: str
    method: str
    path: str
    #: Safe to repeat automatically (reads only, including the read-only POSTs).
    read_only: bool


def _op(operation_id: str, method: str, path: str, read_only: bool | None = None) -> Operation:
    return Operation(
        operation_id, method, path, method == "GET" if read_only is None else read_only
    )


_R3 = "/v1/real3d/{workspace_id}/tasks"
_SUB = _R3 + "/{task_id}/subtasks"

#: Client method name -> operation.  The 38 public operations plus the simulator-only one.
OPERATIONS: Final[dict[str, Operation]] = {
    "create_common_workspace": _op("CreateCommonWorkspace", "POST", "/v1/workspaces"),
    "list_common_workspace": _op("ListCommonWorkspace", "GET", "/v1/workspaces"),
    "update_common_workspace": _op("UpdateCommonWorkspace", "PUT", "/v1/workspaces/{workspace_id}"),
    "delete_common_workspace": _op(
        "DeleteCommonWorkspace", "DELETE", "/v1/workspaces/{workspace_id}"
    ),
    "show_task_overview_in_workspace": _op("ShowTaskOverviewInWorkspace", "GET", _R3 + "/overview"),
    "create_real3d_task": _op("CreateReal3DTask", "POST", _R3),
    "list_tasks_in_workspace": _op("ListTasksInWorkspace", "GET", _R3),
    "update_real3d_task": _op("UpdateReal3DTask", "PUT", _R3 + "/{task_id}"),
    "start_real3d_task": _op("StartReal3DTask", "POST", _R3 + "/{task_id}/start"),
    "stop_real3d_task": _op("StopReal3DTask", "POST", _R3 + "/{task_id}/stop"),
    "delete_real3d_task": _op("DeleteReal3DTask", "DELETE", _R3 + "/{task_id}"),
    "update_real3d_task_archived_status": _op(
        "UpdateReal3DTaskArchivedStatus", "POST", _R3 + "/{task_id}/archive"
    ),
    "create_real3d_subtask": _op("CreateReal3DSubTask", "POST", _SUB),
    "list_real3d_subtasks": _op("ListReal3DSubTasks", "GET", _SUB),
    "start_real3d_subtask": _op("StartReal3DSubTask", "POST", _SUB + "/{subtask_id}/start"),
    "stop_real3d_subtask": _op("StopReal3DSubTask", "POST", _SUB + "/{subtask_id}/stop"),
    "delete_real3d_subtask": _op("DeleteReal3DSubTask", "DELETE", _SUB + "/{subtask_id}"),
    "add_spur_point": _op("AddSpurPoint", "POST", "/v1/real3d/spur"),
    "delete_spur_point": _op("DeleteSpurPoint", "DELETE", "/v1/real3d/spur"),
    "list_spur_points": _op("ListSpurPoints", "POST", "/v1/real3d/spurs", read_only=True),
    "show_spur_count": _op("ShowSpurCount", "POST", "/v1/real3d/spur/count", read_only=True),
    "create_marker_info": _op("CreateMarkerInfo", "POST", "/v1/real3d/spur/{task_id}/markerinfo"),
    "list_folder": _op("ListFolder", "GET", "/v1/real3d/folders"),
    "list_real3d_products": _op("ListReal3DProducts", "GET", "/v1/real3d/products"),
    "delete_real3d_product": _op(
        "DeleteReal3DProduct", "DELETE", "/v1/real3d/products/{product_id}"
    ),
    "list_real3d_refine_products": _op(
        "ListReal3DRefineProducts", "GET", "/v1/real3d/refineproducts"
    ),
    "delete_real3d_refine_product": _op(
        "DeleteReal3DRefineProduct", "DELETE", "/v1/real3d/refineproducts/{refine_product_id}"
    ),
    "show_real3d_usage": _op("ShowReal3DUsage", "GET", "/v1/real3d/usages"),
    "create_task": _op("CreateTask", "POST", "/v1/kmp-control/tasks"),
    "show_task_overview": _op("ShowTaskOverview", "GET", "/v1/kmp-control/tasks/overview"),
    "list_task_info": _op("ListTaskInfo", "GET", "/v1/kmp-control/tasks"),
    "start_task": _op("StartTask", "POST", "/v1/kmp-control/tasks/start"),
    "stop_task": _op("StopTask", "POST", "/v1/kmp-control/tasks/stop"),
    "update_task_archived_status": _op(
        "UpdateTaskArchivedStatus", "POST", "/v1/kmp-control/tasks/archive"
    ),
    "delete_task": _op("DeleteTask", "DELETE", "/v1/kmp-control/tasks"),
    "validate_image": _op("ValidateImage", "POST", "/v1/kmp-control/tasks/image", read_only=True),
    "list_image_base_info": _op(
        "ListImageBaseInfo", "POST", "/v1/kmp-data/imageinfo", read_only=True
    ),
    "list_usage_info": _op("ListUsageInfo", "GET", "/v1/kmp-control/usages"),
    "sim_update_subtask_upload_status": _op(
        "SimUpdateReal3DSubTaskUploadStatus", "PUT", _SUB + "/{subtask_id}/upload-status"
    ),
}


# --- statistics ------------------------------------------------------------------------------


@dataclass
class OperationStats:
    requests: int = 0
    errors: int = 0
    bytes_received: int = 0


@dataclass
class ClientStats:
    """What this client cost the gateway.  ``requests`` counts HTTP attempts (retries too),
    because that is what the per-tenant QPS limit counts.

    The poller takes ``snapshot()`` before a cycle and ``since(snapshot)`` after it to report
    per-cycle figures.
    """

    requests: int = 0
    retries: int = 0
    errors: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    rate_limit_wait: float = 0.0
    per_operation: dict[str, OperationStats] = field(default_factory=dict)

    def snapshot(self) -> ClientStats:
        return copy.deepcopy(self)

    def since(self, earlier: ClientStats) -> ClientStats:
        per_op: dict[str, OperationStats] = {}
        for name, now in self.per_operation.items():
            before = earlier.per_operation.get(name, OperationStats())
            delta = OperationStats(
                now.requests - before.requests,
                now.errors - before.errors,
                now.bytes_received - before.bytes_received,
            )
            if delta.requests or delta.errors or delta.bytes_received:
                per_op[name] = delta
        return ClientStats(
            requests=self.requests - earlier.requests,
            retries=self.retries - earlier.retries,
            errors=self.errors - earlier.errors,
            bytes_sent=self.bytes_sent - earlier.bytes_sent,
            bytes_received=self.bytes_received - earlier.bytes_received,
            rate_limit_wait=self.rate_limit_wait - earlier.rate_limit_wait,
            per_operation=per_op,
        )


# Request ids collected by active ``capture_request_ids()`` blocks of the current context.
_CAPTURES: contextvars.ContextVar[tuple[list[str], ...]] = contextvars.ContextVar(
    "koomap_request_id_captures", default=()
)


# --- wire helpers ----------------------------------------------------------------------------


def _wire_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        moment: datetime = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, list | tuple):
        # Form fields documented as comma-separated lists (ListImageBaseInfo).
        return ",".join(_wire_value(item) for item in value)
    return str(value)


def _query(**params: Any) -> list[tuple[str, str]]:
    """Query pairs in call order; ``None`` is left out, sequences become repeated keys."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            pairs.extend((key, _wire_value(item)) for item in value)
        else:
            pairs.append((key, _wire_value(value)))
    return pairs


def _dump(body: BaseModel | Body) -> dict[str, Any]:
    """A request model (or a plain mapping, sent as is) as its JSON body."""
    if isinstance(body, BaseModel):
        return body.model_dump(by_alias=True, mode="json", exclude_none=True)
    return dict(body)


def _clamp_limit(limit: int) -> int:
    return max(1, min(int(limit), paging.MAX_PAGE_SIZE))


def _transport_error(exc: httpx.HTTPError, operation: str, url: str) -> KooMapError:
    if isinstance(exc, httpx.DecodingError):
        return MalformedResponseError(
            f"malformed answer from {operation}: undecodable content encoding",
            operation=operation,
        )
    # Failing before the connection existed means the server never saw the request.
    not_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    if isinstance(exc, httpx.ConnectTimeout):
        what = "timed out connecting to"
    elif isinstance(exc, httpx.ConnectError):
        what = "could not connect to"
    elif isinstance(exc, httpx.ReadTimeout):
        what = "timed out waiting for the answer from"
    elif isinstance(exc, httpx.TimeoutException):
        what = "timed out talking to"
    elif isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        what = "connection dropped by"
    else:
        what = "transport failure with"
    detail = sanitize(str(exc), 120)
    message = f"{operation}: {what} {url}" + (f" ({detail})" if detail else "")
    return TransportError(message, maybe_sent=not not_sent, operation=operation)


def _describe_bad_json(raw: bytes, exc: ValueError) -> str:
    text = raw.decode("utf-8", "replace").lstrip()
    if not text:
        return "empty body where JSON was expected"
    if text.startswith("<"):
        return "HTML page instead of JSON"
    pos = getattr(exc, "pos", None)
    reason = str(getattr(exc, "msg", ""))
    if text[0] in "{[" and (
        reason.startswith("Unterminated string")
        or (isinstance(pos, int) and pos >= len(text.rstrip()) - 1)
    ):
        return "truncated JSON"
    return "not JSON"


def _multipart(fields: Mapping[str, str]) -> tuple[bytes, str]:
    """Form fields as a ``multipart/form-data`` body (no files), with its content type."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        safe_name = name.replace('"', "%22").replace("\r", "").replace("\n", "")
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{safe_name}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"{MULTIPART_CONTENT_TYPE}; boundary={boundary}"


def _parse_ack(raw: bytes) -> bool | None:
    """``true`` / ``"true"`` / empty -> True, ``false`` / ``"false"`` -> False, else None."""
    text = raw.decode("utf-8", "replace").strip()
    if not text:
        return True
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", ""):
        return value.strip().lower() != "false"
    return None


_CHECK_RESULTS: Final = TypeAdapter(list[ImageCheckResult])


# --- the client ------------------------------------------------------------------------------


class KooMapClient:
    """Async KooMap API client; use as ``async with KooMapClient(...) as client``."""

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth | None,
        *,
        qps: float = 10.0,
        connect_timeout: float = 5,
        read_timeout: float = 15,
        max_retries: int = 3,
        verify: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        burst: float | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if qps <= 0:
            raise ValueError("qps must be positive")
        if qps > GATEWAY_QPS:
            log.warning("qps %.1f is above the gateway limit; using %.0f", qps, GATEWAY_QPS)
        self.base_url = base_url.rstrip("/")
        self._limiter = TokenBucket(min(qps, GATEWAY_QPS), burst)
        self._retry = retry_policy or RetryPolicy(max_retries=max_retries)
        self._sleep = sleep
        self.stats = ClientStats()
        timeout = httpx.Timeout(
            connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
        )
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=auth,
            timeout=timeout,
            verify=verify,
            transport=transport,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
        )

    @property
    def qps(self) -> float:
        return self._limiter.rate

    async def __aenter__(self) -> KooMapClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"KooMapClient(base_url={self.base_url!r}, qps={self.qps:g})"

    @contextlib.contextmanager
    def capture_request_ids(self) -> Iterator[list[str]]:
        """Collect the ``X-request-id`` of every response received inside the block.

        Context-local: concurrent tasks each capture only their own calls (tasks started inside
        the block inherit it).  Error answers are captured too; the audit log needs them most.
        """
        ids: list[str] = []
        token = _CAPTURES.set((*_CAPTURES.get(), ids))
        try:
            yield ids
        finally:
            _CAPTURES.reset(token)

    def paginate(
        self,
        method: Callable[..., Awaitable[Any]],
        *args: Any,
        page_size: int = paging.MAX_PAGE_SIZE,
        max_items: int | None = None,
        quota: int | None = None,
        page_budget: int = paging.PAGE_BUDGET,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        """Every item of a paged list method, e.g.
        ``async for task in client.paginate(client.list_tasks_in_workspace, ws_id): ...``.

        Bounded (see `paging.walk_pages`): raises `PagingError` past the documented quota of
        the list or the page budget."""
        return paging.paginate(
            method,
            *args,
            page_size=page_size,
            max_items=max_items,
            quota=quota,
            page_budget=page_budget,
            **kwargs,
        )

    def walk_pages(
        self,
        method: Callable[..., Awaitable[Any]],
        *args: Any,
        quota: int | None = None,
        page_budget: int = paging.PAGE_BUDGET,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        """Every page (list answer, with its ``bad_rows``) of a paged list method, bounded."""
        return paging.walk_pages(method, *args, quota=quota, page_budget=page_budget, **kwargs)

    # --- transport ---------------------------------------------------------------------------

    async def _send(
        self,
        name: str,
        *,
        path: Mapping[str, str] | None = None,
        params: list[tuple[str, str]] | None = None,
        body: Body | None = None,
        form: Mapping[str, str] | None = None,
        result_array_on_400: bool = False,
    ) -> httpx.Response:
        op = OPERATIONS[name]
        url = op.path
        if path:
            url = url.format(**{k: quote(str(v), safe="") for k, v in path.items()})
        headers: dict[str, str] = {}
        content: bytes | None = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            headers["Content-Type"] = JSON_CONTENT_TYPE
        elif form is not None:
            content, headers["Content-Type"] = _multipart(form)

        attempt = 0
        while True:
            attempt += 1
            waited = await self._limiter.acquire()
            self.stats.rate_limit_wait += waited
            op_stats = self.stats.per_operation.setdefault(op.operation_id, OperationStats())
            self.stats.requests += 1
            self.stats.bytes_sent += len(content or b"")
            op_stats.requests += 1
            started = time.monotonic()
            error: KooMapError
            try:
                response = await self._http.request(
                    op.method,
                    url,
                    params=tuple(params) if params else None,
                    content=content,
                    headers=headers,
                )
            except KooMapError as exc:  # raised by the auth flow (e.g. token fetch failed)
                exc.operation = exc.operation or op.operation_id
                error = exc
            except httpx.HTTPError as exc:
                error = _transport_error(exc, op.operation_id, op.method + " " + url)
            else:
                received = response.num_bytes_downloaded or len(response.content)
                self.stats.bytes_received += received
                op_stats.bytes_received += received
                request_id = response.headers.get("X-request-id")
                if request_id:
                    for ids in _CAPTURES.get():
                        ids.append(request_id)
                log.debug(
                    "%s %s -> %d in %.0f ms (request id %s)",
                    op.method,
                    url,
                    response.status_code,
                    (time.monotonic() - started) * 1000,
                    request_id or "-",
                )
                if response.is_success or (
                    result_array_on_400
                    and response.status_code == 400
                    and response.content.lstrip().startswith(b"[")
                ):
                    return response
                error = error_from_response(
                    response.status_code, response.content, response.headers, op.operation_id
                )
            self.stats.errors += 1
            op_stats.errors += 1
            if not (op.read_only and self._retry.should_retry(error, attempt)):
                raise error
            delay = self._retry.delay(error, attempt)
            self.stats.retries += 1
            log.info(
                "%s failed (%s); retry %d in %.2f s", op.operation_id, error.code, attempt, delay
            )
            await self._sleep(delay)

    def _json(self, name: str, response: httpx.Response) -> Any:
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise MalformedResponseError.from_body(
                _describe_bad_json(response.content, exc),
                response.content,
                operation=OPERATIONS[name].operation_id,
                http_status=response.status_code,
                request_id=response.headers.get("X-request-id"),
            ) from None

    def _validation_error(
        self, name: str, response: httpx.Response, exc: ValidationError
    ) -> MalformedResponseError:
        return MalformedResponseError.from_validation_errors(
            exc.errors(include_url=False, include_input=False),
            operation=OPERATIONS[name].operation_id,
            http_status=response.status_code,
            request_id=response.headers.get("X-request-id"),
        )

    async def _call(self, name: str, model: type[M], **send: Any) -> M:
        response = await self._send(name, **send)
        data = self._json(name, response)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise self._validation_error(name, response, exc) from None

    async def _ack(self, name: str, **send: Any) -> bool:
        """A 2xx answer means the service accepted the call, whatever the body says: the SDK
        types it as an opaque string, so a stop that took effect is never reported as
        malformed. An unusual body is logged for the curious."""
        response = await self._send(name, **send)
        if _parse_ack(response.content) is not True:
            log.info(
                "%s answered %d with an unusual body (%d bytes); counted as success",
                OPERATIONS[name].operation_id,
                response.status_code,
                len(response.content),
            )
        return True

    # --- workspaces --------------------------------------------------------------------------

    async def create_common_workspace(self, workspace: WorkspaceCreate | Body) -> Workspace:
        return await self._call("create_common_workspace", Workspace, body=_dump(workspace))

    async def list_common_workspace(
        self,
        *,
        offset: int = 0,
        limit: int = 10,
        workspace_ids: Sequence[str] | None = None,
        workspace_name: str | None = None,
        star: bool | None = None,
        create_time_from: TimeArg = None,
        create_time_to: TimeArg = None,
        update_time_from: TimeArg = None,
        update_time_to: TimeArg = None,
        order_by: str | None = None,
    ) -> WorkspaceList:
        params = _query(
            offset=offset,
            limit=_clamp_limit(limit),
            workspace_ids=workspace_ids,
            workspace_name=workspace_name,
            star=star,
            create_time_from=create_time_from,
            create_time_to=create_time_to,
            update_time_from=update_time_from,
            update_time_to=update_time_to,
            order_by=order_by,
        )
        return await self._call("list_common_workspace", WorkspaceList, params=params)

    async def update_common_workspace(
        self, workspace_id: str, update: WorkspaceUpdate | Body
    ) -> Workspace:
        return await self._call(
            "update_common_workspace",
            Workspace,
            path={"workspace_id": workspace_id},
            body=_dump(update),
        )

    async def delete_common_workspace(self, workspace_id: str) -> bool:
        return await self._ack(
            "delete_common_workspace", path={"workspace_id": workspace_id}, body={}
        )

    async def show_task_overview_in_workspace(self, workspace_id: str) -> Real3DTaskOverview:
        return await self._call(
            "show_task_overview_in_workspace",
            Real3DTaskOverview,
            path={"workspace_id": workspace_id},
        )

    # --- Real3D tasks ------------------------------------------------------------------------

    async def create_real3d_task(
        self, workspace_id: str, task: Real3DTaskCreate | Body
    ) -> Real3DTask:
        return await self._call(
            "create_real3d_task",
            Real3DTask,
            path={"workspace_id": workspace_id},
            body=_dump(task),
        )

    async def list_tasks_in_workspace(
        self,
        workspace_id: str,
        *,
        offset: int = 0,
        limit: int = 10,
        task_name: str | None = None,
        task_type: Sequence[str] | None = None,
        modeling_type: str | None = None,
        create_time_from: TimeArg = None,
        create_time_to: TimeArg = None,
        update_time_from: TimeArg = None,
        update_time_to: TimeArg = None,
        task_ids: Sequence[str] | None = None,
        task_status: Sequence[str] | None = None,
    ) -> Real3DTaskList:
        params = _query(
            offset=offset,
            limit=_clamp_limit(limit),
            task_name=task_name,
            task_type=task_type,
            modeling_type=modeling_type,
            create_time_from=create_time_from,
            create_time_to=create_time_to,
            update_time_from=update_time_from,
            update_time_to=update_time_to,
            task_ids=task_ids,
            task_status=task_status,
        )
        return await self._call(
            "list_tasks_in_workspace",
            Real3DTaskList,
            path={"workspace_id": workspace_id},
            params=params,
        )

    async def update_real3d_task(
        self, workspace_id: str, task_id: str, update: Real3DTaskUpdate | Body
    ) -> Real3DTask:
        return await self._call(
            "update_real3d_task",
            Real3DTask,
            path={"workspace_id": workspace_id, "task_id": task_id},
            body=_dump(update),
        )

    async def start_real3d_task(
        self, workspace_id: str, task_id: str, run_at_only: bool = False
    ) -> Real3DTask:
        body: dict[str, Any] = {"run_AT_only": True} if run_at_only else {}
        return await self._call(
            "start_real3d_task",
            Real3DTask,
            path={"workspace_id": workspace_id, "task_id": task_id},
            body=body,
        )

    async def stop_real3d_task(self, workspace_id: str, task_id: str) -> bool:
        return await self._ack(
            "stop_real3d_task", path={"workspace_id": workspace_id, "task_id": task_id}, body={}
        )

    async def delete_real3d_task(self, workspace_id: str, task_id: str) -> bool:
        return await self._ack(
            "delete_real3d_task",
            path={"workspace_id": workspace_id, "task_id": task_id},
            body={},
        )

    async def update_real3d_task_archived_status(
        self, workspace_id: str, task_id: str, archive: bool
    ) -> Real3DTask:
        return await self._call(
            "update_real3d_task_archived_status",
            Real3DTask,
            path={"workspace_id": workspace_id, "task_id": task_id},
            body={"archive": bool(archive)},
        )

    # --- refinement subtasks -----------------------------------------------------------------

    async def create_real3d_subtask(
        self, workspace_id: str, task_id: str, subtask: Real3DSubTaskCreate | Body | str
    ) -> Real3DSubTask:
        body = {"subtask_name": subtask} if isinstance(subtask, str) else _dump(subtask)
        return await self._call(
            "create_real3d_subtask",
            Real3DSubTask,
            path={"workspace_id": workspace_id, "task_id": task_id},
            body=body,
        )

    async def list_real3d_subtasks(
        self,
        workspace_id: str,
        task_id: str,
        *,
        offset: int = 0,
        limit: int = 10,
        subtask_id: str | None = None,
        subtask_name: str | None = None,
        subtask_status: Sequence[str] | None = None,
        create_time_from: TimeArg = None,
        create_time_to: TimeArg = None,
        update_time_from: TimeArg = None,
        update_time_to: TimeArg = None,
    ) -> Real3DSubTaskList:
        params = _query(
            offset=offset,
            limit=_clamp_limit(limit),
            subtask_id=subtask_id,
            subtask_name=subtask_name,
            subtask_status=subtask_status,
            create_time_from=create_time_from,
            create_time_to=create_time_to,
            update_time_from=update_time_from,
            update_time_to=update_time_to,
        )
        return await self._call(
            "list_real3d_subtasks",
            Real3DSubTaskList,
            path={"workspace_id": workspace_id, "task_id": task_id},
            params=params,
        )

    def _sub_path(self, workspace_id: str, task_id: str, subtask_id: str) -> dict[str, str]:
        return {"workspace_id": workspace_id, "task_id": task_id, "subtask_id": subtask_id}

    async def start_real3d_subtask(
        self, workspace_id: str, task_id: str, subtask_id: str
    ) -> Real3DSubTask:
        return await self._call(
            "start_real3d_subtask",
            Real3DSubTask,
            path=self._sub_path(workspace_id, task_id, subtask_id),
            body={},
        )

    async def stop_real3d_subtask(self, workspace_id: str, task_id: str, subtask_id: str) -> bool:
        return await self._ack(
            "stop_real3d_subtask", path=self._sub_path(workspace_id, task_id, subtask_id), body={}
        )

    async def delete_real3d_subtask(self, workspace_id: str, task_id: str, subtask_id: str) -> bool:
        return await self._ack(
            "delete_real3d_subtask",
            path=self._sub_path(workspace_id, task_id, subtask_id),
            body={},
        )

    async def sim_update_subtask_upload_status(
        self, workspace_id: str, task_id: str, subtask_id: str, subtask_status: str
    ) -> Real3DSubTask:
        """Simulator-only (SPEC §4.8): drive a subtask's upload states."""
        return await self._call(
            "sim_update_subtask_upload_status",
            Real3DSubTask,
            path=self._sub_path(workspace_id, task_id, subtask_id),
            body={"subtask_status": _wire_value(subtask_status)},
        )

    # --- spurs -------------------------------------------------------------------------------

    async def add_spur_point(self, spur: SpurInfo | Body) -> SpurInfoDetail:
        return await self._call("add_spur_point", SpurInfoDetail, body=_dump(spur))

    async def delete_spur_point(self, spur_id: str) -> bool:
        return await self._ack("delete_spur_point", body={"id": spur_id})

    async def list_spur_points(
        self, task_id: str, image_code: str, *, offset: int = 0, limit: int = 10
    ) -> SpurList:
        body = {
            "imageCode": image_code,
            "taskId": task_id,
            "offset": offset,
            "limit": _clamp_limit(limit),
        }
        return await self._call("list_spur_points", SpurList, body=body)

    async def show_spur_count(self, query: SpurCountQuery | Body) -> SpurCount:
        return await self._call("show_spur_count", SpurCount, body=_dump(query))

    async def create_marker_info(self, task_id: str) -> bool:
        # No body: the official SDK declares none (the reference's "{}" is not sent).
        return await self._ack("create_marker_info", path={"task_id": task_id})

    # --- Real3D data -------------------------------------------------------------------------

    async def list_folder(
        self,
        *,
        offset: int = 0,
        limit: int = 10,
        condition: FolderQueryCondition | Body | None = None,
    ) -> FolderList:
        """GET with a JSON body (SPEC §6.1); paging lives only in the body, as the SDK sends
        it (the query form belonged to a withdrawn SDK release)."""
        limit = _clamp_limit(limit)
        body: dict[str, Any] = {"offset": offset, "limit": limit}
        if condition is not None:
            body["condition"] = _dump(condition)
        return await self._call("list_folder", FolderList, body=body)

    async def list_real3d_products(
        self,
        *,
        offset: int = 0,
        limit: int = 10,
        product_name: str | None = None,
        product_id: str | None = None,
    ) -> Real3DProductList:
        params = _query(
            offset=offset,
            limit=_clamp_limit(limit),
            product_name=product_name,
            product_id=product_id,
        )
        return await self._call("list_real3d_products", Real3DProductList, params=params)

    async def delete_real3d_product(self, product_id: str) -> bool:
        return await self._ack("delete_real3d_product", path={"product_id": product_id}, body={})

    async def list_real3d_refine_products(
        self,
        *,
        offset: int = 0,
        limit: int = 10,
        refine_product_id: str | None = None,
        task_name: str | None = None,
        subtask_name: str | None = None,
        subtask_create_time_from: TimeArg = None,
        subtask_create_time_to: TimeArg = None,
        subtask_completed_time_from: TimeArg = None,
        subtask_completed_time_to: TimeArg = None,
        order_by: str | None = None,
    ) -> Real3DRefineProductList:
        params = _query(
            offset=offset,
            limit=_clamp_limit(limit),
            refine_product_id=refine_product_id,
            task_name=task_name,
            subtask_name=subtask_name,
            subtask_create_time_from=subtask_create_time_from,
            subtask_create_time_to=subtask_create_time_to,
            subtask_completed_time_from=subtask_completed_time_from,
            subtask_completed_time_to=subtask_completed_time_to,
            order_by=order_by,
        )
        return await self._call(
            "list_real3d_refine_products", Real3DRefineProductList, params=params
        )

    async def delete_real3d_refine_product(self, refine_product_id: str) -> bool:
        return await self._ack(
            "delete_real3d_refine_product",
            path={"refine_product_id": refine_product_id},
            body={},
        )

    async def show_real3d_usage(self, usage_type: str) -> Real3DUsageList:
        return await self._call(
            "show_real3d_usage", Real3DUsageList, params=_query(usage_type=usage_type)
        )

    # --- satellite tasks ---------------------------------------------------------------------

    async def create_task(self, task: SatelliteTaskCreate | Body) -> SatelliteTask:
        return await self._call("create_task", SatelliteTask, body=_dump(task))

    async def show_task_overview(self, workspace_id: str) -> SatelliteTaskOverview:
        return await self._call(
            "show_task_overview",
            SatelliteTaskOverview,
            params=_query(workspace_id=workspace_id),
        )

    async def list_task_info(
        self,
        workspace_id: str,
        *,
        offset: int = 0,
        limit: int = 10,
        task_name: str | None = None,
        task_status: Sequence[str] | None = None,
        create_time_start: TimeArg = None,
        create_time_end: TimeArg = None,
    ) -> SatelliteTaskList:
        params = _query(
            workspace_id=workspace_id,
            offset=offset,
            limit=_clamp_limit(limit),
            task_name=task_name,
            task_status=task_status,
            create_time_start=create_time_start,
            create_time_end=create_time_end,
        )
        return await self._call("list_task_info", SatelliteTaskList, params=params)

    async def start_task(self, task_id: str) -> bool:
        return await self._ack("start_task", body={"id": task_id})

    async def stop_task(self, task_id: str) -> bool:
        return await self._ack("stop_task", body={"id": task_id})

    async def update_task_archived_status(self, task_id: str, archived: bool) -> bool:
        return await self._ack(
            "update_task_archived_status",
            params=_query(archived=bool(archived)),
            body={"id": task_id},
        )

    async def delete_task(self, task_id: str) -> bool:
        return await self._ack("delete_task", body={"id": task_id})

    async def validate_image(self, request: ImageCheckRequest | Body) -> list[ImageCheckResult]:
        """Per-image results.  The service answers HTTP 400 with the same array when some image
        fails the check; that is a result, not an error (look at ``error_message``)."""
        response = await self._send("validate_image", body=_dump(request), result_array_on_400=True)
        data = self._json("validate_image", response)
        try:
            return _CHECK_RESULTS.validate_python(data)
        except ValidationError as exc:
            raise self._validation_error("validate_image", response, exc) from None

    async def list_image_base_info(
        self,
        query: ImageInfoQuery | Body | None = None,
        *,
        offset: int = 0,
        limit: int = 10,
    ) -> ImageInfoList:
        """Form fields sent as ``multipart/form-data`` like the SDK (docs/api-client.md).
        ``offset``/``limit`` given here win over any in ``query`` (so ``paginate`` works)."""
        fields = _dump(query) if query is not None else {}
        fields["offset"] = offset
        fields["limit"] = _clamp_limit(limit)
        form = {k: _wire_value(v) for k, v in fields.items() if v is not None}
        return await self._call("list_image_base_info", ImageInfoList, form=form)

    async def list_usage_info(
        self, usage_type: str, *, offset: int = 0, limit: int = 10
    ) -> UsageInfoList:
        params = _query(usage_type=usage_type, offset=offset, limit=_clamp_limit(limit))
        return await self._call("list_usage_info", UsageInfoList, params=params)
