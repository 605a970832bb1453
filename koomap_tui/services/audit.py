"""Append-only audit log of operator actions, one JSON object per line.

Why this shape: an operator (or an incident review) must be able to answer "who did what to which
task, when, and what did the service say" after the fact, even if the console crashed right after
the call. So every record is one line written with a single `write` on an `O_APPEND` descriptor
and fsync'ed before `record` returns; a torn last line after a crash is skipped when reading.

The log must never become a place where credentials leak: every string passes through
`redact` (known secret values, secret-named key/value pairs, bearer tokens) and free-text
`detail` additionally loses long base64/hex-looking runs. A file created here is 0600 and a
parent directory created here is 0700; a path that already exists (a file the operator prepared,
a device such as /dev/null) keeps its mode: the console changes modes only on what it creates.

Mutations are written twice: an "intent" record before the request leaves (if it cannot be
written, the request is not sent) and the outcome after, both carrying the same `action_id`.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import errno
import io
import json
import os
import re
import stat
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TextIO, get_args

Outcome = Literal["ok", "error", "unknown", "denied", "intent"]
OUTCOMES: frozenset[str] = frozenset(get_args(Outcome))

MASK = "***"

# Below this much free space a regular audit file counts as full at the start-up check.
_MIN_FREE_BYTES = 64 * 1024

# Key names whose values are secrets wherever they appear (headers, query strings, JSON, prose).
SECRET_KEYS: tuple[str, ...] = (
    "password",
    "passwd",
    "pwd",
    "secret",
    "secret_key",
    "secretkey",
    "secret_access_key",
    "sk",
    "token",
    "auth_token",
    "access_token",
    "refresh_token",
    "id_token",
    "security_token",
    "securitytoken",
    "x-auth-token",
    "x-subject-token",
    "x-security-token",
    "authorization",
    "signature",
    "api_key",
    "apikey",
    "private_key",
    "credential",
    "credentials",
)

_KEYS_RE = "|".join(re.escape(k) for k in sorted(SECRET_KEYS, key=len, reverse=True))
# `key=value`, `key: value`, `"key": "value"`, `'key'='value'` ... (value up to a delimiter).
_KEY_VALUE = re.compile(
    rf"(?i)(?<![A-Za-z0-9_-])(?P<key>[\"']?(?:{_KEYS_RE})[\"']?\s*[:=]\s*)"
    r"(?:\"[^\"]*\"|'[^']*'|(?:Bearer\s+|Basic\s+)?[^\s\"',;&}\]]+)"
)
_BEARER = re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}")
# Long hex runs (40+ = SHA-1 and longer; 32-char task/image ids and request ids stay readable).
_LONG_HEX = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{40,}(?![0-9A-Za-z])")
# Base64/base64url-looking runs. Names (workspace/task names, at most 50 chars, often with `_`)
# stay readable: 32..50 chars count only with upper+lower+digit and no `_`; longer runs count
# when they mix letters and digits.
_LONG_B64 = re.compile(r"[A-Za-z0-9+/_-]{32,}={0,2}")


def _looks_secret(run: str) -> bool:
    body = run.rstrip("=")
    has_digit = any(c.isdigit() for c in body)
    has_upper = any(c.isupper() for c in body)
    has_lower = any(c.islower() for c in body)
    if len(body) > 50:
        return has_digit and (has_upper or has_lower)
    return has_digit and has_upper and has_lower and "_" not in body


def _mask_long(match: re.Match[str]) -> str:
    return MASK if _looks_secret(match.group(0)) else match.group(0)


def _mask_value(match: re.Match[str]) -> str:
    value = match.group(0)[len(match.group("key")) :]
    quote = value[0] if value[:1] in {'"', "'"} else ""
    return f"{match.group('key')}{quote}{MASK}{quote}"


def redact(text: str, secrets: Iterable[str] = (), *, long_runs: bool = False) -> str:
    """Remove anything that looks like a credential from `text`.

    `secrets` are literal values known to be secret (the profile's SK, password, token);
    `long_runs` also masks long base64/hex-looking runs (used for free-text detail).
    """
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _KEY_VALUE.sub(_mask_value, text)
    if long_runs:
        text = _LONG_HEX.sub(MASK, text)
        text = _LONG_B64.sub(_mask_long, text)
    return text


def _is_secret_key(key: str) -> bool:
    return key.strip().lower().replace(" ", "_") in SECRET_KEYS


def _redact_value(value: Any, secrets: Sequence[str]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets, long_runs=True)
    if isinstance(value, Mapping):
        return {
            str(k): MASK if _is_secret_key(str(k)) else _redact_value(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_value(v, secrets) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value), secrets, long_runs=True)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    time: str
    profile: str
    operator: str
    operation: str
    targets: tuple[str, ...]
    outcome: str
    request_id: str | None = None
    error_code: str | None = None
    detail: str | dict[str, Any] | None = None
    #: Shared by the "intent" record written before a mutation is sent and its outcome record;
    #: the server's request id exists only once the answer arrives, so it joins the two.
    action_id: str | None = None

    @property
    def when(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.time.replace("Z", "+00:00"))
        except ValueError:
            return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "profile": self.profile,
            "operator": self.operator,
            "operation": self.operation,
            "targets": list(self.targets),
            "outcome": self.outcome,
            "request_id": self.request_id,
            "error_code": self.error_code,
            "detail": self.detail,
            "action_id": self.action_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditRecord:
        targets = data.get("targets") or []
        detail = data.get("detail")
        return cls(
            time=str(data.get("time", "")),
            profile=str(data.get("profile", "")),
            operator=str(data.get("operator", "")),
            operation=str(data.get("operation", "")),
            targets=tuple(str(t) for t in targets) if isinstance(targets, list) else (),
            outcome=str(data.get("outcome", "")),
            request_id=_opt_str(data.get("request_id")),
            error_code=_opt_str(data.get("error_code")),
            detail=detail if isinstance(detail, dict) else _opt_str(detail),
            action_id=_opt_str(data.get("action_id")),
        )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


CSV_COLUMNS: tuple[str, ...] = (
    "time",
    "profile",
    "operator",
    "operation",
    "targets",
    "outcome",
    "request_id",
    "error_code",
    "detail",
)


def _csv_cell(value: str) -> str:
    # A spreadsheet would evaluate a cell starting with these characters as a formula.
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


class AuditLog:
    """The operator audit trail at `path` (default location is chosen by the caller)."""

    def __init__(
        self,
        path: Path | str,
        *,
        secrets: Iterable[object] = (),
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.path = Path(path).expanduser()
        self.secrets: list[str] = []
        self.clock = clock
        self._lock = threading.Lock()
        for secret in secrets:
            self.add_secret(secret)

    def __repr__(self) -> str:
        # Never the registered secrets.
        return f"AuditLog({str(self.path)!r})"

    def add_secret(self, secret: object) -> None:
        """Register a literal secret value (str or pydantic SecretStr) to scrub from records."""
        getter = getattr(secret, "get_secret_value", None)
        value = getter() if callable(getter) else secret
        if isinstance(value, str) and len(value) >= 4 and value not in self.secrets:
            self.secrets.append(value)

    # -- writing ------------------------------------------------------------------------------

    def record(
        self,
        profile: str,
        operator: str,
        operation: str,
        targets: Iterable[str],
        outcome: Outcome,
        request_id: str | None = None,
        error_code: str | None = None,
        detail: str | Mapping[str, Any] | None = None,
        action_id: str | None = None,
    ) -> AuditRecord:
        """Append one record, durably (flush + fsync), and return what was written.

        Raises `OSError` when the record could not be written (read-only directory, full
        device...): callers that mutate must not go on without their record.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}, not {outcome!r}")
        s = self.secrets
        clean_detail: str | dict[str, Any] | None
        if detail is None:
            clean_detail = None
        elif isinstance(detail, Mapping):
            clean_detail = _redact_value(detail, s)
        else:
            clean_detail = redact(str(detail), s, long_runs=True)
        rec = AuditRecord(
            time=_iso(self.clock()),
            profile=redact(str(profile), s),
            operator=redact(str(operator), s),
            operation=redact(str(operation), s),
            targets=tuple(redact(str(t), s) for t in targets),
            outcome=outcome,
            request_id=None if request_id is None else redact(str(request_id), s),
            error_code=None if error_code is None else redact(str(error_code), s),
            detail=clean_detail,
            action_id=action_id,
        )
        line = json.dumps(rec.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"
        self._append(line.encode("utf-8"))
        return rec

    async def arecord(
        self,
        profile: str,
        operator: str,
        operation: str,
        targets: Iterable[str],
        outcome: Outcome,
        request_id: str | None = None,
        error_code: str | None = None,
        detail: str | Mapping[str, Any] | None = None,
        action_id: str | None = None,
    ) -> AuditRecord:
        """`record` off the event loop (fsync can take milliseconds)."""
        return await asyncio.to_thread(
            self.record,
            profile,
            operator,
            operation,
            list(targets),
            outcome,
            request_id,
            error_code,
            detail,
            action_id,
        )

    def probe(self) -> None:
        """Check that a record could be appended now; raises `OSError` with the reason.

        Opens (creating if needed) the file for appending; for a device or pipe also writes one
        empty line (skipped by readers), since a full device accepts the open and fails the
        write. A regular file must live on a device with free space left.
        """
        with self._lock:
            self._ensure_parent()
            fd = self._open()
            try:
                info = os.fstat(fd)
                if stat.S_ISREG(info.st_mode):
                    vfs = os.fstatvfs(fd)
                    if vfs.f_bavail * vfs.f_frsize < _MIN_FREE_BYTES:
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))
                elif stat.S_ISCHR(info.st_mode):
                    os.write(fd, b"\n")
            finally:
                os.close(fd)

    async def aprobe(self) -> None:
        await asyncio.to_thread(self.probe)

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_APPEND | os.O_CLOEXEC
        try:
            # Only a file created here gets a mode from us (0600, O_EXCL proves it is ours).
            return os.open(self.path, flags | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return os.open(self.path, flags)

    def _append(self, data: bytes) -> None:
        with self._lock:
            self._ensure_parent()
            fd = self._open()
            try:
                info = os.fstat(fd)
                regular = stat.S_ISREG(info.st_mode)
                if regular and info.st_size and os.pread(fd, 1, info.st_size - 1) != b"\n":
                    data = b"\n" + data  # end a torn line left by a crash; keep ours intact
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                if regular:
                    os.fsync(fd)  # devices and pipes reject fsync (EINVAL); nothing to flush
            finally:
                os.close(fd)

    def _ensure_parent(self) -> None:
        parent = self.path.parent
        if parent.exists():
            return
        missing: list[Path] = []
        probe = parent
        while not probe.exists():
            missing.append(probe)
            probe = probe.parent
        parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        for created in missing:
            with contextlib.suppress(OSError):
                os.chmod(created, 0o700)

    # -- reading ------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[AuditRecord]:
        try:
            handle = self.path.open("r", encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        with handle:
            for line in handle:
                line = line.strip()
                if not line:
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError:
                    continue  # torn line after a crash: never block reading the rest
                if isinstance(data, dict):
                    yield AuditRecord.from_dict(data)

    def read(
        self,
        *,
        profile: str | None = None,
        operator: str | None = None,
        operation: str | None = None,
        outcome: str | Iterable[str] | None = None,
        target: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        text: str | None = None,
        limit: int | None = None,
    ) -> list[AuditRecord]:
        """Records matching every given filter, oldest first; `limit` keeps the newest N.

        `since`/`until` are inclusive/exclusive bounds; `text` is a case-insensitive substring
        searched in operation, targets, error code and detail.
        """
        outcomes = {outcome} if isinstance(outcome, str) else set(outcome or ())
        needle = text.lower() if text else None
        found: list[AuditRecord] = []
        for rec in self:
            if profile is not None and rec.profile != profile:
                continue
            if operator is not None and rec.operator != operator:
                continue
            if operation is not None and rec.operation != operation:
                continue
            if outcomes and rec.outcome not in outcomes:
                continue
            if target is not None and target not in rec.targets:
                continue
            if since is not None or until is not None:
                when = rec.when
                if when is None:
                    continue
                if since is not None and when < _aware(since):
                    continue
                if until is not None and when >= _aware(until):
                    continue
            if needle is not None and needle not in _haystack(rec):
                continue
            found.append(rec)
        if limit is not None:
            found = found[-limit:] if limit > 0 else []
        return found

    # -- export -------------------------------------------------------------------------------

    def export_csv(
        self, dest: Path | str | TextIO, records: Iterable[AuditRecord] | None = None
    ) -> int:
        """Write records (default: all) as CSV; returns the number of rows."""
        rows = list(self if records is None else records)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for rec in rows:
            detail = rec.detail
            detail_text = (
                json.dumps(detail, ensure_ascii=False) if isinstance(detail, dict) else detail or ""
            )
            writer.writerow(
                [
                    _csv_cell(rec.time),
                    _csv_cell(rec.profile),
                    _csv_cell(rec.operator),
                    _csv_cell(rec.operation),
                    _csv_cell(";".join(rec.targets)),
                    _csv_cell(rec.outcome),
                    _csv_cell(rec.request_id or ""),
                    _csv_cell(rec.error_code or ""),
                    _csv_cell(detail_text),
                ]
            )
        _write_out(dest, buffer.getvalue())
        return len(rows)

    def export_jsonl(
        self, dest: Path | str | TextIO, records: Iterable[AuditRecord] | None = None
    ) -> int:
        """Write records (default: all) as JSON lines; returns the number of lines."""
        rows = list(self if records is None else records)
        text = "".join(
            json.dumps(r.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows
        )
        _write_out(dest, text)
        return len(rows)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _haystack(rec: AuditRecord) -> str:
    detail = rec.detail
    detail_text = json.dumps(detail, ensure_ascii=False) if isinstance(detail, dict) else detail
    parts = [rec.operation, *rec.targets, rec.error_code or "", detail_text or ""]
    return "\n".join(parts).lower()


def _write_out(dest: Path | str | TextIO, text: str) -> None:
    if isinstance(dest, str | Path):
        path = Path(dest).expanduser()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    else:
        dest.write(text)
