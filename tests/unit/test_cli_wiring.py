"""What the command line assembles for the console: history per session (off by config), the
`--on-change` command, the remembered start, and `--workspace` by name."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from koomap_tui import cli
from koomap_tui.api.auth import AkSkAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.services.history import HistoryStore
from koomap_tui.services.remember import RememberStore, default_path, session_key
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0) as server:
        yield server


def workspace_id(sim: SimServer, name: str) -> str:
    """The id the API gives the workspace of that name (the simulator makes the ids)."""

    async def lookup() -> str:
        auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
        async with KooMapClient(sim.base_url, auth) as client:
            page = await client.list_common_workspace(workspace_name=name, limit=100)
        return next(ws.workspace_id for ws in page.data if ws.workspace_name == name)

    return asyncio.run(lookup())


def demo_args(tmp_path: Path, *extra: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(
        ["--demo", "--audit-file", str(tmp_path / "audit.jsonl"), *extra]
    )


def profile_args(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sim: SimServer, body: str):  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.lab]\nendpoint = "{sim.base_url}"\n{body}\n')
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", DEMO_PROJECT_ID)
    return cli.build_parser().parse_args(
        ["--config", str(config), "--audit-file", str(tmp_path / "audit.jsonl")]
    )


def test_a_profile_session_keeps_history_in_the_state_dir_and_audits_into_it(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _own_home: Path
) -> None:
    ctx = cli.build_context(profile_args(tmp_path, monkeypatch, sim, "history_days = 7"), None)
    assert isinstance(ctx.history, HistoryStore)
    assert ctx.history.retention_days == 7
    state = _own_home / ".local/state"
    assert ctx.history.path.is_relative_to(state)  # the test's own state dir, never the real one
    assert ctx.history.path.name.startswith("lab-")
    assert ctx.runner.on_record == ctx.history.record_action


def test_history_false_in_the_config_means_no_store(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = cli.build_context(profile_args(tmp_path, monkeypatch, sim, "history = false"), None)
    assert ctx.history is None and ctx.runner.on_record is None


def test_the_demo_keeps_history_in_a_scratch_dir(sim: SimServer, tmp_path: Path) -> None:
    ctx = cli.build_context(demo_args(tmp_path), sim, tmp_path / "scratch")
    assert ctx.history is not None and ctx.history.path.is_relative_to(tmp_path / "scratch")
    assert cli.build_context(demo_args(tmp_path), sim).history is None


def test_on_change_from_the_config_and_the_flag_that_overrides_it(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = profile_args(
        tmp_path, monkeypatch, sim, 'on_change = ["notify-send", "a b"]\non_change_timeout = 3'
    )
    ctx = cli.build_context(args, None)
    assert ctx.on_change.argv == ["notify-send", "a b"] and ctx.on_change.timeout == 3
    args.on_change = "logger -t 'koomap watch'"
    args.on_change_timeout = 20.0
    ctx = cli.build_context(args, None)
    assert ctx.on_change.argv == ["logger", "-t", "koomap watch"] and ctx.on_change.timeout == 20
    assert cli.build_context(demo_args(tmp_path), sim).on_change is None


def test_on_change_must_name_a_program(
    sim: SimServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.lab]\nendpoint = "{sim.base_url}"\non_change = []\n')
    code = cli.main(["--config", str(config), "--audit-file", str(tmp_path / "a.jsonl")])
    err = capsys.readouterr().err
    assert code == 2 and "on_change" in err and len(err.strip().splitlines()) == 1


def test_workspace_by_name_is_resolved_at_start(sim: SimServer, tmp_path: Path) -> None:
    ctx = cli.build_context(demo_args(tmp_path, "--workspace", "SURVEY_east_2024"), sim)
    assert ctx.workspace_id == workspace_id(sim, "survey_east_2024")
    assert ctx.workspace_name == "survey_east_2024"
    by_id = cli.build_context(demo_args(tmp_path, "--workspace", ctx.workspace_id), sim)
    assert by_id.workspace_id == ctx.workspace_id


def test_an_unknown_workspace_name_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        ["--demo", "--workspace", "survey_east_2O24", "--audit-file", str(tmp_path / "a.jsonl")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "--workspace: no workspace named" in err and "survey_east_2024" in err  # a hint


def test_the_remembered_start_and_flags_that_override_it(sim: SimServer, tmp_path: Path) -> None:
    memory = RememberStore(default_path(), session_key("demo", "demo"))
    memory.update(view="usage", workspace_id="f" * 32, workspace_name="old", theme="koomap-light")
    ctx = cli.build_context(demo_args(tmp_path), sim)
    assert (ctx.start_view, ctx.workspace_id, ctx.workspace_name) == ("usage", "f" * 32, "old")
    assert ctx.theme == "koomap-light" and ctx.remember is not None
    wanted = workspace_id(sim, "river_corridor")
    ctx = cli.build_context(
        demo_args(tmp_path, "--workspace", wanted, "--theme", "high-contrast"), sim
    )
    assert (ctx.start_view, ctx.workspace_id, ctx.theme) == (None, wanted, "high-contrast")


def test_a_corrupt_remembered_state_does_not_stop_the_start(sim: SimServer, tmp_path: Path) -> None:
    default_path().parent.mkdir(parents=True, exist_ok=True)
    default_path().write_text("\x00garbage{")
    ctx = cli.build_context(demo_args(tmp_path), sim)
    assert ctx.start_view is None and ctx.workspace_id is None


def test_the_flag_list_names_the_new_options() -> None:
    text = cli.build_parser().format_help()
    assert "--on-change CMD" in text and "--on-change-timeout SECONDS" in text
    assert "name or id" in text


def test_a_workspace_name_in_the_config_is_resolved_and_an_unknown_one_stops_the_start(
    sim: SimServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = profile_args(tmp_path, monkeypatch, sim, 'workspace = "river_corridor"')
    ctx = cli.build_context(args, None)
    assert ctx.workspace_id == workspace_id(sim, "river_corridor")
    assert ctx.workspace_name == "river_corridor"

    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.lab]\nendpoint = "{sim.base_url}"\nworkspace = "no_such_ws"\n')
    code = cli.main(["--config", str(config), "--audit-file", str(tmp_path / "a.jsonl")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "workspace in the configuration: no workspace named" in err
