"""Keep secrets out of log files: a logging filter that redacts them from every record."""

from __future__ import annotations

import logging
import re

# Header and field names whose values are secrets, in JSON, query, header or repr form.
_NAMED = re.compile(
    r"(?i)(x-auth-token|x-subject-token|x-security-token|authorization|password|passwd|secret"
    r"|secret_access_key|secretaccesskey|\bsk\b|token|signature)"
    r"""(["']?\s*[:=]\s*["']?)([^\s"',&}]+)"""
)
# Long opaque strings (IAM tokens are several hundred characters of base64).
_OPAQUE = re.compile(r"\b[A-Za-z0-9+/_-]{40,}={0,2}")

REDACTED = "***"


def redact(text: str, extra: tuple[str, ...] = ()) -> str:
    """Replace known secrets and anything shaped like one."""
    for secret in extra:
        if secret:
            text = text.replace(secret, REDACTED)
    text = _NAMED.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _OPAQUE.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Formats the record's message once, redacts it, and freezes the result."""

    secrets: tuple[str, ...] = ()

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage(), self.secrets)
        record.msg, record.args = message, None
        if record.exc_info:
            import traceback

            detail = "".join(traceback.format_exception(*record.exc_info))
            record.msg = f"{message}\n{redact(detail, self.secrets)}"
            record.exc_info = None
            record.exc_text = None
        return True
