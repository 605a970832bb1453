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
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.logsafe import register_secret
from koomap_tui.services.downloads import DownloadManager, build_downloads
from koomap_tui.services.guard import guard

if TYPE_CHECKING:
    from koomap_tui.services.history import HistoryStore

__all__ = [
    "Session",
    "build_downloads",
    "build_history",
    "demo_session",
    "profile_session",
    "resolve_start_workspace",
]

_WORKSPACE_ID = re.compile(r"^[0-9a-fA-F]{32}$")

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
    #: The full endpoint URL: history and remembered state are kept per profile and endpoint.
    endpoint_url: str = ""
    history: bool = True
    history_days: int = 90
    on_change: tuple[str, ...] = ()
    on_change_timeout: float = 10.0
    remember: bool = True
    #: A second client like `client` (same auth and limits) for work done before the console's
    #: event loop runs (resolving `--workspace NAME`); an httpx client belongs to one loop.
    client_factory: Callable[[], KooMapClient] | None = None


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
        endpoint_url=sim.base_url,
        client_factory=lambda: KooMapClient(sim.base_url, auth, qps=10.0),
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

    def make_client() -> KooMapClient:
        return KooMapClient(
            profile.endpoint,
            setup.auth,
            qps=profile.qps,
            connect_timeout=profile.connect_timeout,
            read_timeout=profile.read_timeout,
            verify=profile.verify_tls,
        )

    client = make_client()
    return Session(
        endpoint_url=profile.endpoint,
        client_factory=make_client,
        history=profile.history,
        history_days=profile.history_days,
        on_change=tuple(profile.on_change or ()),
        on_change_timeout=profile.on_change_timeout,
        remember=profile.remember,
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


def build_history(session: Session, directory: Path | None = None) -> HistoryStore | None:
    """The session's history store (not started), or None when history is off.

    `directory`: keep the file there instead of the platform state dir (the demo keeps its
    history in a temporary directory: its simulator starts afresh each run, so yesterday's
    states would read as changes "while you were away")."""
    from koomap_tui.services.history import HistoryStore, default_history_path, history_path

    if not session.history:
        return None
    if directory is not None:
        path = history_path(directory, session.profile, session.endpoint_url)
    else:
        path = default_history_path(session.profile, session.endpoint_url)
    return HistoryStore(path, retention_days=session.history_days)


def looks_like_id(ref: str) -> bool:
    return bool(_WORKSPACE_ID.match(ref.strip()))


def resolve_start_workspace(session: Session, ref: str) -> tuple[str, str | None]:
    """`--workspace NAME|ID` as (id, name). An id is taken as is, without a request (the task
    table says if it does not exist); a name is looked up now, on a client of its own.

    Raises `WorkspaceNotFound` (no such name, or several) or the client's errors."""
    import asyncio

    from koomap_tui.services.resolve import resolve_workspace

    text = ref.strip()
    if looks_like_id(text) or session.client_factory is None:
        return text, None

    async def lookup() -> tuple[str, str | None]:
        assert session.client_factory is not None
        async with session.client_factory() as client:
            ws = await resolve_workspace(client, text)
        return ws.workspace_id, ws.workspace_name

    return asyncio.run(lookup())
