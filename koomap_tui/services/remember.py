"""What the console remembers between runs: the last view, workspace and theme.

One small JSON file in the platform state dir (`<state dir>/koomap-tui/remember.json`), one
entry per profile and endpoint (a workspace id means nothing on another endpoint). It is a
convenience: a missing, unreadable or corrupt file is ignored with a log line, and a write that
fails is logged, never raised. Writes go to a temporary file renamed over the old one, so a
crash mid-write leaves the previous state, never half a file.

Sort and filter per view are not kept here: they belong to the list view.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE_NAME = "remember.json"
#: Entries kept; the least recently written beyond this are dropped.
MAX_ENTRIES = 50


@dataclass(frozen=True, slots=True)
class Remembered:
    view: str | None = None
    workspace_id: str | None = None
    workspace_name: str | None = None
    theme: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> Remembered:
        if not isinstance(data, dict):
            return cls()
        values = {f.name: data.get(f.name) for f in fields(cls)}
        return cls(**{k: v if isinstance(v, str) and v else None for k, v in values.items()})


def session_key(profile: str, endpoint: str) -> str:
    digest = hashlib.sha256(endpoint.strip().rstrip("/").encode()).hexdigest()[:16]
    return f"{profile}@{digest}"


def default_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir("koomap-tui")) / FILE_NAME


class RememberStore:
    """The remembered state of one profile and endpoint, read at start and written on change."""

    def __init__(self, path: Path | str, key: str) -> None:
        self.path = Path(path)
        self.key = key
        self.state = self._read_entry()
        #: Per view ("tasks", "ws", ...): its sort column and direction, quick and text filter.
        self.tables: dict[str, dict[str, Any]] = self._read_tables()
        #: Views whose table state was applied this session: a restart restores a view once;
        #: opening it again later in the same session starts it plain.
        self.restored: set[str] = set()

    def _read_all(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.warning("remembered state not read (%s): %s", self.path, exc.strerror or exc)
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            log.warning("remembered state ignored: %s is not valid JSON", self.path)
            return {}
        entries = data.get("sessions") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            log.warning("remembered state ignored: %s has no sessions table", self.path)
            return {}
        return entries

    def _read_entry(self) -> Remembered:
        return Remembered.from_dict(self._read_all().get(self.key))

    def _read_tables(self) -> dict[str, dict[str, Any]]:
        entry = self._read_all().get(self.key)
        tables = entry.get("tables") if isinstance(entry, dict) else None
        if not isinstance(tables, dict):
            return {}
        return {
            str(view): {k: v for k, v in state.items() if isinstance(v, str | bool)}
            for view, state in tables.items()
            if isinstance(state, dict)
        }

    def table(self, view: str) -> dict[str, Any]:
        """What was remembered of one view's table (empty when nothing)."""
        return dict(self.tables.get(view, {}))

    def update_table(self, view: str, **state: str | bool | None) -> None:
        """Remember a view's sort and filters; write the file when anything changed."""
        merged = {**self.tables.get(view, {}), **state}
        new = {k: v for k, v in merged.items() if v is not None and v != ""}
        if new == self.tables.get(view, {}):
            return
        self.tables[view] = new
        self.save()

    def update(self, **changes: str | None) -> None:
        """Change some fields and write the file when anything changed."""
        new = replace(self.state, **changes)
        if new == self.state:
            return
        self.state = new
        self.save()

    def save(self) -> bool:
        """Write this session's entry (other sessions' entries are kept). False on failure."""
        entries = self._read_all()
        entries.pop(self.key, None)
        entry: dict[str, Any] = {k: v for k, v in asdict(self.state).items() if v is not None}
        if self.tables:
            entry["tables"] = self.tables
        entries[self.key] = entry
        while len(entries) > MAX_ENTRIES:
            entries.pop(next(iter(entries)))
        text = json.dumps({"sessions": entries}, ensure_ascii=False, indent=1)
        tmp: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=".remember-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, self.path)
            tmp = None
        except OSError as exc:
            log.warning("remembered state not written (%s): %s", self.path, exc.strerror or exc)
            return False
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        return True
