"""What the console observed, kept in a local SQLite file: transitions, progress samples, actions.

Why SQLite and a writer thread: the operator asks "when did this fail, how long did each stage
take, when will it finish, what happened while I was away?", and the answers need the past,
which the API does not keep. Every write goes through one thread fed by a queue, so the event
loop's cost per poll cycle is one `queue.put_nowait` (benchmarks/history_cost.py measures it).

The file is `<state dir>/history/<profile>-<sha256(endpoint)[:16]>.sqlite3`: one per profile and
endpoint. WAL journal and a busy timeout let two consoles on one machine share it. A corrupt file
is renamed aside and a fresh one made; a file another program holds locked is skipped for the
session. Either way the store says so in `notice` and never raises into start or polling.

docs/history.md describes the schema, retention, the ETA estimator and concurrency.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import math
import queue
import re
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from koomap_tui.domain.states import Category, Kind, state_info, state_key

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DEFAULT_RETENTION_DAYS = 90
DAY = 86400.0
#: How long a writer waits for another console's transaction before giving up on one batch.
BUSY_TIMEOUT_MS = 5000
#: How long opening waits for a lock before the file is skipped for the session. As long as a
#: write may wait: a second console starting while the first prunes must not lose its history
#: (it waits in the writer thread, never on the UI's path).
OPEN_TIMEOUT_S = BUSY_TIMEOUT_MS / 1000
#: Updates waiting for the writer; beyond this the newest are dropped (and counted), never
#: blocking the event loop.
QUEUE_LIMIT = 10_000
#: ETA: at least this many distinct progress samples of the current state ...
ETA_MIN_SAMPLES = 3
#: ... spanning at least this many seconds, with a positive net rise.
ETA_MIN_SPAN = 60.0
#: ETA: the estimator looks at the most recent samples only (the rate of the current stage).
ETA_WINDOW = 20

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items(
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, item_id TEXT NOT NULL, workspace_id TEXT,
    parent_id TEXT, name TEXT, state TEXT NOT NULL, progress REAL, stage INTEGER,
    total_stage INTEGER, first_seen REAL NOT NULL, last_seen REAL NOT NULL,
    state_since REAL NOT NULL, UNIQUE(kind, item_id));
CREATE INDEX IF NOT EXISTS items_seen ON items(last_seen);
CREATE TABLE IF NOT EXISTS transitions(
    id INTEGER PRIMARY KEY, at REAL NOT NULL, kind TEXT NOT NULL, item_id TEXT NOT NULL,
    workspace_id TEXT, name TEXT, from_state TEXT, to_state TEXT NOT NULL,
    stage INTEGER, total_stage INTEGER, progress REAL, fail_message TEXT);
CREATE INDEX IF NOT EXISTS transitions_item ON transitions(kind, item_id, at);
CREATE INDEX IF NOT EXISTS transitions_at ON transitions(at);
CREATE TABLE IF NOT EXISTS samples(
    item INTEGER NOT NULL, at REAL NOT NULL, progress REAL NOT NULL, stage INTEGER,
    PRIMARY KEY(item, at)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS actions(
    id INTEGER PRIMARY KEY, at REAL NOT NULL, operation TEXT NOT NULL, targets TEXT NOT NULL,
    outcome TEXT NOT NULL, error_code TEXT, request_id TEXT, operator TEXT);
CREATE INDEX IF NOT EXISTS actions_at ON actions(at);
"""


# ---------------------------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class Observed:
    """The facts history keeps of one item as one poll saw it."""

    kind: str
    item_id: str
    workspace_id: str | None
    parent_id: str | None
    name: str | None
    state: str
    progress: float | None
    stage: int | None
    total_stage: int | None
    fail_message: str | None


@dataclass(frozen=True, slots=True)
class Transition:
    at: float
    kind: str
    item_id: str
    workspace_id: str | None
    name: str | None
    from_state: str | None
    to_state: str
    stage: int | None
    total_stage: int | None
    progress: float | None
    fail_message: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One segment of a task's life: a state (and stage within it) from `start` to `end`."""

    state: str
    stage: int | None
    total_stage: int | None
    start: float
    end: float | None  # None: still in it (as of the last observation)
    last_seen: float

    @property
    def duration(self) -> float:
        return (self.end if self.end is not None else self.last_seen) - self.start


