"""Crash reports: the operator sees one line; the redacted traceback goes to a private file.

Textual's default prints a traceback *with local variables* on exit, which can hold tokens or
keys; this module replaces that with a report without locals, redacted, created 0600.
"""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path

from koomap_tui.logsafe import redact


def crash_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir("koomap-tui"))


def write_crash_report(error: BaseException, directory: Path | None = None) -> Path | None:
    """Write the redacted traceback; returns its path, or None when it cannot be written."""
    folder = directory or crash_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / time.strftime("crash-%Y%m%d-%H%M%S.txt", time.gmtime())
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(redact(text))
    except OSError:
        return None
    return path


def one_line(error: BaseException, report: Path | None) -> str:
    where = f"details in {report}" if report else "no crash report could be written"
    return redact(f"koomap-tui stopped after an internal error ({type(error).__name__}); {where}")
