"""Server-side verification of `SDK-HMAC-SHA256` request signatures (AUTH.md §2).

Written independently of koomap_tui.api.signing: the canonical request is rebuilt from what
actually arrived on the wire (method, raw path, raw query, the listed signed headers, body).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import time
from collections.abc import Mapping
from urllib.parse import quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
UNSIGNED = "UNSIGNED-PAYLOAD"
MAX_SKEW_SECONDS = 15 * 60


class SignatureError(Exception):
    """Signature missing, malformed, wrong, or signed too far from now."""


def _enc(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_uri(raw_path: str) -> str:
    segments = unquote(raw_path).split("/")
    uri = "/".join(_enc(s) for s in segments)
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(raw_query: str) -> str:
    if not raw_query:
        return ""
    pairs: list[tuple[str, str]] = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    pairs.sort()
    return "&".join(f"{_enc(k)}={_enc(v)}" for k, v in pairs)


def canonical_request(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    signed_headers: list[str],
    body: bytes,
) -> str:
    lines = []
    for name in signed_headers:
        if name not in headers:
            raise SignatureError(f"signed header {name!r} missing")
        lines.append(f"{name}:{headers[name].strip()}\n")
    if headers.get("x-sdk-content-sha256") == UNSIGNED:
        body_hash = UNSIGNED
    else:
        body_hash = hashlib.sha256(body).hexdigest()
    return "\n".join(
        [
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(raw_query),
            "".join(lines),
            ";".join(signed_headers),
            body_hash,
        ]
    )


def parse_authorization(value: str) -> tuple[str, list[str], str]:
    """Split `SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..` into its parts."""
    if not value.startswith(ALGORITHM + " "):
        raise SignatureError("unsupported algorithm")
    fields: dict[str, str] = {}
    for item in value[len(ALGORITHM) + 1 :].split(","):
        key, sep, val = item.strip().partition("=")
        if sep:
            fields[key] = val
    try:
        return fields["Access"], fields["SignedHeaders"].split(";"), fields["Signature"]
    except KeyError as exc:
        raise SignatureError("incomplete Authorization header") from exc


def compute_signature(sk: str, sdk_date: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    string_to_sign = f"{ALGORITHM}\n{sdk_date}\n{digest}"
    return hmac.new(sk.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def verify(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    sk_for: Mapping[str, str],
    now: float | None = None,
) -> str:
    """Return the access key of a correctly signed request; raise SignatureError otherwise.

    `headers` must map lower-case names to values; `now` is wall-clock Unix time.
    """
    access, signed, signature = parse_authorization(headers.get("authorization", ""))
    sk = sk_for.get(access)
    if sk is None:
        raise SignatureError("unknown access key")
    sdk_date = headers.get("x-sdk-date", "")
    try:
        signed_at = calendar.timegm(time.strptime(sdk_date, "%Y%m%dT%H%M%SZ"))
    except ValueError as exc:
        raise SignatureError("bad X-Sdk-Date") from exc
    if "authorization" in signed:
        raise SignatureError("authorization must not be signed")
    canonical = canonical_request(method, raw_path, raw_query, headers, signed, body)
    expected = compute_signature(sk, sdk_date, canonical)
    if not hmac.compare_digest(expected, signature):
        raise SignatureError("signature mismatch")
    current = time.time() if now is None else now
    if abs(current - signed_at) > MAX_SKEW_SECONDS:
        raise SignatureError("request time too far from server time")
    return access
