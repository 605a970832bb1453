"""Huawei Cloud API-gateway request signing (``SDK-HMAC-SHA256``), stdlib only.

The algorithm follows ``/work/shared/koomap-api/AUTH.md`` section 2; both published test
vectors are reproduced in ``tests/unit/test_signing.py`` and the result is cross-checked
against ``huaweicloudsdkcore``'s ``Signer`` with generated requests. Where the SDK and the
reference text differ (see ``docs/configuration.md``), this module follows the reference.

Everything here is a pure function so the httpx glue in :mod:`koomap_tui.api.auth` stays thin
and the canonical request can be shown when a signature is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, unquote, urlsplit

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
HEADER_DATE = "X-Sdk-Date"
HEADER_CONTENT_SHA256 = "X-Sdk-Content-Sha256"
HEADER_AUTHORIZATION = "Authorization"

# RFC 3986 unreserved characters; Python's quote() always keeps letters, digits and "_.-",
# so "~" is the only one that has to be named. quote() emits upper-case hex.
_SAFE = "~"

QueryValue = str | bool | int | float


def encode(text: str) -> str:
    """Percent-encode ``text`` as UTF-8, keeping only ``A-Za-z0-9-_.~`` (space -> ``%20``)."""
    return quote(text, safe=_SAFE)


def canonical_uri(path: str) -> str:
    """Canonical URI: decode, split on ``/``, encode each segment, re-join, end with ``/``."""
    segments = unquote(path).split("/")
    joined = "/".join(encode(segment) for segment in segments)
    if not joined.endswith("/"):
        joined += "/"
    return joined


def _query_text(value: QueryValue) -> str:
    # bool is tested first because it is a subclass of int.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def canonical_query(pairs: Iterable[tuple[str, QueryValue]]) -> str:
    """Canonical query string; also the exact query string to put on the wire.

    Pairs are sorted on their *raw* text by code point, so repeated keys end up with their
    values sorted too.
    """
    raw = sorted((key, _query_text(value)) for key, value in pairs)
    return "&".join(f"{encode(key)}={encode(value)}" for key, value in raw)


def query_pairs(query: str) -> list[tuple[str, str]]:
    """Decode a wire query string into raw pairs (``+`` is a space, blank values kept)."""
    return parse_qsl(query, keep_blank_values=True)


def canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """Return ``(canonical_headers, signed_headers)`` for every header given.

    ``Authorization`` is never signed (it carries the signature itself).
    """
    lowered = {
        name.lower(): value.strip()
        for name, value in headers.items()
        if name.lower() != HEADER_AUTHORIZATION.lower()
    }
    names = sorted(lowered)
    block = "".join(f"{name}:{lowered[name]}\n" for name in names)
    return block, ";".join(names)


def is_json_content_type(content_type: str | None) -> bool:
    """JSON bodies are hashed; any other declared content type is sent unsigned."""
    if content_type is None:
        return True
    return content_type.strip().lower().startswith("application/json")


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_request(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    payload_hash: str,
) -> str:
    """The six-line canonical request (``query`` must already be canonical)."""
    header_block, signed = canonical_headers(headers)
    return "\n".join(
        [method.upper(), canonical_uri(path), query, header_block, signed, payload_hash]
    )


def string_to_sign(request_text: str, sdk_date: str) -> str:
    digest = hashlib.sha256(request_text.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret_key: str, text_to_sign: str) -> str:
    return hmac.new(
        secret_key.encode("utf-8"), text_to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def authorization_header(access_key: str, signed_headers: str, sig: str) -> str:
    return f"{ALGORITHM} Access={access_key}, SignedHeaders={signed_headers}, Signature={sig}"


def format_sdk_date(now: datetime) -> str:
    if now.tzinfo is not None:
        now = now.astimezone(UTC)
    return now.strftime(DATE_FORMAT)


def _find(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _host_of(url_netloc: str) -> str:
    # The signed host must be the wire value, so keep any explicit port but drop userinfo.
    return url_netloc.rpartition("@")[2]


@dataclass(frozen=True)
class SignedRequest:
    """Everything the signer decided, so a refused signature can be diagnosed.

    The secret key never enters this object; ``headers`` and ``canonical_request`` may hold a
    security token, so they are left out of ``repr``.
    """

    headers: dict[str, str] = field(repr=False)
    query: str
    canonical_request: str = field(repr=False)
    string_to_sign: str
    signed_headers: str
    signature: str


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | str | None,
    ak: str,
    sk: str,
    now: datetime | None = None,
    *,
    query: Iterable[tuple[str, QueryValue]] | None = None,
) -> SignedRequest:
    """Sign one request; every header in ``headers`` is signed.

    ``Host`` is taken from the URL when absent, ``X-Sdk-Date`` from ``now`` (default: the
    current UTC time) when absent. ``query`` overrides the URL's own query string.
    The returned headers are the input headers plus ``Host``, ``X-Sdk-Date``,
    ``X-Sdk-Content-Sha256`` (non-JSON bodies) and ``Authorization``.
    """
    parts = urlsplit(url)
    pairs = list(query) if query is not None else query_pairs(parts.query)
    out = {name: value for name, value in headers.items() if name.lower() != "authorization"}

    if _find(out, "host") is None:
        out["Host"] = _host_of(parts.netloc)
    sdk_date = _find(out, HEADER_DATE)
    if sdk_date is None:
        sdk_date = format_sdk_date(now or datetime.now(UTC))
        out[HEADER_DATE] = sdk_date
    sdk_date = sdk_date.strip()

    payload = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    unsigned = not is_json_content_type(_find(out, "content-type"))
    if unsigned and _find(out, HEADER_CONTENT_SHA256) is None:
        out[HEADER_CONTENT_SHA256] = UNSIGNED_PAYLOAD
    declared = _find(out, HEADER_CONTENT_SHA256)
    payload_hash = declared.strip() if declared is not None else body_hash(payload)

    cquery = canonical_query(pairs)
    path = parts.path or "/"
    creq = canonical_request(method, path, cquery, out, payload_hash)
    to_sign = string_to_sign(creq, sdk_date)
    sig = signature(sk, to_sign)
    _, signed = canonical_headers(out)
    out[HEADER_AUTHORIZATION] = authorization_header(ak, signed, sig)
    return SignedRequest(
        headers=out,
        query=cquery,
        canonical_request=creq,
        string_to_sign=to_sign,
        signed_headers=signed,
        signature=sig,
    )


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | str | None,
    ak: str,
    sk: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """Return the headers to send (input headers plus the signing headers).

    The wire query must be :func:`canonical_query` of the URL's pairs; use
    :func:`sign_request` to get it along with the headers.
    """
    return sign_request(method, url, headers, body, ak, sk, now).headers
