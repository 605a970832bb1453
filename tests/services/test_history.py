"""History: a real SQLite file in tmp, fed by a real Poller's updates (transitions, samples,
timeline, ETA, "since you were last here", filter and export, retention, corrupt and locked
files, two writers at once)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from koomap_tui.api.models import Real3DSubTask, Real3DTask, SatelliteTask
from koomap_tui.services.audit import AuditLog
from koomap_tui.services.history import (
    HistoryStore,
    estimate_eta,
    export_csv,
    export_jsonl,
    history_path,
)
from koomap_tui.services.poller import FetchResult, Poller

R3D = "real3d_task"


class Clock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class ListSource:
    """A poll source whose items the test sets before each cycle."""

    def __init__(self, key: str = "real3d:ws1") -> None:
        self.key = key
        self.items: dict[str, Any] = {}

    async def fetch(self, previous: Mapping[str, Any] | None) -> FetchResult[Any]:
        return FetchResult(dict(self.items), 1)

    def is_active(self, item: Any) -> bool:
        return True


def task(
    task_id: str,
    status: str,
    progress: float | None = None,
    stage: int = 0,
    name: str | None = None,
    ws: str = "ws1",
    fail: str | None = None,
    desc: str = "",
) -> Real3DTask:
    return Real3DTask.model_validate(
        {
            "task_id": task_id,
            "task_name": name or f"name_{task_id}",
            "workspace_id": ws,
            "task_status": status,
            "task_progress": None if progress is None else str(progress),
            "complete_stage": stage,
            "total_stage": 5,
            "fail_message": fail,
            "task_description": desc,
        }
    )


class Rig:
    """A store on a tmp file, a poller that feeds it, and a controllable clock."""

    def __init__(self, path: Path, clock: Clock, key: str = "real3d:ws1", **kw: Any) -> None:
        self.clock = clock
        self.source = ListSource(key)
        self.poller: Poller[Any] = Poller(self.source)
        self.store = HistoryStore(path, clock=clock, **kw).start()
        assert self.store.wait_ready(10)
        self.poller.subscribe(self.store.observe)

    async def poll(self, *items: Any, advance: float = 0.0) -> None:
        self.clock.t += advance
        self.source.items = {getattr(i, "subtask_id", None) or i.task_id: i for i in items}
        await self.poller.cycle()

    def flush(self) -> None:
        assert self.store.flush(10)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "history" / "demo-x.sqlite3"


async def test_transitions_and_a_stage_by_stage_timeline(db: Path) -> None:
    rig = Rig(db, Clock())
    t0 = rig.clock.t
    await rig.poll(task("a", "INIT"))
    await rig.poll(task("a", "PENDING"), advance=10)
    await rig.poll(task("a", "PENDING"), advance=2)  # no change: nothing recorded
    await rig.poll(task("a", "RUNNING", 0.1, 1), advance=30)
    await rig.poll(task("a", "RUNNING", 0.3, 2), advance=100)
    await rig.poll(task("a", "SUCCESS", 1.0, 5), advance=200)
    rig.flush()
    timeline = rig.store.timeline(R3D, "a")
    assert [(e.state, e.stage) for e in timeline] == [
        ("INIT", 0),
        ("PENDING", 0),
        ("RUNNING", 1),
        ("RUNNING", 2),
        ("SUCCESS", 5),
    ]
    assert [e.start - t0 for e in timeline] == [0, 10, 42, 142, 342]
    assert [e.duration for e in timeline[:-1]] == [10, 32, 100, 200]
    assert timeline[-1].end is None
    states = [(t.from_state, t.to_state) for t in reversed(rig.store.transitions(item_id="a"))]
    assert states == [
        (None, "INIT"),
        ("INIT", "PENDING"),
        ("PENDING", "RUNNING"),
        ("RUNNING", "RUNNING"),  # a stage step
        ("RUNNING", "SUCCESS"),
    ]
    assert len(rig.store.transitions(item_id="a", include_stages=False)) == 4
    rig.store.close()


async def test_progress_samples_are_stored_only_when_they_change(db: Path) -> None:
    rig = Rig(db, Clock())
    for i, p in enumerate((0.1, 0.1, 0.1, 0.2, 0.2, 0.35)):
        # Another field changes every poll, so the poller reports both tasks as changed.
        await rig.poll(
            task("a", "RUNNING", p, 1, desc=str(i)),
            task("b", "RUNNING", 0.5, 1, desc=str(i)),
            advance=3,
        )
    rig.flush()
    rig.store.close()
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT item_id, samples.progress FROM samples JOIN items ON items.id = samples.item"
            " ORDER BY at"
        ).fetchall()
    assert rows == [("a", 0.1), ("b", 0.5), ("a", 0.2), ("a", 0.35)]


async def test_subtasks_and_satellite_tasks_are_kept_too(db: Path) -> None:
    rig = Rig(db, Clock(), key="mixed")
    sub = Real3DSubTask.model_validate(
        {"subtask_id": "s1", "task_id": "a", "subtask_status": "RUNNING", "subtask_name": "r1"}
    )
    sat = SatelliteTask.model_validate(
        {"task_id": "sat1", "task_status": "FAILED", "task_name": "gf2", "fail_message": "DEM"}
    )
    await rig.poll(sub, sat)
    rig.flush()
    kinds = {(t.kind, t.item_id, t.to_state) for t in rig.store.transitions()}
    assert kinds == {("subtask", "s1", "RUNNING"), ("satellite_task", "sat1", "FAILED")}
    assert rig.store.transitions(text="dem")[0].item_id == "sat1"
    rig.store.close()


def test_eta_estimator_needs_enough_samples() -> None:
    assert estimate_eta([], 0) is None
    assert estimate_eta([(0, 0.1), (120, 0.3)], 120) is None  # two samples
    assert estimate_eta([(0, 0.1), (20, 0.2), (40, 0.3)], 40) is None  # 40 s span
    assert estimate_eta([(0, 0.5), (60, 0.5), (120, 0.5)], 120) is None  # no rise
    # 0.1 per minute, 0.4 done at t=180: 6 minutes left, 1 minute of which has passed.
    samples = [(0.0, 0.1), (60.0, 0.2), (120.0, 0.3), (180.0, 0.4)]
    assert estimate_eta(samples, 180) == pytest.approx(360)
    assert estimate_eta(samples, 240) == pytest.approx(300)


async def test_eta_from_observed_progress_then_gone_when_finished(db: Path) -> None:
    rig = Rig(db, Clock())
    await rig.poll(task("a", "RUNNING", 0.10, 1))
    await rig.poll(task("a", "RUNNING", 0.20, 1), advance=60)
    rig.flush()
    assert rig.store.eta_for(R3D, "a") is None  # "?": two samples
    assert rig.store.eta(R3D, "a") is None
    await rig.poll(task("a", "RUNNING", 0.30, 2), advance=60)
    rig.flush()
    now = rig.clock.t
    assert rig.store.eta(R3D, "a") == pytest.approx(420)
    assert rig.store.eta_for(R3D, "a") == pytest.approx(now + 420)
    await rig.poll(task("a", "SUCCESS", 1.0, 5), advance=60)
    rig.flush()
    assert rig.store.eta_for(R3D, "a") is None
    assert rig.store.eta(R3D, "a") is None
    rig.store.close()


async def test_since_you_were_last_here(db: Path) -> None:
    clock = Clock()
    first = Rig(db, clock)
    await first.poll(
        task("a", "RUNNING", 0.5, 2),
        task("b", "RUNNING", 0.2, 1),
        task("c", "STOPPING", 0.4, 2),
        task("d", "RUNNING", 0.1, 1),
        task("e", "SUCCESS", 1.0, 5),
    )
    first.flush()
    first.store.close()

    clock.t += 3600  # the console was closed for an hour
    seen: list[Any] = []
    second = Rig(db, clock, on_away=seen.append)
    await second.poll(
        task("a", "SUCCESS", 1.0, 5),
        task("b", "FAILED", 0.6, 3, fail="Mesh reconstruction failed"),
        task("c", "STOP_SUCCESS", 0.4, 2),
        task("d", "RUNNING", 0.7, 4),  # still running: not reported
        task("e", "SUCCESS", 1.0, 5),  # unchanged
        task("f", "SUCCESS", 1.0, 5),  # never seen before: not reported
    )
    second.flush()
    got = {(c.item_id, c.outcome, c.before, c.after) for c in second.store.away}
    assert got == {
        ("a", "finished", "RUNNING", "SUCCESS"),
        ("b", "failed", "RUNNING", "FAILED"),
        ("c", "stopped", "STOPPING", "STOP_SUCCESS"),
    }
    assert [len(batch) for batch in seen] == [3]
    # The change is a transition from the stored state, not a fresh "first seen".
    b = second.store.transitions(item_id="b")
    assert (b[0].from_state, b[0].to_state, b[0].fail_message) == (
        "RUNNING",
        "FAILED",
        "Mesh reconstruction failed",
    )
    # Later polls of this session are not "while you were away".
    await second.poll(task("d", "SUCCESS", 1.0, 5), advance=10)
    second.flush()
    assert len(second.store.away) == 3
    second.store.close()


async def test_filter_and_export_csv_and_json_lines(db: Path) -> None:
    rig = Rig(db, Clock())
    await rig.poll(task("a", "RUNNING", 0.1, 1, name="east"), task("b", "INIT", name="=cmd()"))
    await rig.poll(
        task("a", "FAILED", 0.4, 2, name="east", fail="out of memory"),
        task("b", "PENDING", name="=cmd()", ws="ws2"),
        advance=60,
    )
    rig.flush()
    failed = rig.store.transitions(states=["FAILED"])
    assert [(t.item_id, t.fail_message) for t in failed] == [("a", "out of memory")]
    assert [t.to_state for t in rig.store.transitions(text="EAST")] == ["FAILED", "RUNNING"]
    assert [t.to_state for t in rig.store.transitions(workspace_id="ws2")] == ["PENDING"]
    assert {t.to_state for t in rig.store.transitions(since=rig.clock.t)} == {"FAILED", "PENDING"}
    rows = rig.store.transitions()
    out = io.StringIO()
    assert export_csv(rows, out) == 4
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["to_state"] for r in parsed] == [t.to_state for t in rows]
    assert {r["name"] for r in parsed} == {"east", "'=cmd()"}  # no spreadsheet formula
    out = io.StringIO()
    export_jsonl(rows, out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["to_state"] == rows[0].to_state and lines[-1]["from_state"] is None
    assert {line["name"] for line in lines} == {"east", "=cmd()"}
    rig.store.close()


async def test_audited_actions_are_kept(db: Path, tmp_path: Path) -> None:
    rig = Rig(db, Clock())
    audit = AuditLog(tmp_path / "audit.jsonl")
    rec = audit.record("demo", "alice", "StopReal3DTask", ["a", "b"], "ok", request_id="r-1")
    rig.store.record_action(rec)
    rig.flush()
    (got,) = rig.store.actions()
    assert (got["operation"], got["targets"], got["outcome"], got["request_id"]) == (
        "StopReal3DTask",
        ["a", "b"],
        "ok",
        "r-1",
    )
    assert got["at"] == pytest.approx(rec.when.timestamp())  # type: ignore[union-attr]
    rig.store.close()


async def test_retention_drops_old_rows_at_open(db: Path) -> None:
    clock = Clock()
    rig = Rig(db, clock)
    await rig.poll(task("old", "RUNNING", 0.1, 1))
    rig.flush()
    rig.store.close()
    clock.t += 10 * 86400
    rig = Rig(db, clock, retention_days=30)
    await rig.poll(task("new", "RUNNING", 0.1, 1))
    rig.flush()
    rig.store.close()
    assert {t.item_id for t in rig.store.transitions()} == {"old", "new"}
    clock.t += 25 * 86400  # "old" is now 35 days old, "new" 25
    store = HistoryStore(db, clock=clock, retention_days=30).start()
    assert store.wait_ready(10)
    assert {t.item_id for t in store.transitions()} == {"new"}
    store.close()


async def test_a_corrupt_file_is_moved_aside_and_history_goes_on(db: Path) -> None:
    db.parent.mkdir(parents=True)
    garbage = b"this is not a database\x00\xff" * 100
    db.write_bytes(garbage)
    rig = Rig(db, Clock())
    assert rig.store.notice is not None and "moved aside" in rig.store.notice
    aside = [p for p in db.parent.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes() == garbage
    await rig.poll(task("a", "RUNNING", 0.1, 1))
    rig.flush()
    assert [t.to_state for t in rig.store.transitions()] == ["RUNNING"]
    rig.store.close()


async def test_a_locked_file_is_skipped_without_blocking_polling(db: Path) -> None:
    db.parent.mkdir(parents=True)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE other(x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        rig = Rig(db, Clock(), open_timeout=0.2)
        assert rig.store.notice is not None and "locked" in rig.store.notice
        assert not rig.store.active
        await rig.poll(task("a", "RUNNING", 0.1, 1))  # polling goes on; nothing is written
        assert rig.poller.items.keys() == {"a"}
        rig.store.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"other"}


async def test_two_consoles_write_one_file_at_once(db: Path) -> None:
    clock = Clock()
    stores = [HistoryStore(db, clock=clock).start() for _ in range(2)]
    assert all(s.wait_ready(10) for s in stores)
    go = threading.Event()

    class Update:
        def __init__(self, source: str, item: Real3DTask) -> None:
            self.source = source
            self.items = {item.task_id: item}
            self.added = frozenset({item.task_id})
            self.changed: dict[str, frozenset[str]] = {}
            self.error = None
            self.fetched_at = 1.0
            self.meta: dict[str, Any] = {}

    def feed(n: int, store: HistoryStore) -> None:
        go.wait()
        for i in range(200):
            store.observe(Update(f"src{n}:{i}", task(f"c{n}-{i}", "RUNNING", 0.5, 1)))

    threads = [threading.Thread(target=feed, args=(n, s)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join()
    assert all(s.flush(30) for s in stores)
    ids = {t.item_id for t in stores[0].transitions()}
    assert len(ids) == 400 and all(s.dropped == 0 for s in stores)
    for s in stores:
        s.close()


def test_another_process_writes_while_this_one_does(db: Path) -> None:
    script = f"""
