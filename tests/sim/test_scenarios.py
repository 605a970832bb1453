"""Scenarios: seeded determinism, coverage of every state, and the scale builder's speed."""

from __future__ import annotations

import time

import httpx
import pytest

from koomap_tui.sim.core import SimConfig, Simulator
from koomap_tui.sim.scenarios import describe
from tests.sim.conftest import ALL


def snapshot(sim: Simulator) -> list[tuple]:
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


def test_scale_builds_100k_images_fast() -> None:
    started = time.perf_counter()
    sim = Simulator(
        SimConfig(scenario="scale", scenario_params={"workspaces": 2, "images": 100_000})
    )
    elapsed = time.perf_counter() - started
    counts = describe(sim.stores["demo"])
    assert counts["images"] == 100_000 and counts["real3d_tasks"] == 1000
    assert elapsed < 3.0, elapsed
    running = [t for t in sim.stores["demo"].tasks.values() if t.status == "RUNNING"]
    assert len(running) == 40


def test_unknown_scenario_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scenario"):
        Simulator(SimConfig(scenario="nope"))
