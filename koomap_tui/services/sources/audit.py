"""Poll source of the audit view: the audit log's records as the file grows (`AuditTail`), read
off the event loop (no API request; the view sets its poller's cadence to the tail's)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from koomap_tui.api.errors import KooMapError
from koomap_tui.services.audit import AuditRecord
from koomap_tui.services.audit_tail import AuditTail
from koomap_tui.services.poller import FetchResult

TAIL_INTERVAL = 0.5  # seconds between stats of the log file


@dataclass(frozen=True)
class AuditRow:
    """A record and its place in the file as read (two records can be alike in every field)."""

    seq: int
    rec: AuditRecord


class AuditSource:
    key = "audit-log"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tail = AuditTail(path)
        self.rows: dict[str, AuditRow] = {}
        self.seq = 0
        #: `r`: read the whole log again (another console may have rotated it).
        self.force_full = False

    def is_active(self, item: AuditRow) -> bool:
        return False  # one cadence, the tail's: records never move

    async def fetch(self, previous: Mapping[str, AuditRow] | None) -> FetchResult[AuditRow]:
        if self.force_full:
            self.force_full, self.tail = False, AuditTail(self.path)
            self.rows = {}
        tail = self.tail
        try:
            # A first read of a large log parses thousands of lines.
            new = await asyncio.to_thread(tail.poll)
        except OSError as exc:
            raise KooMapError(
                "CLIENT.AUDIT_UNREADABLE", f"{self.path}: {exc.strerror or exc}"
            ) from exc
        if tail.reset_seen:  # truncated or replaced: the rows are the new file's, whole
            tail.reset_seen = False
            self.rows = {}
        for rec in new or ():
            self.seq += 1
            self.rows[str(self.seq)] = AuditRow(self.seq, rec)
        return FetchResult(self.rows, 0)
