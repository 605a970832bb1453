"""Scenarios: seeded determinism, coverage of every state, and the scale builder's speed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from koomap_tui.sim.core import SimConfig, Simulator
from koomap_tui.sim.scenarios import describe
from tests.sim.conftest import ALL


def snapshot(sim: Simulator) -> list[tuple[Any, ...]]:
    store = sim.stores["demo"]
    return sorted(
        [("ws", w.id, w.name) for w in store.workspaces.values()]
        + [("task", t.id, t.name, t.status) for t in store.tasks.values()]
        + [("image", i.id, i.name, i.status) for i in store.images.values()]
    )


def test_same_seed_same_data_other_seed_other_ids() -> None:
    assert snapshot(Simulator(SimConfig(seed=7))) == snapshot(Simulator(SimConfig(seed=7)))
    assert snapshot(Simulator(SimConfig(seed=7))) != snapshot(Simulator(SimConfig(seed=8)))


def test_demo_covers_every_real3d_status_with_chinese_names(api: httpx.Client) -> None:
    statuses = set()
    names = []
    for ws in api.get("/v1/workspaces", params={"limit": 100}).json()["data"]:
        tasks = api.get(
            f"/v1/real3d/{ws['workspace_id']}/tasks", params={"limit": 100, "task_status": ALL}
        ).json()
        statuses |= {t["task_status"] for t in tasks["tasks"]}
        names += [t["task_name"] for t in tasks["tasks"]]
    assert statuses == set(ALL.split(","))
    assert any("\u4e00" <= ch <= "\u9fa5" for name in names for ch in name)


def test_demo_products_and_every_satellite_status() -> None:
    sim = Simulator(SimConfig(seed=3))
    store = sim.stores["demo"]
    assert {t.status for t in store.sat_tasks.values()} == {
        "INIT",
        "START_RUNNING",
        "RUNNING",
        "SUCCESS",
        "FAILED",
        "STOPPING",
        "STOP_SUCCESS",
        "STOP_FAILED",
        "ARCHIVED",
    }
    assert {p.status for p in store.products.values()} == {"preparing", "available", "deleting"}
    assert {f.status for f in store.folders.values()} == {0, 1, 2}
    assert {i.status for i in store.images.values()} == {"0", "1", "2", "3", "4", "6", "7", "8"}


def test_scale_builds_100k_images() -> None:
    """How fast is measured in benchmarks/, not here (a loaded machine is no defect)."""
    sim = Simulator(
        SimConfig(scenario="scale", scenario_params={"workspaces": 2, "images": 100_000})
    )
    counts = describe(sim.stores["demo"])
    assert counts["images"] == 100_000 and counts["real3d_tasks"] == 1000
    running = [t for t in sim.stores["demo"].tasks.values() if t.status == "RUNNING"]
    assert len(running) == 40


def test_unknown_scenario_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scenario"):
        Simulator(SimConfig(scenario="nope"))


def test_scale_paging_is_consistent_across_pages() -> None:
    from koomap_tui.sim.server import SimServer

    params = {"workspaces": 1, "tasks_per_workspace": 230, "active_tasks": 7, "images": 1234}
    with (
        SimServer(scenario="scale", scenario_params=params, qps_limit=0) as sim,
        httpx.Client(base_url=sim.base_url, headers={"X-Auth-Token": sim.demo_token}) as api,
    ):
        ws = api.get("/v1/workspaces").json()["data"][0]["workspace_id"]
        seen: list[str] = []
        for offset in range(0, 300, 100):
            page = api.get(f"/v1/real3d/{ws}/tasks", params={"offset": offset, "limit": 100}).json()
            seen += [t["task_id"] for t in page["tasks"]]
        total = page["page"]["total"]
        assert len(seen) == len(set(seen)) == total < 230  # archived ones hidden
        running = api.get(f"/v1/real3d/{ws}/tasks", params={"task_status": "RUNNING"}).json()
        assert running["page"]["total"] == 7

        def images(**fields: str) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for offset in range(0, 1300, 100):
                body = {"offset": str(offset), "limit": "100", **fields}
                out += api.post("/v1/kmp-data/imageinfo", data=body).json()["data_info"]
            return out

        newest_first = images()
        oldest_first = images(order="3")
        assert len(newest_first) == 1234 and newest_first == oldest_first[::-1]
        dates = [i["upload_date"] for i in newest_first]
        assert dates == sorted(dates, reverse=True)
        # The filtered path orders the same way as the sliced hot path.
        filtered = images(image_levels="L1A,L1B,L2,L3")
        assert [i["image_id"] for i in filtered] == [i["image_id"] for i in newest_first]


# -- the live demo (`koomap-tui --demo`): it never goes still -----------------------------------
LIVE = {"live": True}
STEP = 30.0  # virtual seconds between looks: 3 s at speed 10, about one fast poll
FIFTEEN_MINUTES_AT_SPEED_10 = 15 * 60 * 10


def live_state(store: Any) -> dict[tuple[str, str], str]:
    state = {("task", t.id): t.status for t in store.tasks.values() if t.name.startswith("live_")}
    state |= {
        ("sat", t.id): t.status for t in store.sat_tasks.values() if t.name.startswith("live_")
    }
    state |= {("folder", f.code): str(f.status) for f in store.folders.values()}
    state |= {("image", i.id): i.status for i in store.images.values()}
    state |= {("product", p.id): p.status for p in store.products.values()}
    return state


def live_history(seed: int, seconds: float) -> list[tuple[float, str, str, str | None]]:
    """Every state change the live demo makes, looked at every STEP virtual seconds."""
    sim = Simulator(SimConfig(seed=seed, scenario_params=LIVE))
    store = sim.stores["demo"]
    before = live_state(store)
    changes: list[tuple[float, str, str, str | None]] = []
    elapsed = 0.0
    while elapsed < seconds:
        sim.advance(STEP)
        elapsed += STEP
        now = live_state(store)
        for key in before.keys() | now.keys():
            if before.get(key) != now.get(key):
                changes.append((elapsed, key[0], key[1], now.get(key)))
        before = now
    return sorted(changes, key=lambda c: (c[0], c[1], c[2], c[3] or ""))


def test_live_demo_same_seed_same_history_other_seed_other_history() -> None:
    first = live_history(7, 3600)
    assert len(first) > 50
    assert first == live_history(7, 3600)
    assert first != live_history(8, 3600)


def test_live_demo_imports_and_prepares_for_at_least_a_minute_at_speed_10() -> None:
    history = live_history(7, FIFTEEN_MINUTES_AT_SPEED_10)
    entered: dict[tuple[str, str], float] = {}
    spans: dict[str, list[float]] = {"folder": [], "image": [], "product": []}
    busy = {("folder", "0"), ("image", "1"), ("product", "preparing")}
    for at, kind, key, state in history:
        if (kind, state) in busy:
            entered[(kind, key)] = at
        elif (kind, key) in entered:
            spans[kind].append(at - entered.pop((kind, key)))
    for kind, lasted in spans.items():
        assert len(lasted) >= 2, (kind, lasted)
        # a minute at speed 10 is 600 virtual seconds (looked at every 30)
        assert min(lasted) >= 600 - STEP, (kind, lasted)


def test_live_demo_over_http_still_changes_after_15_minutes_at_speed_10() -> None:
    from koomap_tui.sim.server import SimServer

    with (
        SimServer(scenario="demo", speed=10.0, scenario_params=LIVE, qps_limit=0) as sim,
        httpx.Client(base_url=sim.base_url, headers={"X-Auth-Token": sim.demo_token}) as api,
    ):
        spaces = api.get("/v1/workspaces", params={"limit": 100}).json()["data"]
        assert len(spaces) == 5  # the demo's workspaces; the live work goes into two of them
        ws = next(w["workspace_id"] for w in spaces if w["workspace_name"] == "river_corridor")

        def states() -> dict[str, str]:
            tasks = api.get(
                f"/v1/real3d/{ws}/tasks", params={"limit": 100, "task_status": ALL}
            ).json()["tasks"]
            return {t["task_id"]: t["task_status"] for t in tasks}

        seen_states: set[str] = set()
        changed_at: list[float] = []
        before = states()
        elapsed = 0.0
        while elapsed < FIFTEEN_MINUTES_AT_SPEED_10:
            sim.admin.advance(STEP)
            elapsed += STEP
            now = states()
            seen_states |= set(now.values())
            changed_at += [elapsed for k in now if before.get(k) != now[k]]
            before = now
        # Still moving in the last three minutes (at speed 10) of the fifteen.
        late = [t for t in changed_at if t > FIFTEEN_MINUTES_AT_SPEED_10 - 1800]
        assert len(late) >= 5, changed_at[-20:]
        assert {"PENDING", "STARTING", "RUNNING", "SUCCESS", "STOP_SUCCESS"} <= seen_states
        assert seen_states & {"FAILED", "START_FAILED"}, seen_states
