"""Turn settings and the credential chain into the ``httpx.Auth`` the client needs."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from koomap_tui.api.auth import AkSkAuth, IamTokenAuth, StaticTokenAuth
from koomap_tui.config.credentials import (
    resolve_credentials,
    resolve_password,
    resolve_token,
)
from koomap_tui.config.errors import CredentialsError
from koomap_tui.config.settings import Settings, env_var

__all__ = ["AuthSetup", "build_auth"]


@dataclass(frozen=True)
class AuthSetup:
    """The auth object plus a secret-free description for the status line and ``doctor``."""

    auth: httpx.Auth
    description: str
    warnings: tuple[str, ...] = field(default=())


def build_auth(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    prompt: Callable[[str], str] | None = None,
    iam_transport: httpx.AsyncBaseTransport | None = None,
) -> AuthSetup:
    """Build the auth for ``settings.profile.auth``; raises :class:`CredentialsError` if impossible.

    ``prompt`` asks for the IAM password in password mode when ``KOOMAP_PASSWORD`` is unset.
    """
    env = os.environ if env is None else env
    profile = settings.profile
    if profile.auth == "aksk":
        creds = resolve_credentials(settings, env=env, home=home)
        auth = AkSkAuth(
            creds.ak,
            creds.sk,
            project_id=creds.project_id,
            security_token=creds.security_token,
        )
        return AuthSetup(auth, f"AK/SK from {creds.source}", creds.warnings)
    if profile.auth == "token":
        return AuthSetup(StaticTokenAuth(resolve_token(settings, env=env)), "IAM token from env")
    missing = [name for name in ("user", "domain") if not getattr(profile, name)]
    if missing:
        names = " and ".join(f"'{name}'" for name in missing)
        variables = " / ".join(env_var(name) for name in missing)
        raise CredentialsError(
            f"profile '{settings.name}' uses password auth but has no {names} "
            f"(set it in the profile or with {variables})"
        )
    assert profile.user is not None and profile.domain is not None
    password = resolve_password(settings, env=env, prompt=prompt)
    iam = IamTokenAuth(
        profile.iam_url,
        profile.user,
        password,
        profile.domain,
        project_name=None if profile.project_id else profile.token_project_name,
        project_id=profile.project_id,
        verify=profile.verify_tls,
        transport=iam_transport,
    )
    return AuthSetup(iam, f"IAM password token for {profile.user} (account {profile.domain})")
