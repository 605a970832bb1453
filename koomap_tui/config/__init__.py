"""Configuration: profiles (TOML), ``KOOMAP_*`` env overrides, the AK/SK credential chain.

See ``docs/configuration.md`` for the file format, variables and precedence.
"""

from __future__ import annotations

from koomap_tui.config.auth_setup import AuthSetup, build_auth
from koomap_tui.config.credentials import (
    Credentials,
    password_from_env,
    resolve_credentials,
    resolve_password,
    resolve_token,
    token_from_env,
)
from koomap_tui.config.errors import ConfigError, CredentialsError
from koomap_tui.config.settings import (
    DEFAULT_ENDPOINT,
    DEFAULT_REGION,
    MAX_QPS,
    AuthMode,
    ProfileConfig,
    Settings,
    config_path,
    list_profiles,
    load_settings,
)
from koomap_tui.config.writer import write_profile

__all__ = [
    "DEFAULT_ENDPOINT",
    "DEFAULT_REGION",
    "MAX_QPS",
    "AuthMode",
    "AuthSetup",
    "ConfigError",
    "Credentials",
    "CredentialsError",
    "ProfileConfig",
    "Settings",
    "build_auth",
    "config_path",
    "list_profiles",
    "load_settings",
    "password_from_env",
    "resolve_credentials",
    "resolve_password",
    "resolve_token",
    "token_from_env",
    "write_profile",
]
