"""`koomap-tui get` and `koomap-tui wait`: the real `cli.main`, against the simulator over HTTP
(a configured profile pointing at a test server, or `--demo`'s embedded one)."""

from __future__ import annotations

import csv
import io
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koomap_tui import cli
from koomap_tui.scripting import parse_duration, split_command, wait_outcome
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0, qps_limit=0) as sim:
        yield sim


@pytest.fixture
def sim(server: SimServer) -> SimServer:
    server.reset()
    server.request_log.clear()
    return server


@pytest.fixture(autouse=True)
def profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server: SimServer) -> Path:
    """A profile for the test server, credentials from the environment (the usual chain)."""
    for name in list(os.environ):
        if name.startswith(("KOOMAP_", "HUAWEICLOUD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", DEMO_PROJECT_ID)
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.sim]\nendpoint = "{server.base_url}"\npoll_fast = 0.5\n')
    return config


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def with_profile(config: Path, *argv: str) -> list[str]:
    return ["--config", str(config), "--profile", "sim", *argv]


def tasks_of(sim: SimServer, workspace: str) -> dict[str, Any]:
    store = sim.core.stores["demo"]
    ws = next(w for w in store.workspaces.values() if w.name == workspace)
    return {t.name: t for t in store.tasks.values() if t.workspace_id == ws.id}


def test_get_tasks_by_workspace_name_as_json(
    sim: SimServer, profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *with_profile(profile, "get", "tasks", "--workspace", "城市更新_一期", "-o", "json"))  # fmt: skip
    assert (code, err) == (0, "")
    rows = json.loads(out)
    truth = {n: t for n, t in tasks_of(sim, "城市更新_一期").items() if t.status != "ARCHIVED"}
    assert {r["name"]: r["state"] for r in rows} == {n: t.status for n, t in truth.items()}
    assert {r["id"] for r in rows} == {t.id for t in truth.values()}
    assert {r["workspace"] for r in rows} == {"城市更新_一期"}
    failed = next(r for r in rows if r["name"] == "西区_重建_v2")
    assert failed["fail_message"] == truth["西区_重建_v2"].fail_message


def test_get_workspaces_as_a_table_and_as_csv(
    sim: SimServer, profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *with_profile(profile, "get", "workspaces"))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["ID", "NAME"]
    names = {w.name for w in sim.core.stores["demo"].workspaces.values()}
    assert len(lines) == 1 + len(names)
    assert all(any(n in line for line in lines) for n in names)
    code, out, _ = run(capsys, *with_profile(profile, "get", "workspaces", "-o", "csv"))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["name"] for r in rows} == names


def test_get_sat_and_images_and_by_id(
    sim: SimServer, profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = sim.core.stores["demo"]
    ws = next(w for w in store.workspaces.values() if w.name == "卫星影像_华北")
    code, out, _ = run(capsys, *with_profile(profile, "get", "sat", "--workspace", ws.id, "-o", "json"))  # fmt: skip
    assert code == 0
    got = {r["id"]: r["state"] for r in json.loads(out)}
    want = {t.id: t.status for t in store.sat_tasks.values() if t.workspace_id == ws.id}
    assert got == {k: v for k, v in want.items() if v != "ARCHIVED"}
    code, out, _ = run(capsys, *with_profile(profile, "get", "images", "-o", "json"))
    assert code == 0
    assert {r["code"] for r in json.loads(out)} == set(store.folders)


def test_an_unknown_workspace_is_one_clear_line_with_a_suggestion(
    sim: SimServer, profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *with_profile(profile, "get", "tasks", "--workspace", "river_corridr"))  # fmt: skip
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "'river_corridor'" in err and "Traceback" not in err


def test_wait_exits_0_when_reached_1_on_failure(
    sim: SimServer, profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks = tasks_of(sim, "城市更新_一期")
    code, _, err = run(capsys, *with_profile(profile, "wait", tasks["西区_倾斜建模"].id, "--until", "success"))  # fmt: skip
    assert code == 0 and "SUCCESS" in err
    code, _, err = run(capsys, *with_profile(profile, "wait", tasks["西区_重建_v2"].id))
    assert code == 1 and "FAILED" in err and tasks["西区_重建_v2"].fail_message in err
    code, _, err = run(capsys, *with_profile(profile, "wait", tasks["西区_停止测试"].id))
    assert code == 1 and "STOP_SUCCESS" in err


def test_wait_times_out_with_2(
    sim: SimServer, profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running = tasks_of(sim, "survey_east_2024")["east_block_fine"]  # the clock stands still
    code, _, err = run(capsys, *with_profile(profile, "wait", running.id, "--timeout", "1s"))
    assert code == 2 and "timed out waiting for SUCCESS (still RUNNING)" in err


def test_wait_follows_a_run_to_its_end(
    sim: SimServer, profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running = tasks_of(sim, "survey_east_2024")["east_block_fine"]
    polled = f"/v1/real3d/{running.workspace_id}/tasks"

    waited: list[bool] = []

    def finish_after_two_polls() -> None:
        # The waiter has read the task twice (found it, then polled it): let the run end.
        deadline = time.monotonic() + 60
        while sim.request_log.count(polled) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        waited.append(sim.request_log.count(polled) >= 2)
        sim.advance(3 * 3600)

    helper = threading.Thread(target=finish_after_two_polls)
    helper.start()
    try:
        code, _, err = run(capsys, *with_profile(profile, "wait", running.id, "--workspace", "survey_east_2024", "--timeout", "5m"))  # fmt: skip
    finally:
        helper.join()
    assert code == 0, err
    assert waited == [True]
    assert err.index("RUNNING") < err.index("SUCCESS")


def test_the_demo_serves_get_and_wait(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--demo", "--speed", "0", "get", "tasks", "-o", "json")
    assert code == 0
    rows = json.loads(out)
    assert {"survey_east_2024", "城市更新_一期", "river_corridor"} <= {r["workspace"] for r in rows}
    done = next(r for r in rows if r["state"] == "SUCCESS")
    code, _, err = run(capsys, "--demo", "--speed", "0", "wait", done["id"], "--until", "SUCCESS")
    assert code == 0 and "SUCCESS" in err


def test_read_only_mode_still_reads(
    sim: SimServer, profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *with_profile(profile, "--read-only", "get", "workspaces", "-o", "json"))  # fmt: skip
    assert code == 0 and len(json.loads(out)) == len(sim.core.stores["demo"].workspaces)


def test_bad_script_arguments_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "get", "planets")
    assert code == 2 and "invalid choice: 'planets'" in err
    code, _, err = run(capsys, "wait", "abc", "--until", "DONE")
    assert code == 2 and "unknown task state 'DONE'" in err
    code, _, err = run(capsys, "wait", "abc", "--timeout", "soon")
    assert code == 2 and "not a duration" in err


def test_command_word_and_durations() -> None:
    parser = cli.build_parser()
    assert split_command(["get", "tasks"], parser) == 0
    assert split_command(["--demo", "--profile", "get", "get", "x"], parser) == 3
    assert split_command(["--profile", "wait"], parser) is None
    assert split_command(["doctor"], parser) is None
    assert [parse_duration(t) for t in ("2h", "90m", "1h30m", "45s", "45")] == [
        7200,
        5400,
        5400,
        45,
        45,
    ]
    assert wait_outcome("RUNNING", "SUCCESS") is None
    assert wait_outcome("INIT", "SUCCESS") is None  # not started yet: keep waiting
    assert wait_outcome("START_FAILED", "SUCCESS") == 1
    assert wait_outcome("SUCCESS", "RUNNING") == 1  # passed it by; it will not come back