@dataclass(frozen=True, slots=True)
class AwayChange:
    """An item whose state changed while no console was watching."""

    kind: str
    item_id: str
    name: str | None
    workspace_id: str | None
    outcome: str  # "finished" | "failed" | "stopped" | "changed"
    before: str
    after: str
    last_seen: float


# ---------------------------------------------------------------------------------- helpers
_KIND_BY_CLASS: Mapping[str, str] = {
    "Real3DTask": Kind.REAL3D_TASK.value,
    "FleetTask": Kind.REAL3D_TASK.value,
    "Real3DSubTask": Kind.SUBTASK.value,
    "SatelliteTask": Kind.SATELLITE_TASK.value,
}


def observe_item(item: object) -> Observed | None:
    """History's view of a polled record, or None for a record history does not keep."""
    kind = _KIND_BY_CLASS.get(type(item).__name__)
    if kind is None:
        return None
    inner: Any = getattr(item, "task", item) if type(item).__name__ == "FleetTask" else item
    if kind == Kind.SUBTASK.value:
        return Observed(
            kind,
            inner.subtask_id,
            inner.workspace_id,
            inner.task_id,
            inner.subtask_name,
            state_key(inner.subtask_status),
            inner.subtask_progress,
            None,
            None,
            inner.fail_message,
        )
    return Observed(
        kind,
        inner.task_id,
        inner.workspace_id,
        None,
        inner.task_name,
        state_key(inner.task_status),
        inner.task_progress,
        getattr(inner, "complete_stage", None),
        getattr(inner, "total_stage", None),
        inner.fail_message,
    )


def estimate_eta(samples: Sequence[tuple[float, float]], now: float) -> float | None:
    """Seconds until progress reaches 1.0, or None when the samples do not support a guess.

    "Enough": at least ETA_MIN_SAMPLES distinct progress values of the current state, spanning
    at least ETA_MIN_SPAN seconds, with a positive least-squares slope. The estimator is the
    least-squares line through the last ETA_WINDOW (time, progress) samples: it follows the
    current stage's pace, and one late or early sample moves it little. The remaining fraction
    divided by that rate, counted from the last sample, minus the time since then.
    """
    window = list(samples)[-ETA_WINDOW:]
    if len(window) < ETA_MIN_SAMPLES:
        return None
    t0 = window[0][0]
    if window[-1][0] - t0 < ETA_MIN_SPAN:
        return None
    n = len(window)
    mean_t = sum(t - t0 for t, _ in window) / n
    mean_p = sum(p for _, p in window) / n
    var = sum((t - t0 - mean_t) ** 2 for t, _ in window)
    if var <= 0:
        return None
    slope = sum((t - t0 - mean_t) * (p - mean_p) for t, p in window) / var
    last_t, last_p = window[-1]
    if slope <= 0 or not math.isfinite(slope) or last_p <= window[0][1]:
        return None
    remaining = max(0.0, 1.0 - last_p) / slope
    return max(0.0, remaining - (now - last_t))


def _is_active(kind: str, state: str) -> bool:
    return state_info(Kind(kind), state).category is Category.ACTIVE


def away_outcome(kind: str, state: str) -> str:
    if state == "STOP_SUCCESS":
        return "stopped"
    category = state_info(Kind(kind), state).category
    if category is Category.FAILED:
        return "failed"
    if category is Category.SUCCESS or state == "BUNDLE_SUCCESS":
        return "finished"
    return "changed"


