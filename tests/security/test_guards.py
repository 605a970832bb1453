"""TLS verification on by default (off only by an explicit flag, with a banner), the environment
label on every screen, and typed confirmation before a deletion (wrong text sends nothing)."""

from __future__ import annotations

import argparse
import os
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koomap_tui.api.client import KooMapClient
from koomap_tui.config import ProfileConfig
from koomap_tui.session import profile_session
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from koomap_tui.ui.widgets.dialogs import TypedConfirmDialog
from koomap_tui.ui.widgets.header_bar import HeaderBar
from tests.reliability.conftest import audit_records, make_app
from tests.ui.helpers import notices, open_workspace, screen_text, select, wait_for


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0) as server:
        yield server


def ssl_context(client: Any) -> ssl.SSLContext:
    http = getattr(client, "inner", client)._http
    return http._transport._pool._ssl_context  # type: ignore[no-any-return]


def profile_args(tmp_path: Path, endpoint: str, *flags: str) -> argparse.Namespace:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[profiles.lab]\nendpoint = "{endpoint}"\nproject_id = "{DEMO_PROJECT_ID}"\n'
        'environment = "PROD"\n'
    )
    cfg.chmod(0o600)
    from koomap_tui.cli import build_parser

    return build_parser().parse_args(["--config", str(cfg), *flags])


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("KOOMAP_", "HUAWEICLOUD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)


def test_tls_verification_is_on_by_default() -> None:
    assert ProfileConfig().verify_tls is True
    ctx = ssl_context(KooMapClient("https://koomap.example", None))
    assert ctx.verify_mode is ssl.CERT_REQUIRED and ctx.check_hostname


def test_only_the_insecure_flag_turns_it_off(tmp_path: Path, creds: None) -> None:
    safe = profile_session(profile_args(tmp_path, "https://koomap.example"), lambda _p: "")
    assert not safe.tls_off
    assert ssl_context(safe.client).verify_mode is ssl.CERT_REQUIRED
    off = profile_session(
        profile_args(tmp_path, "https://koomap.example", "--insecure"), lambda _p: ""
    )
    assert off.tls_off
    assert ssl_context(off.client).verify_mode is ssl.CERT_NONE
    assert any("TLS" in w for w in off.warnings)


async def test_tls_off_shows_a_banner_and_badge(sim: SimServer, tmp_path: Path) -> None:
    app = make_app(sim.base_url, tmp_path)
    app.ctx.tls_off = True
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        await pilot.pause()
        assert any("TLS certificate verification is OFF" in n for n in notices(pilot))
        assert "TLS-OFF" in screen_text(pilot)


async def test_environment_label_is_visible_on_every_screen(sim: SimServer, tmp_path: Path) -> None:
    sim.reset()
    app = make_app(sim.base_url, tmp_path)
    app.ctx.env_label = "PROD-CN4"
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        assert "PROD-CN4" in screen_text(pilot)
        await select(pilot, "east_block_fine")
        await pilot.press("x")  # the confirmation dialog keeps the header in view
        await pilot.pause(0.2)
        assert "PROD-CN4" in screen_text(pilot)
        await pilot.press("escape")
        await pilot.press("enter")  # task detail
        await pilot.pause(0.3)
        assert type(app.screen).__name__ != "TasksScreen"
        assert "PROD-CN4" in screen_text(pilot)
        await pilot.press("question_mark")  # help
        await pilot.pause(0.2)
        assert "PROD-CN4" in screen_text(pilot)
        for header in app.query(HeaderBar).results():
            assert "PROD-CN4" in header.badges()


async def test_delete_needs_the_typed_name_and_wrong_text_sends_nothing(
    sim: SimServer, tmp_path: Path
) -> None:
    sim.reset()
    sim.request_log.clear()
    app = make_app(sim.base_url, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        await select(pilot, "east_block_mesh")  # SUCCESS: deletable
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, TypedConfirmDialog))
        await pilot.press("y", "enter")  # a reflex "y" does not delete
        await pilot.pause(0.2)
        assert isinstance(app.screen, TypedConfirmDialog)
        await pilot.press(*"east_block_mes", "enter")  # almost right is not right
        await pilot.pause(0.2)
        assert isinstance(app.screen, TypedConfirmDialog)
        assert sim.request_log.count(operation="DeleteReal3DTask") == 0
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert sim.request_log.count(operation="DeleteReal3DTask") == 0
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, TypedConfirmDialog))
        await pilot.press(*"east_block_mesh", "enter")
        await wait_for(pilot, lambda: sim.request_log.count(operation="DeleteReal3DTask") == 1)
        await pilot.pause(0.3)
    assert sim.request_log.count(operation="DeleteReal3DTask") == 1
    assert [r["operation"] for r in audit_records(tmp_path)] == ["DeleteReal3DTask"]


def test_config_and_audit_files_are_created_0600(tmp_path: Path) -> None:
    from koomap_tui.config import write_profile
    from koomap_tui.services.audit import AuditLog

    old = os.umask(0o022)  # a permissive umask must not matter
    try:
        cfg = write_profile(
            "lab", {"endpoint": "https://x.example", "sk": DEMO_SK}, tmp_path / "c" / "config.toml"
        )
        audit = AuditLog(tmp_path / "a" / "audit.jsonl")
        audit.record(profile="p", operator="o", operation="StopTask", targets=["t"], outcome="ok")
    finally:
        os.umask(old)
    assert oct(os.stat(cfg).st_mode & 0o777) == oct(0o600)
    assert oct(os.stat(tmp_path / "a" / "audit.jsonl").st_mode & 0o777) == oct(0o600)
    assert oct(os.stat(tmp_path / "a").st_mode & 0o777) == oct(0o700)
