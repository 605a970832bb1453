"""Fault injection through the Python facade and the /_sim admin API."""

from __future__ import annotations

import time

import httpx
import pytest

from koomap_tui.sim.server import SimServer
from tests.sim.conftest import HTTP, assert_error


def test_latency_and_jitter(api: httpx.Client, sim: SimServer) -> None:
    sim.faults.set(latency_ms=150, jitter_ms=50)
    started = time.perf_counter()
    assert api.get("/v1/workspaces").status_code == 200
    elapsed = time.perf_counter() - started
    assert elapsed >= 0.15  # no upper bound: a loaded machine may take longer


@pytest.mark.parametrize(
    ("status", "code"), [(500, "GATEWAY.0001"), (502, "GATEWAY.0007"), (503, "APIGW.0201")]
)
def test_error_statuses(api: httpx.Client, sim: SimServer, status: int, code: str) -> None:
    sim.faults.set(error_rates={status: 1.0}, retry_after=7)
    response = api.get("/v1/workspaces")
    assert_error(response, status, code)
    assert len(response.headers["X-request-id"]) == 32
    if status == 503:
        assert response.headers["Retry-After"] == "7"


def test_count_limits_faults_so_a_retry_succeeds(api: httpx.Client, sim: SimServer) -> None:
    sim.faults.set(error_rates={503: 1.0}, count=2)
    assert [api.get("/v1/workspaces").status_code for _ in range(4)] == [503, 503, 200, 200]


def test_forced_throttling(api: httpx.Client, sim: SimServer) -> None:
    sim.faults.set(throttle_rate=1.0, retry_after=3)
    response = api.get("/v1/workspaces")
    assert_error(response, 429, "GATEWAY.0006")
    assert response.headers["Retry-After"] == "3"


def test_truncated_json_and_html_error_page(api: httpx.Client, sim: SimServer) -> None:
    sim.faults.set(truncated_rate=1.0)
    response = api.get("/v1/workspaces")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    sim.faults.set(truncated_rate=0.0, html_rate=1.0)
    html = api.get("/v1/workspaces")
    assert html.status_code == 502 and html.headers["content-type"].startswith("text/html")
    assert b"<html>" in html.content


def test_dropped_connection_is_a_connection_error(api: httpx.Client, sim: SimServer) -> None:
    sim.faults.set(drop_rate=1.0, count=1)
    with pytest.raises(httpx.TransportError):
        api.get("/v1/workspaces")
    assert api.get("/v1/workspaces").status_code == 200  # the next connection works


def test_drop_after_processing_applies_the_change(api: httpx.Client, sim: SimServer) -> None:
    sim.faults.set(drop_rate=1.0, drop_after_processing=True, count=1)
    with pytest.raises(httpx.TransportError):
        api.post("/v1/workspaces", json={"workspace_name": "made_anyway"})
    names = [
        w["workspace_name"] for w in api.get("/v1/workspaces", params={"limit": 100}).json()["data"]
    ]
    assert "made_anyway" in names


def test_fault_rates_are_seeded() -> None:
    def pattern() -> list[int]:
        with (
            SimServer(seed=11, qps_limit=0) as sim,
            httpx.Client(base_url=sim.base_url, headers={"X-Auth-Token": sim.demo_token}) as c,
        ):
            sim.faults.set(error_rates={500: 0.5})
            return [c.get("/v1/workspaces").status_code for _ in range(20)]

    first = pattern()
    assert first == pattern() and 500 in first and 200 in first


def test_faults_skip_other_prefixes_by_default(sim: SimServer) -> None:
    sim.faults.set(error_rates={500: 1.0})
    assert HTTP.get(sim.base_url + "/_sim/status").status_code == 200
    sim.faults.set(path_prefix="/")
    assert HTTP.post(sim.base_url + "/v3/auth/tokens", json={}).status_code == 500


def test_admin_api_controls(api: httpx.Client, sim: SimServer) -> None:
    admin = sim.admin
    status = admin.status()
    assert status["seed"] == 7 and status["clock"]["now"] == "2024-06-03T08:00:00Z"
    assert admin.advance(60)["now"] == "2024-06-03T08:01:00Z"
    admin.set_faults(error_rates={"502": 1.0})
    assert api.get("/v1/workspaces").status_code == 502
    assert admin.clear_faults()["error_rates"] == {}
    api.post("/v1/workspaces", json={"workspace_name": "temp_ws"})
    admin.reset()
    names = [
        w["workspace_name"] for w in api.get("/v1/workspaces", params={"limit": 100}).json()["data"]
    ]
    assert "temp_ws" not in names and admin.status()["clock"]["now"] == "2024-06-03T08:00:00Z"
    admin.expire_tokens()
    assert_error(api.get("/v1/workspaces"), 401, "APIGW.0307")
    admin.reset()
    base = sim.base_url + "/_sim"
    assert HTTP.post(base + "/qps", json={"limit": 3}).json() == {"qps_limit": 3.0}
    assert HTTP.post(base + "/clock/speed", json={"speed": 0}).json() == {"speed": 0.0}
    assert HTTP.post(base + "/faults", json={"bogus": 1}).status_code == 400
    assert HTTP.get(base + "/nothing").status_code == 404
    requests = HTTP.get(base + "/requests").json()
    assert requests["by_operation"]["ListCommonWorkspace"] >= 1
    assert HTTP.delete(base + "/requests").json()["total"] == 0


def test_request_log_counts_per_path_and_operation(api: httpx.Client, sim: SimServer) -> None:
    sim.request_log.clear()
    api.get("/v1/workspaces")
    api.get("/v1/workspaces", params={"limit": 2})
    api.post("/v1/workspaces", json={"workspace_name": "counted"})
    log = sim.request_log
    assert log.count("/v1/workspaces") == 3
    assert log.count("/v1/workspaces", method="GET") == 2
    assert log.count(operation="CreateCommonWorkspace") == 1
    assert log.total == 3


def test_cli_flags_configure_faults() -> None:
    from koomap_tui.sim.cli import _error_rates, build_parser

    args = build_parser().parse_args(
        ["--error-rate", "503=0.25", "--error-rate", "500=0.1", "--drop-rate", "0.5"]
    )
    assert _error_rates(args.error_rate) == {503: 0.25, 500: 0.1}
    assert args.drop_rate == 0.5 and args.host == "127.0.0.1"