import sys
from koomap_tui.services.history import HistoryStore
from tests.services.test_history import Rig, Clock, task
import asyncio
async def main():
    rig = Rig({str(db)!r}, Clock())
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    sys.stdin.readline()
    for i in range(150):
        await rig.poll(task(f"p{{i}}", "RUNNING", 0.1, 1))
    assert rig.store.flush(30)
    rig.store.close()
asyncio.run(main())
"""
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        store = HistoryStore(db, clock=Clock()).start()
        assert store.wait_ready(10)
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()

        class Update:
            def __init__(self, i: int) -> None:
                item = task(f"m{i}", "RUNNING", 0.2, 1)
                self.source = "mine"
                self.items = {item.task_id: item}
                self.added = frozenset({item.task_id})
                self.changed: dict[str, frozenset[str]] = {}
                self.error = None
                self.fetched_at = 1.0
                self.meta: dict[str, Any] = {}

        for i in range(150):
            store.observe(Update(i))
        assert store.flush(30)
        assert proc.wait(60) == 0
        ids = {t.item_id for t in store.transitions()}
        assert {f"p{i}" for i in range(150)} <= ids and {f"m{i}" for i in range(150)} <= ids
        store.close()
    finally:
        proc.kill()


def test_one_file_per_profile_and_endpoint(tmp_path: Path) -> None:
    a = history_path(tmp_path, "prod", "https://koomap.cn-north-4.myhuaweicloud.com")
    assert a == history_path(tmp_path, "prod", "https://koomap.cn-north-4.myhuaweicloud.com/")
    assert a != history_path(tmp_path, "prod", "https://koomap.cn-south-1.myhuaweicloud.com")
    assert a != history_path(tmp_path, "lab", "https://koomap.cn-north-4.myhuaweicloud.com")
    odd = history_path(tmp_path, "../../etc/passwd", "http://127.0.0.1:1")
    assert odd.parent == tmp_path / "history" and "/" not in odd.name


def test_disabled_history_writes_nothing(db: Path) -> None:
    store = HistoryStore(db, enabled=False).start()
    store.record_action(object())
    store.close()
    assert not db.exists()


def test_history_settings_from_file_and_environment(tmp_path: Path) -> None:
    from koomap_tui.config import ConfigError
    from koomap_tui.config.settings import load_settings

    cfg = tmp_path / "config.toml"
    cfg.write_text("[profiles.p]\nhistory = false\nhistory_days = 14\n")
    s = load_settings(path=cfg, env={})
    assert (s.profile.history, s.profile.history_days) == (False, 14)
    assert load_settings(path=cfg, env={"KOOMAP_HISTORY_DAYS": "30"}).profile.history_days == 30
    plain = tmp_path / "plain.toml"
    plain.write_text("[profiles.q]\n")
    defaults = load_settings(path=plain, env={}).profile
    assert (defaults.history, defaults.history_days) == (True, 90)
    with pytest.raises(ConfigError, match="between 1 and 3650 days"):
        load_settings(path=cfg, env={"KOOMAP_HISTORY_DAYS": "0"})


async def test_changes_seen_while_another_console_was_open_are_not_away(db: Path) -> None:
    clock = Clock()
    old = Rig(db, clock)
    await old.poll(task("a", "RUNNING", 0.5, 2), task("b", "RUNNING", 0.5, 2))
    old.flush()
    old.store.close()
    clock.t += 3600
    other = Rig(db, clock, key="real3d:other-console")  # a second console opens ...
    clock.t += 10
    mine = Rig(db, clock)  # ... and this one a little later
    await other.poll(task("a", "RUNNING", 0.6, 2), advance=5)  # the other console watches "a"
    other.flush()
    await mine.poll(task("a", "SUCCESS", 1.0, 5), task("b", "FAILED", 0.5, 2))
    mine.flush()
    # "b" changed while no console was open; "a" was last seen by a console open right now.
    assert [(c.item_id, c.outcome) for c in mine.store.away] == [("b", "failed")]
    other.store.close()
    mine.store.close()


def test_a_full_queue_drops_and_counts_instead_of_waiting(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import koomap_tui.services.history as history

    monkeypatch.setattr(history, "QUEUE_LIMIT", 5)
    store = HistoryStore(db, clock=Clock())  # no writer thread: nothing drains the queue

    class Update:
        source = "s"
        items: dict[str, Any] = {}
        added: frozenset[str] = frozenset()
        changed: dict[str, frozenset[str]] = {}
        error = None
        fetched_at = 1.0
        meta: dict[str, Any] = {}

    for _ in range(20):
        store.observe(Update())
    assert store.dropped == 15


async def test_all_workspaces_rows_are_kept_as_the_tasks_they_wrap(db: Path) -> None:
    from koomap_tui.services.fleet import FleetTask

    rig = Rig(db, Clock(), key="fleet")
    rig.source.items = {"a": FleetTask(task("a", "RUNNING", 0.2, 1, ws="w9"), "w9", "east")}
    await rig.poller.cycle()
    rig.clock.t += 30
    rig.source.items = {"a": FleetTask(task("a", "FAILED", 0.4, 2, ws="w9"), "w9", "east")}
    await rig.poller.cycle()
    rig.flush()
    rows = rig.store.transitions(workspace_id="w9")
    assert [(t.kind, t.item_id, t.to_state) for t in rows] == [
        (R3D, "a", "FAILED"),
        (R3D, "a", "RUNNING"),
    ]
    rig.store.close()


async def test_a_record_history_cannot_read_loses_its_batch_not_the_writer(db: Path) -> None:
    rig = Rig(db, Clock())

    class Unreadable:
        def __str__(self) -> str:
            raise ValueError("no text")

    broken = task("x", "RUNNING", 0.1, 1)
    object.__setattr__(broken, "task_status", Unreadable())
    await rig.poll(broken)
    rig.flush()
    assert rig.store.dropped == 1
    await rig.poll(task("a", "RUNNING", 0.1, 1), advance=5)
    rig.flush()
    assert [t.item_id for t in rig.store.transitions()] == ["a"]
    rig.store.close()
