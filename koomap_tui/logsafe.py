"""Keep secrets out of log files, crash output and doctor reports.

Three layers, because no single one is enough:
* known values: the session registers the SK, password and token it resolved
  (`register_secret`), and every literal occurrence is masked;
* named values: `password=...`, `"sk": "..."`, `X-Auth-Token: ...`, `Authorization: ...`;
* opaque runs: long base64-looking runs that mix upper case, lower case and digits (IAM tokens,
  SKs). Paths, task ids (lower-case hex) and names with underscores stay readable, so the log is
  still useful.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

from koomap_tui.text import inert, inert_multiline

REDACTED = "***"

# Header and field names whose values are secrets, in JSON, query, header or repr form.
_NAMED = re.compile(
    r"(?i)(x-auth-token|x-subject-token|x-security-token|authorization|password|passwd|secret"
    r"|secret_access_key|secretaccesskey|\bsk\b|token|signature)"
    r"""(["']?\s*[:=]\s*(?:Bearer\s+|SDK-HMAC-SHA256\s+)?["']?)([^\s"',&}]+)"""
)
# Base64-ish runs (no '/', so paths are judged segment by segment).
_OPAQUE = re.compile(r"[A-Za-z0-9+_=-]{24,}")

_lock = threading.Lock()
_known: set[str] = set()


def register_secret(value: object) -> None:
    """Remember a secret value (str or SecretStr) so that it is masked wherever it appears."""
    if value is None:
        return
    text = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    if len(text) >= 4:
        with _lock:
            _known.add(text)


def known_secrets() -> tuple[str, ...]:
    with _lock:
        return tuple(sorted(_known, key=len, reverse=True))


def forget_secrets() -> None:
    with _lock:
        _known.clear()


def _looks_secret(run: str) -> bool:
    body = run.strip("=")
    mixed = (
        any(c.isdigit() for c in body)
        and any(c.isupper() for c in body)
        and any(c.islower() for c in body)
    )
    return mixed and (len(body) > 50 or "_" not in body)


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """Replace known secrets and anything shaped like one."""
    for secret in sorted({*known_secrets(), *extra}, key=len, reverse=True):
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    text = _NAMED.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _OPAQUE.sub(lambda m: REDACTED if _looks_secret(m.group(0)) else m.group(0), text)


class RedactingFilter(logging.Filter):
    """Formats the record's message once, redacts it, escapes control characters (a server's
    request id or name must not put ESC sequences or fake lines into the log) and freezes it."""

    secrets: tuple[str, ...] = ()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record (or crash a handler)
            message = f"{record.msg!r} {record.args!r}"
        message = inert(redact(message, self.secrets))
        record.msg, record.args = message, None
        if record.exc_info:
            import traceback

            detail = "".join(traceback.format_exception(*record.exc_info))
            record.msg = f"{message}\n{inert_multiline(redact(detail, self.secrets))}"
            record.exc_info = None
            record.exc_text = None
        if record.stack_info:
            record.stack_info = inert_multiline(redact(record.stack_info, self.secrets))
        return True
