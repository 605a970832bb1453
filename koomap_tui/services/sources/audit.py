"""Poll source of the audit view: the audit log's records as the file grows (`AuditTail`), and
the names the local history kept for the ids they target (the log keeps ids only), both read
off the event loop (no API request; the view sets its poller's cadence to the tail's)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from koomap_tui.api.errors import KooMapError
from koomap_tui.services.audit import AuditRecord
from koomap_tui.services.audit_names import history_names
from koomap_tui.services.audit_tail import AuditTail
from koomap_tui.services.history import HistoryStore
from koomap_tui.services.poller import FetchResult

TAIL_INTERVAL = 0.5  # seconds between stats of the log file
NAME_LOOKUPS = 200  # ids named from the history per batch of new records


@dataclass(frozen=True)
class AuditRow:
    """A record and its place in the file as read (two records can be alike in every field)."""

    seq: int
    rec: AuditRecord


class AuditSource:
    key = "audit-log"

    def __init__(self, path: Path, history: HistoryStore | None = None) -> None:
        self.path = path
        self.history = history
        #: Names the history kept, by id (ids no poller holds now: a workspace left, a past
        #: session); given to the view as the `names` meta.
        self.names: dict[str, str] = {}
        self._asked: set[str] = set()
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
            new = await asyncio.to_thread(self._read, tail)
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
        return FetchResult(self.rows, 0, {"names": self.names})

    def _read(self, tail: AuditTail) -> list[AuditRecord] | None:
        new = tail.poll()
        ids = {t for rec in new or () for t in rec.targets} - self._asked
        if ids and self.history is not None:
            ask = sorted(ids)[:NAME_LOOKUPS]
            self._asked.update(ask)
            # A courtesy: a history that cannot answer leaves ids unnamed. A new dict, never
            # one changed in place: the view reads the last one given on the event loop.
            with contextlib.suppress(Exception):
                self.names = {**self.names, **history_names(self.history, ask, NAME_LOOKUPS)}
        return new
