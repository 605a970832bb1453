"""Reading the audit log as it grows, for the audit view (Textual-free).

The log is an append-only JSON-lines file that other consoles (other terminals, the CLI) may be
writing too, so the view tails the file itself rather than listening to this process's writes:
a stat per tick (size, mtime, inode) and, when it grew, a read of only the new bytes. A shrunk
or replaced file (rotation, truncation) is read again from the start.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from koomap_tui.services.audit import AuditRecord


class AuditTail:
    """Incremental reader of the audit file: `poll()` returns new records, or None."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self._sig: tuple[int, int, int] | None = None
        self.reset_seen = False

    def poll(self) -> list[AuditRecord] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            if self.offset:
                self.offset, self._sig, self.reset_seen = 0, None, True
                return []
            return None
        sig = (st.st_size, st.st_mtime_ns, st.st_ino)
        if sig == self._sig:
            return None
        replaced = self._sig is not None and self._sig[2] != st.st_ino
        if st.st_size < self.offset or replaced:
            self.offset, self.reset_seen = 0, True
        self._sig = sig
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            data = handle.read()
        # Only whole lines: a record being written right now is read on the next tick.
        end = data.rfind(b"\n") + 1
        self.offset += end
        records: list[AuditRecord] = []
        for line in data[:end].splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line.decode("utf-8", errors="replace"))
            except json.JSONDecodeError:
                continue  # a torn line after a crash
            if isinstance(obj, dict):
                records.append(AuditRecord.from_dict(obj))
        return records


def detail_text(rec: AuditRecord) -> str:
    if isinstance(rec.detail, dict):
        return json.dumps(rec.detail, ensure_ascii=False)
    return rec.detail or ""


def record_text(rec: AuditRecord) -> str:
    """Everything `/` searches in a record."""
    return " ".join(
        [
            rec.time, rec.profile, rec.operator, rec.operation, *rec.targets, rec.outcome,
            rec.request_id or "", rec.error_code or "", detail_text(rec),
        ]
    )  # fmt: skip


def default_export_path(fmt: str, cwd: Path | None = None, stem: str = "koomap-audit") -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return (cwd or Path.cwd()) / f"{stem}-{stamp}.{fmt}"
