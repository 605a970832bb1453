"""httpx authentication for KooMap: AK/SK signing, IAM password tokens, pre-issued tokens.

Secrets live in :class:`pydantic.SecretStr` and are unwrapped only at the moment they go on the
wire. No ``repr``, ``str`` or exception text produced here contains a secret, including text the
IAM server sends back. Note that httpx's own ``Headers`` repr redacts only ``Authorization``, so
callers must not log request headers (``X-Auth-Token`` / ``X-Security-Token`` would show).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable, Generator
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import httpx
from pydantic import SecretStr

from koomap_tui.api import signing
from koomap_tui.api.errors import AuthenticationError, sanitize

__all__ = ["AkSkAuth", "IamTokenAuth", "StaticTokenAuth", "mask"]

TOKEN_HEADER = "X-Auth-Token"
SUBJECT_TOKEN_HEADER = "X-Subject-Token"
DEFAULT_TOKEN_LIFETIME = timedelta(hours=24)

# Gateway codes that mean "this token is missing, wrong or expired" (errors.json). Other 403
# codes (GATEWAY.0003 frozen, GATEWAY.0005 / APIGW.0302 permission) will not be cured by a new
# token, so they are passed through untouched.
STALE_TOKEN_CODES = frozenset({"APIGW.0301", "APIGW.0307", "GATEWAY.0002"})

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _secret(value: SecretStr | str) -> SecretStr:
    return value if isinstance(value, SecretStr) else SecretStr(value)


def mask(identifier: str) -> str:
    """Show enough of an access key id to tell keys apart, never the whole of it."""
    if len(identifier) <= 8:
        return "***"
    return f"{identifier[:4]}…{identifier[-3:]}"


class AkSkAuth(httpx.Auth):
    """Sign every request with ``SDK-HMAC-SHA256`` (AUTH.md section 2).

    Signs exactly ``host`` (wire value, explicit port when non-default), ``x-sdk-date``,
    ``content-type`` when sent, ``x-project-id`` / ``x-security-token`` when configured, and
    ``x-sdk-content-sha256`` for non-JSON bodies. Other headers (User-Agent, Accept, ...) stay
    unsigned so a proxy that rewrites them cannot break the signature. The wire query is
    replaced by the canonical query, byte for byte what was signed.
    """

    requires_request_body = True

    def __init__(
        self,
        ak: str,
        sk: SecretStr | str,
        project_id: str | None = None,
        security_token: SecretStr | str | None = None,
        *,
        clock: Clock = _utcnow,
    ) -> None:
        if not ak or not _secret(sk).get_secret_value():
            raise ValueError("AK/SK signing needs both an access key and a secret key")
        self.ak = ak
        self._sk = _secret(sk)
        self.project_id = project_id
        self._security_token = None if security_token is None else _secret(security_token)
        self._clock = clock

    def __repr__(self) -> str:
        token = ", security_token=***" if self._security_token is not None else ""
        return f"AkSkAuth(ak={mask(self.ak)!r}, project_id={self.project_id!r}{token})"

    def sign_request(self, request: httpx.Request) -> signing.SignedRequest:
        """Sign ``request`` in place and return what was signed (for diagnostics)."""
        for name in ("Authorization", signing.HEADER_DATE, signing.HEADER_CONTENT_SHA256):
            request.headers.pop(name, None)
        to_sign: dict[str, str] = {"Host": request.headers.get("Host", request.url.netloc.decode())}
        to_sign[signing.HEADER_DATE] = signing.format_sdk_date(self._clock())
        content_type = request.headers.get("Content-Type")
        if content_type is not None:
            to_sign["Content-Type"] = content_type
        if self.project_id:
            to_sign["X-Project-Id"] = self.project_id
        if self._security_token is not None:
            to_sign["X-Security-Token"] = self._security_token.get_secret_value()
        signed = signing.sign_request(
            request.method,
            str(request.url),
            to_sign,
            request.content,
            self.ak,
            self._sk.get_secret_value(),
            query=request.url.params.multi_items(),
        )
        request.url = request.url.copy_with(query=signed.query.encode("ascii") or None)
        for name, value in signed.headers.items():
            request.headers[name] = value
        return signed

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign_request(request)
        yield request


class StaticTokenAuth(httpx.Auth):
    """Send a pre-issued IAM token (``X-Auth-Token``); nothing can refresh it."""

    def __init__(self, token: SecretStr | str) -> None:
        self._token = _secret(token)
        if not self._token.get_secret_value():
            raise ValueError("the token is empty")

    def __repr__(self) -> str:
        return "StaticTokenAuth(token=***)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[TOKEN_HEADER] = self._token.get_secret_value()
        yield request


class _BorrowedTransport(httpx.AsyncBaseTransport):
    """Lets a short-lived IAM client use a caller's transport without closing it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _iam_error_text(response: httpx.Response) -> str:
    """IAM answers ``{"error": {code, message, title}}`` or ``{error_code, error_msg}``."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return sanitize(response.text, 160) if response.content else ""
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict):
            parts = [str(inner.get(k)) for k in ("code", "title", "message") if inner.get(k)]
            return sanitize(" ".join(parts), 160)
        parts = [str(body.get(k)) for k in ("error_code", "error_msg") if body.get(k)]
        return sanitize(" ".join(parts), 160)
    return ""


class IamTokenAuth(httpx.Auth):
    """Obtain a project-scoped IAM token with a password and keep it fresh (AUTH.md section 1).

    * The token is fetched on first use, cached, and fetched again ``refresh_margin`` seconds
      before it expires. Expiry is measured on the local clock as ``expires_at - issued_at``
      after the fetch, so a skewed local clock does not shorten or stretch the lifetime.
    * A request refused as unauthenticated (401, or 403 with a stale-token gateway code) gets
      one new token and is retried once; a second refusal is returned as it is.
    * Concurrent requests share one fetch (an ``asyncio.Lock``); a request that was refused with
      a token somebody already replaced just retries with the newer one.
    * Any failure to obtain a token raises :class:`AuthenticationError`.

    ``transport`` (tests, simulator) and ``verify`` apply to the IAM calls only; the IAM call is
    made on its own short-lived client so it is neither rate limited nor retried with the
    KooMap calls. Async only.
    """

    requires_request_body = True

    def __init__(
        self,
        iam_endpoint: str,
        user: str,
        password: SecretStr | str,
        domain: str,
        project_name: str | None = None,
        project_id: str | None = None,
        refresh_margin: float = 300,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: bool = True,
        timeout: float = 15.0,
        clock: Clock = _utcnow,
    ) -> None:
        if not project_name and not project_id:
            raise ValueError("a project-scoped token needs project_name or project_id")
        self.iam_endpoint = iam_endpoint.rstrip("/")
        self.user = user
        self._password = _secret(password)
        self.domain = domain
        self.project_name = project_name
        self.project_id = project_id
        self.refresh_margin = timedelta(seconds=refresh_margin)
        self._transport = transport
        self._verify = verify
        self._timeout = timeout
        self._clock = clock
        self._token: SecretStr | None = None
        self._expires_at: datetime | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        #: Number of token requests sent to IAM (for tests and the status line).
        self.fetch_count = 0

    def __repr__(self) -> str:
        scope = (
            f"project_id={self.project_id!r}"
            if self.project_id
            else (f"project_name={self.project_name!r}")
        )
        return (
            f"IamTokenAuth(iam_endpoint={self.iam_endpoint!r}, user={self.user!r}, "
            f"domain={self.domain!r}, {scope}, password=***)"
        )

    @property
    def expires_at(self) -> datetime | None:
        """Local-clock expiry of the cached token (None before the first fetch)."""
        return self._expires_at

    def invalidate(self) -> None:
        """Forget the cached token; the next request fetches a new one."""
        self._token = None
        self._expires_at = None

    def _loop_lock(self) -> asyncio.Lock:
        # An asyncio.Lock belongs to one event loop; a console may run more than one loop over
        # its life (doctor check, then the app), so keep one lock per running loop.
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock = asyncio.Lock()
            self._lock_loop = loop
        return self._lock

    def _fresh(self) -> bool:
        if self._token is None or self._expires_at is None:
            return False
        return self._clock() < self._expires_at - self.refresh_margin

    async def get_token(self) -> SecretStr:
        """A valid token, fetching one if the cache is empty or near expiry."""
        if self._fresh():
            assert self._token is not None
            return self._token
        async with self._loop_lock():
            if not self._fresh():
                await self._fetch()
            assert self._token is not None
            return self._token

    async def refresh(self, stale: SecretStr | None = None) -> SecretStr:
        """Fetch a new token, unless the cached one already differs from ``stale``."""
        async with self._loop_lock():
            current = self._token
            replaced = (
                current is not None
                and stale is not None
                and current.get_secret_value() != stale.get_secret_value()
            )
            if not (replaced and self._fresh()):
                await self._fetch()
            assert self._token is not None
            return self._token

    def _request_body(self) -> bytes:
        project: dict[str, str] = (
            {"id": self.project_id} if self.project_id else {"name": str(self.project_name)}
        )
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": self.user,
                            "password": self._password.get_secret_value(),
                            "domain": {"name": self.domain},
                        }
                    },
                },
                "scope": {"project": project},
            }
        }
        return json.dumps(body, ensure_ascii=False).encode("utf-8")

    def _scrub(self, text: str) -> str:
        secret = self._password.get_secret_value()
        return text.replace(secret, "***") if secret else text

    def _fail(self, message: str, status: int | None = None, code: str = "IAM.TOKEN") -> NoReturn:
        raise AuthenticationError(code, self._scrub(message), status, operation="IamToken")

    async def _fetch(self) -> None:
        url = f"{self.iam_endpoint}/v3/auth/tokens"
        transport = None if self._transport is None else _BorrowedTransport(self._transport)
        who = f"user {self.user!r} of account {self.domain!r}"
        self.fetch_count += 1
        started = self._clock()
        try:
            async with httpx.AsyncClient(
                transport=transport, verify=self._verify, timeout=self._timeout
            ) as client:
                response = await client.post(
                    url,
                    content=self._request_body(),
                    headers={"Content-Type": "application/json;charset=utf8"},
                )
        except httpx.HTTPError as exc:
            self._fail(f"cannot reach IAM at {self.iam_endpoint} ({type(exc).__name__})")
        if response.status_code not in (200, 201):
            detail = _iam_error_text(response)
            self._fail(
                f"IAM refused a token for {who}" + (f": {detail}" if detail else ""),
                response.status_code,
            )
        token = response.headers.get(SUBJECT_TOKEN_HEADER)
        if not token:
            self._fail(f"IAM answered without {SUBJECT_TOKEN_HEADER}", response.status_code)
        self._token = SecretStr(token)
        self._expires_at = self._expiry(response, started)

    @staticmethod
    def _expiry(response: httpx.Response, started: datetime) -> datetime:
        """Local-clock expiry; a body without a readable ``expires_at`` means 24 hours."""
        try:
            body = response.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        info = body.get("token") if isinstance(body, dict) else None
        if not isinstance(info, dict):
            return started + DEFAULT_TOKEN_LIFETIME
        expires = _parse_time(info.get("expires_at"))
        issued = _parse_time(info.get("issued_at"))
        if expires is None:
            return started + DEFAULT_TOKEN_LIFETIME
        if issued is not None and issued < expires:
            return started + (expires - issued)
        return expires

    @staticmethod
    async def _is_stale_token_refusal(response: httpx.Response) -> bool:
        if response.status_code == 401:
            return True
        if response.status_code != 403:
            return False
        await response.aread()
        try:
            body = response.json()
        except (ValueError, UnicodeDecodeError):
            return False
        return isinstance(body, dict) and body.get("error_code") in STALE_TOKEN_CODES

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("IamTokenAuth works with httpx.AsyncClient only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.get_token()
        request.headers[TOKEN_HEADER] = token.get_secret_value()
        response = yield request
        if not await self._is_stale_token_refusal(response):
            return
        token = await self.refresh(stale=token)
        request.headers[TOKEN_HEADER] = token.get_secret_value()
        yield request
