"""Planted secrets (SK, IAM password, IAM token) never reach the screen, the log file, the audit
log, exception text or crash output. The console runs against the simulator over loopback."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from textual.screen import Screen

from koomap_tui import cli
from koomap_tui.api.auth import AkSkAuth, IamTokenAuth, StaticTokenAuth
from koomap_tui.api.errors import KooMapError
from koomap_tui.errors_text import describe
from koomap_tui.logsafe import forget_secrets, redact
from koomap_tui.session import register_auth_secrets
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PASSWORD, DEMO_SK
from tests.reliability.conftest import audit_records, make_app, make_client
from tests.ui.helpers import notices, open_workspace, screen_text, select, wait_for


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0) as server:
        yield server


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "logs" / "koomap.log"
    cli.setup_logging(path, "DEBUG")
    yield path
    for handler in logging.getLogger().handlers:
        handler.close()
    logging.getLogger().handlers.clear()
    forget_secrets()


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [s[:6] + "…" for s in secrets if s and s in text]


def iam_token(app: Any) -> str:
    auth = app.ctx.client._http.auth
    token = getattr(auth, "_token", None)
    return token.get_secret_value() if token is not None else ""


@pytest.mark.parametrize("auth", ["aksk", "iam"])
async def test_console_session_leaks_no_secret(
    sim: SimServer, tmp_path: Path, log_file: Path, auth: str
) -> None:
    sim.reset()
    app = make_app(sim.base_url, tmp_path, auth=auth)
    register_auth_secrets(app.ctx.client._http.auth)
    seen: list[str] = []
    async with app.run_test(size=(160, 40)) as pilot:
        await open_workspace(pilot, "survey_east_2024")
        seen.append(screen_text(pilot))
        key = await select(pilot, "east_block_fine")
        path = f"/v1/real3d/{app.screen.workspace_id}/tasks/{key}/stop"
        # An error answer and a lost connection: the paths where detail is most tempting to log.
        sim.faults.set(error_rates={503: 1.0}, path_prefix=path)
        await pilot.press("x", "y")
        await wait_for(pilot, lambda: any("failed" in n for n in notices(pilot)))
        sim.faults.set(drop_rate=1.0, drop_after_processing=True, path_prefix=path, error_rates={})
        await pilot.press("x", "y")
        await wait_for(pilot, lambda: any("unknown" in n for n in notices(pilot)))
        sim.faults.clear()
        sim.expire_tokens()  # IAM: a renewal happens mid-session
        app.screen.poller.refresh_now()
        await pilot.pause(1.0)
        seen.append(screen_text(pilot))
        seen.extend(notices(pilot))
        token = iam_token(app)
        logging.getLogger("koomap_tui.test").exception(
            "planted: password=%s token=%s", DEMO_PASSWORD, token or "x"
        )
    secrets = [DEMO_SK, DEMO_PASSWORD] + ([token] if token else [])
    if auth == "iam":
        assert token, "the IAM token should have been fetched"
    log_text = log_file.read_text()
    assert "StopReal3DTask" in log_text or "stop" in log_text  # the log did record the session
    assert leaks("\n".join(seen), secrets) == []
    assert leaks(log_text, secrets) == []
    audit_text = (tmp_path / "audit.jsonl").read_text()
    assert len(audit_records(tmp_path)) == 2
    assert len(audit_records(tmp_path, intents=True)) == 4  # each with its intent record
    assert leaks(audit_text, secrets) == []
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "audit.jsonl").stat().st_mode) == 0o600


async def test_exception_text_and_reprs_hold_no_secret(sim: SimServer) -> None:
    token = sim.demo_token
    auths = [
        AkSkAuth(DEMO_AK, SecretStr(DEMO_SK)),
        IamTokenAuth(sim.base_url, "u", SecretStr(DEMO_PASSWORD), "d", project_name="p"),
        StaticTokenAuth(SecretStr(token)),
    ]
    for auth in auths:
        for text in (repr(auth), str(auth)):
            assert leaks(text, [DEMO_SK, DEMO_PASSWORD, token]) == []
    client = make_client(sim.base_url, "iam")
    assert leaks(repr(client), [DEMO_PASSWORD]) == []
    bad = make_client(sim.base_url)
    bad._http.auth = StaticTokenAuth(SecretStr(token + "X"))
    async with bad:
        with pytest.raises(KooMapError) as caught:
            await bad.list_common_workspace(limit=1)
    err = caught.value
    for text in (str(err), repr(err), describe(err), repr(err.args)):
        assert leaks(text, [token, token + "X"]) == []


def test_configured_sk_is_never_quoted(tmp_path: Path) -> None:
    from koomap_tui import config

    path = tmp_path / "config.toml"
    path.write_text(f'[profiles.p]\nak = "{DEMO_AK}"\nsk = "{DEMO_SK}"\nqps = 99\n')
    path.chmod(0o600)
    with pytest.raises(config.ConfigError) as caught:
        config.load_settings(path=path)
    assert DEMO_SK not in str(caught.value)
    path.write_text(f'[profiles.p]\nak = "{DEMO_AK}"\nsk = "{DEMO_SK}"\n')
    settings = config.load_settings(path=path)
    assert DEMO_SK not in repr(settings) and DEMO_SK not in str(settings.model_dump())


def test_redaction_of_named_and_opaque_secrets() -> None:
    assert DEMO_SK not in redact(f"signing with {DEMO_SK}")
    assert redact("password=hunter2 user=bob") == "password=*** user=bob"
    assert redact('{"X-Auth-Token": "abc.def"}') == '{"X-Auth-Token": "***"}'
    assert redact("Authorization: SDK-HMAC-SHA256 Access=AK, Signature=deadbeef").endswith(
        "Signature=***"
    )
    path = "/home/op/.config/koomap-tui/profiles/production_2024/config.toml"
    assert redact(path) == path  # paths and names stay readable
    assert redact("task 0123456789abcdef0123456789abcdef") == (
        "task 0123456789abcdef0123456789abcdef"
    )


async def test_crash_output_shows_no_locals_and_no_secret(
    sim: SimServer, tmp_path: Path, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    class Exploding(Screen[None]):
        def on_mount(self) -> None:
            sk = DEMO_SK  # a local holding a secret, as signing code has
            raise RuntimeError(f"boom while signing with sk={sk}")

    app = make_app(sim.base_url, tmp_path)
    register_auth_secrets(app.ctx.client._http.auth)
    printed: list[Any] = []
    print_them = app._print_error_renderables

    def spy() -> None:  # what Textual prints on the terminal after the crash
        printed.extend(app._exit_renderables)
        print_them()

    app._print_error_renderables = spy  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="boom"):
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            app.push_screen(Exploding())
            await pilot.pause(0.5)
    rendered = "\n".join(str(r) for r in printed)
    assert "RuntimeError" in rendered
    assert DEMO_SK not in rendered
    reports = list((tmp_path / "state").rglob("crash-*.txt"))
    assert len(reports) == 1 and str(reports[0]) in rendered
    report = reports[0].read_text()
    assert "boom while signing" in report and DEMO_SK not in report
    assert stat.S_IMODE(reports[0].stat().st_mode) == 0o600
    assert DEMO_SK not in log_file.read_text()


def test_top_level_error_message_is_redacted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], log_file: Path
) -> None:
    def explode(_args: Any) -> int:
        raise RuntimeError(f"request failed: sk={DEMO_SK} password: {DEMO_PASSWORD}")

    monkeypatch.setattr(cli, "run_console", explode)
    monkeypatch.setattr(cli, "setup_logging", lambda *_a: None)  # keep the fixture's handler
    assert cli.main(["--demo"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "request failed" in err
    assert leaks(err, [DEMO_SK, DEMO_PASSWORD]) == []
    assert leaks(log_file.read_text(), [DEMO_SK, DEMO_PASSWORD]) == []


def test_log_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "k.log"
    old = os.umask(0o022)
    try:
        cli.setup_logging(path, "INFO")
        logging.getLogger("koomap_tui").info("hello")
    finally:
        os.umask(old)
        for handler in logging.getLogger().handlers:
            handler.close()
        logging.getLogger().handlers.clear()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "hello" in path.read_text()


def test_a_registered_secret_without_a_secret_shape_is_still_masked() -> None:
    """The known-value layer (issue 12 item 17): a password of plain lower-case words matches
    neither the named nor the opaque rules, so only `register_secret` can catch it. Disabling
    registration makes this test fail."""
    from koomap_tui.api.auth import IamTokenAuth
    from koomap_tui.errors_text import describe
    from koomap_tui.logsafe import RedactingFilter
    from koomap_tui.session import register_auth_secrets

    password = "correcthorsebatterystaple"
    assert redact(f"login as bob with {password}") == f"login as bob with {password}"  # no shape
    auth = IamTokenAuth("http://127.0.0.1:9", "bob", password, "corp", project_name="cn-north-4")
    try:
        assert register_auth_secrets(auth) == [password]
        assert password not in redact(f"login as bob with {password}")
        record = logging.LogRecord(
            "t", logging.INFO, __file__, 1, "retry with %s", (password,), None
        )
        RedactingFilter().filter(record)
        assert password not in record.getMessage()
        assert password not in describe(RuntimeError(f"IAM said no to {password}"))
    finally:
        forget_secrets()
    assert redact(password) == password  # forgotten again: the mask came from registration
