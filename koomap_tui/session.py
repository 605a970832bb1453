"""Turn flags + configuration + credentials into a connected-but-not-yet-opened client."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth, IamTokenAuth, StaticTokenAuth
from koomap_tui.api.client import KooMapClient


@dataclass
class Session:
    client: KooMapClient
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


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def demo_session(sim: Any, args: argparse.Namespace) -> Session:
    """The embedded simulator, signed with the demo tenant's AK/SK (the scheme KooMap
    recommends), so the demo exercises the same signing path as production."""
    from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, DEMO_USER

    auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
    client = KooMapClient(sim.base_url, auth, qps=10.0)
    return Session(
        client=client,
        profile="demo",
        operator=DEMO_USER,
        endpoint=sim.base_url,
        env_label=None,  # the header's DEMO badge says it already
        read_only=bool(args.read_only),
        fast_interval=2.0,
        slow_interval=10.0,
    )


def profile_session(args: argparse.Namespace, ask_password: Callable[[str], str]) -> Session:
    """A configured profile: settings from file/env/flags, credentials from the chain."""
    from koomap_tui import config

    overrides: dict[str, Any] = {}
    if args.read_only:
        overrides["read_only"] = True
    if args.theme:
        overrides["theme"] = args.theme
    if args.insecure:
        overrides["verify_tls"] = False
    settings = config.load_settings(profile=args.profile, overrides=overrides, path=args.config)
    profile = settings.profile
    mode = profile.auth
    operator = profile.user or getpass.getuser()
    auth: Any
    if mode == "password":
        if not profile.user or not profile.domain:
            raise config.ConfigError(
                f"profile {settings.name!r}: password mode needs 'user' and 'domain'"
            )
        password = config.password_from_env() or ask_password(
            f"IAM password for {profile.user}@{profile.domain}: "
        )
        auth = IamTokenAuth(
            profile.iam_endpoint,
            profile.user,
            SecretStr(password),
            profile.domain,
            project_name=None if profile.project_id else profile.region,
            project_id=profile.project_id,
        )
    elif mode == "token":
        token = config.token_from_env()
        if token is None:
            raise config.ConfigError("token mode needs KOOMAP_TOKEN set to a pre-issued IAM token")
        auth = StaticTokenAuth(token)
    else:
        creds = config.resolve_credentials(settings)
        auth = AkSkAuth(
            creds.ak,
            creds.sk,
            project_id=creds.project_id or profile.project_id,
            security_token=creds.security_token,
        )
    client = KooMapClient(profile.endpoint, auth, qps=profile.qps, verify=profile.verify_tls)
    return Session(
        client=client,
        profile=settings.name,
        operator=operator,
        endpoint=_host(profile.endpoint),
        env_label=profile.environment,
        env_colour=profile.environment_colour,
        read_only=profile.read_only,
        tls_off=not profile.verify_tls,
        fast_interval=profile.poll_fast,
        slow_interval=profile.poll_slow,
        workspace_id=profile.workspace,
        theme=profile.theme,
    )
