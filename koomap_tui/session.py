"""Turn flags + configuration + credentials into a connected-but-not-yet-opened client.

Read-only mode is enforced here, at the boundary every screen shares: the client handed to the
console is wrapped in `ReadOnlyClient`, so a mutating call fails before it is sent even if some
code path forgot the policy check.

The session's one `DownloadManager` is built here too (`build_downloads`), with the client, so
transfers outlive any screen and no screen creates or looks one up by name.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.logsafe import register_secret
from koomap_tui.services.downloads import DownloadManager, build_downloads
from koomap_tui.services.guard import guard

__all__ = ["Session", "build_downloads", "demo_session", "profile_session"]

#: Where the auth classes keep their secrets (SecretStr attributes).
_SECRET_ATTRS = ("_sk", "_password", "_token", "_security_token")


@dataclass
class Session:
    client: Any  # KooMapClient, or ReadOnlyClient wrapping one
    profile: str
    operator: str
    endpoint: str
    env_label: str | None = None
    env_colour: str | None = None
    read_only: bool = False
    tls_off: bool = False
    fast_interval: float = 3.0
    slow_interval: float = 30.0
    workspace_id: str | None = None
    theme: str = "koomap-dark"
    warnings: tuple[str, ...] = ()
    downloads: DownloadManager = field(kw_only=True)


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def register_auth_secrets(auth: Any) -> list[str]:
    """Teach the log/crash/report redaction the literal secrets this session holds."""
    found: list[str] = []
    for attr in _SECRET_ATTRS:
        value = getattr(auth, attr, None)
        if value is not None and hasattr(value, "get_secret_value"):
            register_secret(value)
            found.append(value.get_secret_value())
    return found


def settings_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Config values set by flags (flags win over env and file)."""
    overrides: dict[str, Any] = {}
    if getattr(args, "read_only", False):
        overrides["read_only"] = True
    if getattr(args, "theme", None):
        overrides["theme"] = args.theme
    if getattr(args, "insecure", False):
        overrides["verify_tls"] = False
    return overrides


def load_profile_settings(args: argparse.Namespace) -> Any:
    from koomap_tui import config

    return config.load_settings(
        profile=getattr(args, "profile", None),
        overrides=settings_overrides(args),
        path=getattr(args, "config", None),
    )


def demo_session(sim: Any, args: argparse.Namespace) -> Session:
    """The embedded simulator, signed with the demo tenant's AK/SK (the scheme KooMap
    recommends), so the demo exercises the same signing path as production."""
    from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, DEMO_USER

    auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
    register_auth_secrets(auth)
    read_only = bool(args.read_only)
    client = KooMapClient(sim.base_url, auth, qps=10.0)
    return Session(
        client=guard(client, read_only),
        profile="demo",
        operator=DEMO_USER,
        endpoint=sim.base_url,
        env_label=None,  # the header's DEMO badge says it already
        read_only=read_only,
        fast_interval=2.0,
        slow_interval=10.0,
        downloads=build_downloads(read_only=read_only),
    )


def profile_session(args: argparse.Namespace, ask_password: Callable[[str], str]) -> Session:
    """A configured profile: settings from file/env/flags, credentials from the chain."""
    from koomap_tui import config

    settings = load_profile_settings(args)
    profile = settings.profile
    setup = config.build_auth(settings, prompt=ask_password)
    register_auth_secrets(setup.auth)
    client = KooMapClient(
        profile.endpoint,
        setup.auth,
        qps=profile.qps,
        connect_timeout=profile.connect_timeout,
        read_timeout=profile.read_timeout,
        verify=profile.verify_tls,
    )
    return Session(
        client=guard(client, profile.read_only),
        profile=settings.name,
        operator=profile.user or getpass.getuser(),
        endpoint=_host(profile.endpoint),
        env_label=profile.environment,
        env_colour=profile.environment_colour,
        read_only=profile.read_only,
        tls_off=not profile.verify_tls,
        fast_interval=profile.poll_fast,
        slow_interval=profile.poll_slow,
        workspace_id=profile.workspace,
        theme=profile.theme or "koomap-dark",
        warnings=tuple(settings.warnings) + tuple(setup.warnings),
        downloads=build_downloads(read_only=profile.read_only, tls_off=not profile.verify_tls),
    )
