"""One simulator for the whole sim suite, reset to the seeded demo before every test."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from koomap_tui.sim.engine import Timings
from koomap_tui.sim.server import SimServer

# One shared client: creating an httpx client costs ~0.1 s (TLS context), far more than a call.
HTTP = httpx.Client(timeout=10)

# Deterministic outcomes unless a test asks for failures.
NO_FAILURES = {
    "real3d_start_fail_rate": 0.0,
    "real3d_fail_rate": 0.0,
    "sub_start_fail_rate": 0.0,
    "sub_fail_rate": 0.0,
    "sat_fail_rate": 0.0,
    "sat_stop_fail_rate": 0.0,
}


@pytest.fixture(scope="session")
def server() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0, qps_limit=0) as sim:
        yield sim


@pytest.fixture
def sim(server: SimServer) -> Iterator[SimServer]:
    server.reset()
    server.set_qps_limit(0)
    timings = server.core.config.timings
    defaults = dataclasses.asdict(Timings())
    for key, value in {**defaults, **NO_FAILURES}.items():
        setattr(timings, key, value)
    server.request_log.clear()
    server.core.config.spur_state_gate = True
    server.core.config.tolerance = False
    yield server
    server.faults.clear()
    server.core.config.spur_state_gate = True
    server.core.config.tolerance = False


@pytest.fixture(scope="session")
def session_client(server: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.base_url, headers={"X-Auth-Token": server.demo_token}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def api(sim: SimServer, session_client: httpx.Client) -> httpx.Client:
    """A keep-alive client of the demo tenant on the freshly reset simulator."""
    return session_client


def ws_id(api: httpx.Client, name: str) -> str:
    data = api.get("/v1/workspaces", params={"workspace_name": name, "limit": 100}).json()["data"]
    return next(w["workspace_id"] for w in data if w["workspace_name"] == name)


def task_by_name(api: httpx.Client, ws: str, name: str) -> dict[str, Any]:
    tasks = api.get(
        f"/v1/real3d/{ws}/tasks", params={"task_name": name, "limit": 100, "task_status": ALL}
    ).json()["tasks"]
    return next(t for t in tasks if t["task_name"] == name)


def get_task(api: httpx.Client, ws: str, task_id: str) -> dict[str, Any]:
    tasks = api.get(f"/v1/real3d/{ws}/tasks", params={"task_ids": task_id}).json()["tasks"]
    assert len(tasks) == 1
    return tasks[0]


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code, body
    assert 2 <= len(body["error_msg"]) <= 512


ALL = ",".join(
    [
        "INIT",
        "PENDING",
        "STARTING",
        "START_FAILED",
        "RUNNING",
        "SUCCESS",
        "FAILED",
        "STOPPING",
        "STOP_SUCCESS",
        "ARCHIVED",
        "BUNDLE_SUCCESS",
    ]
)