def compare_last_seen(
    stored: Mapping[tuple[str, str], tuple[str, str | None, str | None, float]],
    current: Iterable[Observed],
) -> list[AwayChange]:
    """What changed between the stored last-seen states and the first poll of this session.

    `stored` maps (kind, id) to (state, name, workspace id, last seen). Items not seen before,
    and items whose state is unchanged, are not reported.
    """
    out: list[AwayChange] = []
    for obs in current:
        before = stored.get((obs.kind, obs.item_id))
        if before is None or before[0] == obs.state:
            continue
        out.append(
            AwayChange(
                obs.kind,
                obs.item_id,
                obs.name or before[1],
                obs.workspace_id or before[2],
                away_outcome(obs.kind, obs.state),
                before[0],
                obs.state,
                before[3],
            )
        )
    return out


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:40] or "profile"


def history_path(state_dir: Path | str, profile: str, endpoint: str) -> Path:
    """One file per profile and endpoint: the endpoint is hashed so any URL makes a file name."""
    digest = hashlib.sha256(endpoint.strip().rstrip("/").encode()).hexdigest()[:16]
    return Path(state_dir) / "history" / f"{_safe_name(profile)}-{digest}.sqlite3"


def default_history_path(profile: str, endpoint: str) -> Path:
    import platformdirs

    return history_path(platformdirs.user_state_dir("koomap-tui"), profile, endpoint)


def _connect(path: Path, busy_ms: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=busy_ms / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    return conn


# ---------------------------------------------------------------------------------- store
@dataclass
class _Live:
    """Writer-thread memory of one item: what was last stored, and its recent samples."""

    state: str
    progress: float | None
    stage: int | None
    since: float
    samples: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=ETA_WINDOW))


_STOP = object()


