"""The ASGI application: faults, IAM, OBS, admin, gateway auth + QPS, then the operations.

A thin ASGI callable (mounted in a Starlette app) keeps per-request overhead small: list pages
must sustain hundreds of requests per second on two shared cores.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from koomap_tui.sim import errors as E
from koomap_tui.sim import iam, obs, tolerance
from koomap_tui.sim.admin import handle_admin
from koomap_tui.sim.core import Simulator
from koomap_tui.sim.errors import SimError
from koomap_tui.sim.params import Query
from koomap_tui.sim.records import dumps
from koomap_tui.sim.request import Raw, Req
from koomap_tui.sim.routes import ROUTER
from koomap_tui.sim.signing import SignatureError, verify
from koomap_tui.sim.tenants import Tenant

log = logging.getLogger("koomap_tui.sim")

Answer = tuple[int, dict[str, str], bytes]
JSON = "application/json"
MAX_BODY = 12 * 1024 * 1024  # the API gateway's limit
HTML_ERROR = (
    b"<html><head><title>502 Bad Gateway</title></head><body>"
    b"<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
NO_SUCH_KEY = (
    b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code>"
    b"<Message>The specified key does not exist.</Message></Error>"
)
FAULT_BODIES = {
    500: (E.GW_INNER, "Open gateway system inner error."),
    502: (E.GW_TIMEOUT, "Service timeout."),
    503: (E.APIGW_REQUEST, "Backend unavailable."),
    504: (E.APIGW_REQUEST, "Backend timeout."),
}


def error_answer(code: str, msg: str, status: int, headers: dict[str, str] | None = None) -> Answer:
    out = {"content-type": JSON}
    if headers:
        out.update(headers)
    return status, out, dumps({"error_code": code, "error_msg": msg})


def is_loopback(scope: Scope) -> bool:
    client = scope.get("client")
    host = client[0] if client else ""
    return host.startswith("127.") or host in ("::1", "localhost")


class SimASGI:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path: str = scope["path"]
        method: str = scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = os.urandom(16).hex()
        sim = self.sim

        if path.startswith("/_sim/") or path == "/_sim":
            if not is_loopback(scope):
                answer = error_answer(E.APIGW_REQUEST, "The admin API only answers loopback.", 403)
            else:
                answer = handle_admin(sim, method, path, body)
            await self._send(send, answer, request_id, method)
            return

        decision = sim.faults.decide(path)
        if decision.delay:
            await asyncio.sleep(decision.delay)
        kind = decision.kind
        raw_query = scope.get("query_string", b"").decode("latin-1")
        if kind == "drop" and not sim.faults.settings.drop_after_processing:
            sim.request_log.record(method, path, raw_query, None, 0)
            self._drop(receive)
            return
        if kind in ("error", "throttle", "html"):
            if kind == "throttle":
                retry = str(sim.faults.settings.retry_after)
                answer = error_answer(
                    E.GW_THROTTLED, "Too many requests.", 429, {"retry-after": retry}
                )
            elif kind == "html":
                answer = (502, {"content-type": "text/html"}, HTML_ERROR)
            else:
                code, msg = FAULT_BODIES[decision.status]
                extra = (
                    {"retry-after": str(sim.faults.settings.retry_after)}
                    if decision.status == 503
                    else None
                )
                answer = error_answer(code, msg, decision.status, extra)
            sim.request_log.record(method, path, raw_query, None, answer[0])
            await self._send(send, answer, request_id, method)
            return

        operation: str | None = None
        try:
            if len(body) > MAX_BODY and path.startswith("/v1/"):
                raise SimError(E.APIGW_REQUEST, "Request entity too large.", 413)
            if path == "/v3/auth/tokens" and method == "POST":
                operation = "IamCreateToken"
                answer = iam.issue(sim, body)
            elif path.split("/", 2)[1] in obs.BUCKETS:
                operation = "ObsObject"
                if kind == "drop":
                    self._drop(receive)
                    return
                await self._obs(scope, send, method, path, headers, body, request_id)
                sim.request_log.record(method, path, raw_query, operation, 200)
                return
            else:
                operation, answer = self._api(scope, method, path, raw_query, headers, body)
        except SimError as err:
            answer = error_answer(err.code, err.msg, err.status, err.headers)
        except Exception:  # a simulator bug must still answer like the service would
            log.exception("simulator error on %s %s", method, path)
            answer = error_answer(E.INTERNAL, "Internal service error.", 500)
        sim.request_log.record(method, path, raw_query, operation, answer[0])
        if kind == "drop":
            self._drop(receive)
            return
        if kind == "truncated":
            status, hdrs, payload = answer
            answer = (status, hdrs, payload[: max(1, len(payload) // 2)])
        await self._send(send, answer, request_id, method)

    # ------------------------------------------------------------------ KooMap operations
    def _api(
        self,
        scope: Scope,
        method: str,
        path: str,
        raw_query: str,
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[str | None, Answer]:
        sim = self.sim
        matched = ROUTER.match(method, path)
        if matched is None:
            return None, error_answer(
                E.APIGW_NOT_FOUND,
                "The API does not exist or has not been published in the environment.",
                404,
            )
        operation, handler, params = matched
        tenant, user = self._authenticate(scope, method, raw_query, headers, body)
        with sim.lock:
            if not sim.allow_request(tenant):
                return operation, error_answer(
                    E.GW_THROTTLED, "Too many requests.", 429, {"retry-after": "1"}
                )
            req = Req(method, path, Query(raw_query), headers, body, params)
            req.store = sim.stores[tenant.key]
            req.user = user
            req.now = sim.now()
            result = handler(sim, req)
        if isinstance(result, Raw):
            body_out = result.body
            if sim.config.tolerance and result.status == 200:
                body_out = dumps(tolerance.vary(json.loads(body_out)))
            return operation, (result.status, {"content-type": JSON}, body_out)
        if sim.config.tolerance:
            result = tolerance.vary(result)
        return operation, (200, {"content-type": JSON}, dumps(result))

    def _authenticate(
        self,
        scope: Scope,
        method: str,
        raw_query: str,
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[Tenant, str]:
        sim = self.sim
        token = headers.get("x-auth-token")
        if token:
            info = sim.tokens.get(token)
            if info is None:
                raise SimError(E.APIGW_BAD_AUTH, "Incorrect IAM authentication information.", 401)
            if info.expired or (info.expires_at is not None and time.time() >= info.expires_at):
                raise SimError(E.APIGW_TOKEN_EXPIRED, "The token must be updated.", 401)
            return info.tenant, info.tenant.user
        authorization = headers.get("authorization", "")
        if authorization.startswith("SDK-HMAC-SHA256"):
            raw_path = scope.get("raw_path") or scope["path"].encode()
            try:
                access = verify(
                    method=method,
                    raw_path=raw_path.decode("latin-1"),
                    raw_query=raw_query,
                    headers=headers,
                    body=body,
                    sk_for=sim.sk_by_ak,
                )
            except SignatureError as exc:
                raise SimError(
                    E.APIGW_BAD_AUTH, f"Incorrect IAM authentication information: {exc}", 401
                ) from None
            tenant = sim.tenant_by_ak[access]
            project = headers.get("x-project-id")
            if project and project != tenant.project_id:
                raise SimError(
                    E.APIGW_BAD_AUTH, "Incorrect IAM authentication information: project.", 401
                )
            return tenant, tenant.user
        raise SimError(E.GW_NO_AUTH, "Auth failed, please check your auth token.", 403)

    # ------------------------------------------------------------------ OBS
    async def _obs(
        self,
        scope: Scope,
        send: Any,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> None:
        sim = self.sim
        _, bucket, key = path.split("/", 2)
        if method == "PUT" and bucket == obs.UPLOAD_BUCKET:
            md5 = hashlib.md5(body).hexdigest()
            await self._send(
                send, (200, {"etag": f'"{md5}"', "content-length": "0"}, b""), request_id, method
            )
            return
        if method not in ("GET", "HEAD"):
            await self._send(
                send,
                (
                    405,
                    {"content-type": "application/xml"},
                    b"<Error><Code>MethodNotAllowed</Code></Error>",
                ),
                request_id,
                method,
            )
            return
        if not obs.exists(sim, bucket, key):
            xml = NO_SUCH_KEY
            await self._send(
                send, (404, {"content-type": "application/xml"}, xml), request_id, method
            )
            return
        size = obs.object_size(sim, path)
        common = {
            "content-type": "application/octet-stream",
            "accept-ranges": "bytes",
            "etag": obs.etag(path, size),
            "last-modified": "Mon, 03 Jun 2024 08:00:00 GMT",
        }
        start, end, status = 0, size - 1, 200
        range_header = headers.get("range")
        if range_header:
            parsed = obs.parse_range(range_header, size)
            if parsed is None:
                common["content-range"] = f"bytes */{size}"
                await self._send(send, (416, common, b""), request_id, method)
                return
            start, end = parsed
            status = 206
            common["content-range"] = f"bytes {start}-{end}/{size}"
        length = end - start + 1
        common["content-length"] = str(length)
        common["x-request-id"] = request_id
        await send({"type": "http.response.start", "status": status, "headers": _encode(common)})
        if method == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        pos = start
        step = 1024 * 1024
        while pos <= end:
            stop = min(pos + step - 1, end)
            piece = obs.read_range(path, pos, stop)
            pos = stop + 1
            await send({"type": "http.response.body", "body": piece, "more_body": pos <= end})

    # ------------------------------------------------------------------ plumbing
    @staticmethod
    def _drop(receive: Any) -> None:
        """Close the connection without any answer (the client sees a connection error)."""
        cycle = getattr(receive, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if cycle is None or transport is None:
            raise ConnectionAbortedError("simulated dropped connection")
        cycle.disconnected = True  # uvicorn then sends nothing more on this cycle
        transport.abort()

    @staticmethod
    async def _send(send: Any, answer: Answer, request_id: str, method: str) -> None:
        status, headers, payload = answer
        hdrs = dict(headers)
        hdrs["x-request-id"] = request_id
        hdrs.setdefault("content-length", str(len(payload)))
        await send({"type": "http.response.start", "status": status, "headers": _encode(hdrs)})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else payload})


def _encode(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


def build_app(sim: Simulator) -> Starlette:
    """The Starlette application serving `sim` (every path goes to the simulator's dispatcher)."""
    return Starlette(routes=[Mount("", app=SimASGI(sim))])
