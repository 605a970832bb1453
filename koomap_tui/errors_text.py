"""One operator-readable line for any exception that reaches the top level."""

from __future__ import annotations

from koomap_tui.logsafe import redact


def describe(exc: BaseException) -> str:
    name = type(exc).__name__
    text = str(exc).strip()
    if name in ("ConfigError", "UsageError", "CredentialsError") or hasattr(exc, "code"):
        return redact(text) or name
    if isinstance(exc, OSError):
        return redact(f"{exc.strerror or text} ({getattr(exc, 'filename', '') or name})")
    return redact(f"unexpected {name}: {text}" if text else f"unexpected {name}")