class HistoryStore:
    """The history of one profile and endpoint; see the module docstring.

    Event-loop side: `observe(update)` and `record_action(record)` only enqueue. Reads
    (`timeline`, `eta`, `transitions`, ...) open their own connection and may be called from any
    thread; the UI calls them through `asyncio.to_thread`. `etas` is a dict the writer replaces
    after every batch, cheap to read on every frame.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        retention_days: float = DEFAULT_RETENTION_DAYS,
        enabled: bool = True,
        clock: Callable[[], float] = time.time,
        on_away: Callable[[list[AwayChange]], None] | None = None,
        open_timeout: float = OPEN_TIMEOUT_S,
    ) -> None:
        self.path = Path(path)
        self.retention_days = retention_days
        self.clock = clock
        self.on_away = on_away
        self.open_timeout = open_timeout
        self.enabled = enabled
        self.notice: str | None = None
        self.dropped = 0
        #: Writer-thread seconds spent in batches, and how many (benchmarks/history_cost.py).
        self.write_seconds = 0.0
        self.batches = 0
        self.etas: Mapping[tuple[str, str], float] = {}
        self.away: list[AwayChange] = []
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_LIMIT)
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        self._live: dict[tuple[str, str], _Live] = {}
        self._seen_sources: set[str] = set()
        self._session_start = clock()
        self._last_prune = 0.0

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> HistoryStore:
        """Start the writer thread; opening the file happens there, so start never waits."""
        if not self.enabled:
            self._ready.set()
            return self
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="koomap-history", daemon=True)
            self._thread.start()
        return self

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the file is open (or skipped); for tests and the CLI, never the UI."""
        return self._ready.wait(timeout)

    @property
    def active(self) -> bool:
        """Whether observations are being written (false when disabled, locked or failed)."""
        return self.enabled and (not self._ready.is_set() or self._conn is not None)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything enqueued so far is written. True when it was."""
        if self._thread is None or not self._thread.is_alive():
            return False
        done = threading.Event()
        try:
            self._queue.put(("flush", done), timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=timeout)
        thread.join(timeout)

    def __enter__(self) -> HistoryStore:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- event-loop side -----------------------------------------------------------------
    def observe(self, update: Any) -> None:
        """A poller listener: hand one `PollUpdate` to the writer (costs one enqueue)."""
        if not self.enabled or update.error is not None or update.fetched_at is None:
            return
        if update.meta.get("replay"):
            return
        self._put(("poll", update, self.clock()))

    def record_action(self, record: Any) -> None:
        """Keep one audited action (an `AuditRecord`, or any object with its fields)."""
        if not self.enabled:
            return
        self._put(("action", record, self.clock()))

    def _put(self, item: Any) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1

    # -- writer thread -------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._conn = self._open()
        except Exception as exc:  # history is a convenience: it must never stop the console
            log.warning("history unavailable: %s", type(exc).__name__)
            self.notice = f"history is off: {type(exc).__name__}: {exc}"
            self._conn = None
        finally:
            self._ready.set()
        while True:
            first = self._queue.get()
            batch = [first]
            with contextlib.suppress(queue.Empty):
                while len(batch) < 500:
                    batch.append(self._queue.get_nowait())
            stop = any(item is _STOP for item in batch)
            if self._conn is not None:
                try:
                    started = time.perf_counter()
                    self._write(batch)
                    self.write_seconds += time.perf_counter() - started
                    self.batches += 1
                except Exception as exc:
                    # Another console held the file past the busy timeout, the disk is full, or
                    # a record history cannot read: this batch is lost, the writer and polling
                    # go on.
                    if isinstance(exc, sqlite3.Error):
                        log.warning("history write skipped: %s", exc)
                    else:
                        log.exception("history write failed")
                    self.dropped += sum(
                        1 for i in batch if isinstance(i, tuple) and i[0] != "flush"
                    )
            for item in batch:
                if isinstance(item, tuple) and item[0] == "flush":
                    item[1].set()
            if stop:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
                return

    def _open(self) -> sqlite3.Connection | None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Some steps of opening (switching to WAL) fail at once with "locked" instead of
        # waiting on the busy handler: retry them until the open timeout has passed.
        deadline = time.monotonic() + self.open_timeout
        while True:
            try:
                return self._open_file(int(self.open_timeout * 1000))
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                self.notice = (
                    "history database is locked by another program; history is off for this session"
                )
                return None
            except sqlite3.DatabaseError:
                aside = self.path.with_name(f"{self.path.name}.corrupt-{int(self.clock())}")
                for suffix in ("", "-wal", "-shm"):
                    src = Path(str(self.path) + suffix)
                    if src.exists():
                        src.replace(Path(str(aside) + suffix))
                self.notice = f"history database was unreadable; moved aside to {aside.name}"
                return self._open_file(int(self.open_timeout * 1000))

    def _open_file(self, busy_ms: int) -> sqlite3.Connection:
        conn = _connect(self.path, busy_ms)
        try:
            with contextlib.suppress(OSError):
                self.path.chmod(0o600)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None:
                conn.execute(
                    "INSERT OR IGNORE INTO meta(key, value) VALUES('schema', ?)",
                    (str(SCHEMA_VERSION),),
                )
            elif row[0] != str(SCHEMA_VERSION):
                raise sqlite3.DatabaseError(f"unknown schema version {row[0]}")
            conn.execute("PRAGMA quick_check").fetchone()
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._prune(conn, self.clock())
        except BaseException:
            conn.close()
            raise
        return conn

    def _prune(self, conn: sqlite3.Connection, now: float) -> None:
        cutoff = now - self.retention_days * DAY
        conn.execute("BEGIN IMMEDIATE")
        try:
            for table, column in (
                ("transitions", "at"),
                ("samples", "at"),
                ("actions", "at"),
                ("items", "last_seen"),
            ):
                conn.execute(f"DELETE FROM {table} WHERE {column} < ?", (cutoff,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._last_prune = now

    def _write(self, batch: list[Any]) -> None:
        conn = self._conn
        assert conn is not None
        transitions: list[tuple[Any, ...]] = []
        samples: list[tuple[Any, ...]] = []
        items: list[tuple[Any, ...]] = []
        seen: list[tuple[Any, ...]] = []
        actions: list[tuple[Any, ...]] = []
        away: list[AwayChange] = []
        for entry in batch:
            if not isinstance(entry, tuple) or entry[0] == "flush":
                continue
            if entry[0] == "action":
                actions.append(_action_row(entry[1], entry[2]))
                continue
            update, at = entry[1], entry[2]
            first_of_source = update.source not in self._seen_sources
            if first_of_source:
                self._seen_sources.add(update.source)
                keys: Iterable[str] = update.items.keys()
            else:
                keys = [*update.added, *update.changed]
            observed = [o for o in map(observe_item, map(update.items.get, keys)) if o is not None]
            if first_of_source and observed:
                away += self._away(conn, observed)
            for obs in observed:
                self._observe_one(conn, obs, at, transitions, samples, items)
            if first_of_source or update.meta.get("full"):
                # Items unchanged since the last write still count as seen.
                seen += [
                    (at, o.kind, o.item_id) for o in observed if (o.kind, o.item_id) in self._live
                ]
        conn.execute("BEGIN IMMEDIATE")
        try:
            if transitions:
                conn.executemany(
                    "INSERT INTO transitions(at, kind, item_id, workspace_id, name, from_state,"
                    " to_state, stage, total_stage, progress, fail_message)"
                    " VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                    transitions,
                )
            # Samples point at their item by its integer key: a sample is then ~30 bytes, not
            # ~80 with the kind and the 32-character id (samples are most of the file).
            item_keys: dict[tuple[str, str], int] = {}
            for row in items:
                (item_keys[(row[0], row[1])],) = conn.execute(
                    "INSERT INTO items(kind, item_id, workspace_id, parent_id, name, state,"
                    " progress, stage, total_stage, first_seen, last_seen, state_since)"
                    " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(kind, item_id) DO UPDATE SET workspace_id=excluded.workspace_id,"
                    " parent_id=excluded.parent_id, name=excluded.name, state=excluded.state,"
                    " progress=excluded.progress, stage=excluded.stage,"
                    " total_stage=excluded.total_stage, last_seen=excluded.last_seen,"
                    " state_since=excluded.state_since RETURNING id",
                    row,
                ).fetchone()
            if samples:
                conn.executemany(
                    "INSERT OR REPLACE INTO samples(item, at, progress, stage) VALUES(?,?,?,?)",
                    [(item_keys[(k, i)], at, p, st) for k, i, at, p, st in samples],
                )
            if seen:
                conn.executemany("UPDATE items SET last_seen=? WHERE kind=? AND item_id=?", seen)
            if actions:
                conn.executemany(
                    "INSERT INTO actions(at, operation, targets, outcome, error_code, request_id,"
                    " operator) VALUES(?,?,?,?,?,?,?)",
                    actions,
                )
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        self.etas = self._etas()
        if away:
            self.away = [*self.away, *away]
            if self.on_away is not None:
                try:
                    self.on_away(away)
                except Exception:
                    log.exception("history away listener failed")
        now = self.clock()
        if now - self._last_prune > DAY:
            self._prune(conn, now)

    def _away(self, conn: sqlite3.Connection, observed: list[Observed]) -> list[AwayChange]:
        stored: dict[tuple[str, str], tuple[str, str | None, str | None, float]] = {}
        ids = [(o.kind, o.item_id) for o in observed if (o.kind, o.item_id) not in self._live]
        for i in range(0, len(ids), 400):
            chunk = ids[i : i + 400]
            where = " OR ".join("(kind=? AND item_id=?)" for _ in chunk)
            args = [v for pair in chunk for v in pair]
            for row in conn.execute(
                f"SELECT kind, item_id, state, name, workspace_id, last_seen, state_since, id"
                f" FROM items WHERE {where}",
                args,
            ):
                kind, item_id, state, name, ws, last_seen, since, key = row
                stored[(kind, item_id)] = (state, name, ws, last_seen)
                live = _Live(state, None, None, since)
                if _is_active(kind, state):
                    live.samples.extend(
                        reversed(
                            conn.execute(
                                "SELECT at, progress FROM samples WHERE item=? AND at>=?"
                                " ORDER BY at DESC LIMIT ?",
                                (key, since, ETA_WINDOW),
                            ).fetchall()
                        )
                    )
                    if live.samples:
                        live.progress = live.samples[-1][1]
                self._live[(kind, item_id)] = live
        # Only what changed before this session began counts as "while you were away".
        return [
            c
            for c in compare_last_seen(stored, observed)
            if stored[(c.kind, c.item_id)][3] < self._session_start
        ]

    def _observe_one(
        self,
        conn: sqlite3.Connection,
        obs: Observed,
        at: float,
        transitions: list[tuple[Any, ...]],
        samples: list[tuple[Any, ...]],
        items: list[tuple[Any, ...]],
    ) -> None:
        key = (obs.kind, obs.item_id)
        live = self._live.get(key)
        state_changed = live is None or live.state != obs.state
        stage_changed = live is not None and not state_changed and live.stage != obs.stage
        if state_changed or stage_changed:
            transitions.append(
                (
                    at,
                    obs.kind,
                    obs.item_id,
                    obs.workspace_id,
                    obs.name,
                    None if live is None else live.state,
                    obs.state,
                    obs.stage,
                    obs.total_stage,
                    obs.progress,
                    obs.fail_message,
                )
            )
        if live is None or state_changed:
            live = self._live[key] = _Live(obs.state, None, obs.stage, at)
        progress_changed = obs.progress is not None and obs.progress != live.progress
        if progress_changed:
            assert obs.progress is not None
            samples.append((obs.kind, obs.item_id, at, obs.progress, obs.stage))
            live.samples.append((at, obs.progress))
        live.progress = obs.progress
        live.stage = obs.stage
        items.append(
            (
                obs.kind,
                obs.item_id,
                obs.workspace_id,
                obs.parent_id,
                obs.name,
                obs.state,
                obs.progress,
                obs.stage,
                obs.total_stage,
                at,
                at,
                live.since,
            )
        )

    def _etas(self) -> dict[tuple[str, str], float]:
        now = self.clock()
        out: dict[tuple[str, str], float] = {}
        for key, live in self._live.items():
            if len(live.samples) >= ETA_MIN_SAMPLES and _is_active(key[0], live.state):
                eta = estimate_eta(live.samples, now)
                if eta is not None:
                    out[key] = now + eta
        return out

    # -- reads (any thread) --------------------------------------------------------------
    @contextlib.contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        conn = _connect(self.path, BUSY_TIMEOUT_MS)
        try:
            yield conn
        finally:
            conn.close()

    def eta_for(self, kind: str, item_id: str) -> float | None:
        """Absolute time (the store's clock) the item should finish at, from memory; or None."""
        return self.etas.get((kind, item_id))

    def eta(self, kind: str, item_id: str, now: float | None = None) -> float | None:
        """Seconds left, estimated from the stored samples of the item's current state."""
        now = self.clock() if now is None else now
        with self._reader() as conn:
            row = conn.execute(
                "SELECT state_since, id FROM items WHERE kind=? AND item_id=?", (kind, item_id)
            ).fetchone()
            if row is None:
                return None
            rows = conn.execute(
                "SELECT at, progress FROM samples WHERE item=? AND at>=? ORDER BY at DESC LIMIT ?",
                (row[1], row[0], ETA_WINDOW),
            ).fetchall()
        return estimate_eta(list(reversed(rows)), now)

    def timeline(self, kind: str, item_id: str) -> list[TimelineEntry]:
        """State by state and stage by stage, oldest first, as this machine's consoles saw it."""
        with self._reader() as conn:
            rows = conn.execute(
                "SELECT at, to_state, stage, total_stage FROM transitions"
                " WHERE kind=? AND item_id=? ORDER BY at, id",
                (kind, item_id),
            ).fetchall()
            last = conn.execute(
                "SELECT last_seen FROM items WHERE kind=? AND item_id=?", (kind, item_id)
            ).fetchone()
        last_seen = last[0] if last else (rows[-1][0] if rows else 0.0)
        out: list[TimelineEntry] = []
        for i, (at, state, stage, total) in enumerate(rows):
            end = rows[i + 1][0] if i + 1 < len(rows) else None
            out.append(TimelineEntry(state, stage, total, at, end, max(last_seen, at)))
        return out

    def transitions(
        self,
        *,
        kind: str | None = None,
        item_id: str | None = None,
        workspace_id: str | None = None,
        states: Iterable[str] | None = None,
        since: float | None = None,
        until: float | None = None,
        text: str | None = None,
        include_stages: bool = True,
        limit: int | None = 10_000,
    ) -> list[Transition]:
        """Newest first, filtered; `text` matches the name, id or fail message (any case).

        A stage step within one state is a row with `from_state == to_state`;
        `include_stages=False` leaves those out."""
        where: list[str] = []
        args: list[Any] = []
        if not include_stages:
            where.append("(from_state IS NULL OR from_state != to_state)")
        for column, value in (("kind", kind), ("item_id", item_id), ("workspace_id", workspace_id)):
            if value is not None:
                where.append(f"{column}=?")
                args.append(value)
        wanted = list(states or [])
        if wanted:
            where.append(f"to_state IN ({','.join('?' * len(wanted))})")
            args += wanted
        if since is not None:
            where.append("at>=?")
            args.append(since)
        if until is not None:
            where.append("at<?")
            args.append(until)
        if text:
            where.append(
                "(instr(lower(coalesce(name,'')), ?) OR instr(item_id, ?)"
                " OR instr(lower(coalesce(fail_message,'')), ?))"
            )
            low = text.lower()
            args += [low, text, low]
        sql = (
            "SELECT at, kind, item_id, workspace_id, name, from_state, to_state, stage,"
            " total_stage, progress, fail_message FROM transitions"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._reader() as conn:
            return [Transition(*row) for row in conn.execute(sql, args)]

    def actions(self, since: float | None = None) -> list[dict[str, Any]]:
        sql = (
            "SELECT at, operation, targets, outcome, error_code, request_id, operator FROM actions"
        )
        args: list[Any] = []
        if since is not None:
            sql += " WHERE at>=?"
            args.append(since)
        with self._reader() as conn:
            return [
                {
                    "at": at,
                    "operation": op,
                    "targets": json.loads(targets),
                    "outcome": outcome,
                    "error_code": code,
                    "request_id": rid,
                    "operator": operator,
                }
                for at, op, targets, outcome, code, rid, operator in conn.execute(
                    sql + " ORDER BY at, id", args
                )
            ]


def _action_row(record: Any, at: float) -> tuple[Any, ...]:
    when = getattr(record, "when", None)
    stamp = when.timestamp() if when is not None else at
    return (
        stamp,
        str(getattr(record, "operation", "")),
        json.dumps(list(getattr(record, "targets", ()) or ()), ensure_ascii=False),
        str(getattr(record, "outcome", "")),
        getattr(record, "error_code", None),
        getattr(record, "request_id", None),
        getattr(record, "operator", None),
    )


# ---------------------------------------------------------------------------------- export
EXPORT_COLUMNS: tuple[str, ...] = tuple(Transition.__dataclass_fields__)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would evaluate a cell starting with these characters as a formula.
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def export_csv(rows: Iterable[Transition], dest: TextIO) -> int:
    writer = csv.writer(dest)
    writer.writerow(EXPORT_COLUMNS)
    n = 0
    for row in rows:
        writer.writerow([_cell(getattr(row, c)) for c in EXPORT_COLUMNS])
        n += 1
    return n


def export_jsonl(rows: Iterable[Transition], dest: TextIO) -> int:
    n = 0
    for row in rows:
        dest.write(json.dumps(row.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n")
        n += 1
    return n


def export_text(rows: Iterable[Transition], fmt: str) -> str:
    """Rows as CSV ("csv") or JSON lines ("jsonl") text."""
    buffer = io.StringIO()
    if fmt == "csv":
        export_csv(rows, buffer)
    elif fmt == "jsonl":
        export_jsonl(rows, buffer)
    else:
        raise ValueError(f"unknown export format {fmt!r}; choose csv or jsonl")
    return buffer.getvalue()
