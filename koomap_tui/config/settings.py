"""Profiles from the TOML config file, ``KOOMAP_*`` environment overrides and CLI overrides.

Precedence, lowest to highest: built-in defaults, the profile in the file, environment
variables, command-line overrides. Values in the file are checked strictly (``read_only =
"yes"`` is an error, not a truthy string); environment values are text and are parsed.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, NoReturn

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from koomap_tui.config.errors import ConfigError
from koomap_tui.config.tomlfile import find_line, permission_warning, read_toml

__all__ = [
    "DEFAULT_ENDPOINT",
    "DEFAULT_REGION",
    "ENV_PREFIX",
    "MAX_QPS",
    "AuthMode",
    "ProfileConfig",
    "Settings",
    "config_path",
    "env_var",
    "list_profiles",
    "load_settings",
]

DEFAULT_ENDPOINT = "https://koomap.cn-north-4.myhuaweicloud.com"
DEFAULT_REGION = "cn-north-4"
DEFAULT_PROFILE = "default"
MAX_QPS = 20.0
ENV_PREFIX = "KOOMAP_"
APP_NAME = "koomap-tui"

AuthMode = Literal["aksk", "token", "password"]

#: Fields whose values are never quoted back in messages.
SECRET_FIELDS = frozenset({"sk", "security_token"})
#: Keys refused with a specific message: these secrets are never stored in the file.
FORBIDDEN_KEYS = {
    "password": "passwords are never stored; set KOOMAP_PASSWORD or type it when asked",
    "token": "tokens are never stored; set KOOMAP_TOKEN",
}
TOP_LEVEL_KEYS = ("default_profile", "profiles")

#: Builds the "where" prefix of a message (file and line, env var, command line) for a field.
Where = Callable[[str], str]


class ProfileConfig(BaseModel):
    """One ``[profiles.NAME]`` table. Field names are the TOML keys and the env suffixes."""

    model_config = ConfigDict(extra="forbid")

    endpoint: str = DEFAULT_ENDPOINT
    iam_endpoint: str | None = None
    region: str = DEFAULT_REGION
    auth: AuthMode = "aksk"
    project_id: str | None = None
    project_name: str | None = None
    user: str | None = None
    domain: str | None = None
    environment: str | None = None
    environment_colour: str | None = None
    read_only: bool = False
    poll_fast: float = 2.0
    poll_slow: float = 15.0
    theme: str | None = None
    qps: float = 10.0
    verify_tls: bool = True
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    workspace: str | None = None
    history: bool = True
    history_days: int = 90
    #: Run for every change of a watched task: an argument list (never a shell), the change as
    #: JSON on standard input (services/on_change.py).
    on_change: list[str] | None = None
    on_change_timeout: float = 10.0
    #: Keep the last view, workspace and theme across restarts (services/remember.py).
    remember: bool = True
    ak: str | None = Field(default=None, repr=False)
    sk: SecretStr | None = None
    security_token: SecretStr | None = None

    @field_validator("endpoint", "iam_endpoint")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value.startswith(("https://", "http://")) or len(value) <= len("https://"):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("qps")
    @classmethod
    def _qps(cls, value: float) -> float:
        if not 0 < value <= MAX_QPS:
            raise ValueError("must be above 0 and at most 20 (the gateway's per-tenant limit)")
        return value

    @field_validator("poll_fast", "poll_slow")
    @classmethod
    def _interval(cls, value: float) -> float:
        if not 0.5 <= value <= 3600:
            raise ValueError("must be between 0.5 and 3600 seconds")
        return value

    @field_validator("history_days")
    @classmethod
    def _history_days(cls, value: int) -> int:
        if not 1 <= value <= 3650:
            raise ValueError("must be between 1 and 3650 days")
        return value

    @field_validator("on_change")
    @classmethod
    def _on_change(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (not value or not value[0].strip()):
            raise ValueError(
                'must be a list naming a program first, e.g. ["notify-send", "koomap"]'
            )
        return value

    @field_validator("on_change_timeout")
    @classmethod
    def _on_change_timeout(cls, value: float) -> float:
        if not 0 < value <= 600:
            raise ValueError("must be above 0 and at most 600 seconds")
        return value

    @field_validator("connect_timeout", "read_timeout")
    @classmethod
    def _timeout(cls, value: float) -> float:
        if not 0 < value <= 600:
            raise ValueError("must be above 0 and at most 600 seconds")
        return value

    @field_validator("region", "environment", "theme", "user", "domain", "project_id")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return value

    @property
    def iam_url(self) -> str:
        """IAM endpoint: configured, or the regional one (``https://iam.{region}...``)."""
        return self.iam_endpoint or f"https://iam.{self.region}.myhuaweicloud.com"

    @property
    def token_project_name(self) -> str:
        """Project name for a project-scoped IAM token (the region's default project)."""
        return self.project_name or self.region


FIELDS: tuple[str, ...] = tuple(ProfileConfig.model_fields)
#: Settings an environment variable may override (secrets come from their own variables).
#: `on_change` is an argument list: a file or flag sets it, never a one-string variable that
#: would need shell-like splitting.
ENV_FIELDS: tuple[str, ...] = tuple(
    f for f in FIELDS if f not in {"ak", "sk", "security_token", "on_change"}
)


def env_var(field: str) -> str:
    return ENV_PREFIX + field.upper()


class Settings(BaseModel):
    """The chosen profile's effective values, its name, and where each value came from."""

    model_config = ConfigDict(extra="forbid")

    name: str = DEFAULT_PROFILE
    path: Path | None = None
    profile: ProfileConfig = Field(default_factory=ProfileConfig)
    warnings: list[str] = Field(default_factory=list)
    sources: dict[str, str] = Field(default_factory=dict, repr=False)

    def source_of(self, field: str) -> str:
        """Where a value came from: ``default``, a file, ``env KOOMAP_X`` or ``command line``."""
        return self.sources.get(field, "default")


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """``$KOOMAP_CONFIG`` or ``<user config dir>/koomap-tui/config.toml``."""
    env = os.environ if env is None else env
    override = env.get("KOOMAP_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def _clean_message(message: str) -> str:
    return message.removeprefix("Value error, ")


def _describe_error(error: Mapping[str, Any], where: Where, raw: Mapping[str, Any]) -> str:
    loc = error.get("loc", ())
    field = str(loc[0]) if loc else "?"
    prefix = where(field)
    if error.get("type") == "extra_forbidden":
        close = difflib.get_close_matches(field, FIELDS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"{prefix}unknown field '{field}'{hint}"
    text = f"{prefix}field '{field}': {_clean_message(str(error.get('msg', 'invalid')))}"
    if field not in SECRET_FIELDS and field in raw:
        text += f"; got {raw[field]!r}"
    return text


def _raise_first(exc: ValidationError, where: Where, raw: Mapping[str, Any]) -> NoReturn:
    messages = [_describe_error(error, where, raw) for error in exc.errors()]
    raise ConfigError("; ".join(messages)) from None


def _file_where(path: Path, table: list[str]) -> Where:
    header = "[" + ".".join(table) + "]"

    def describe(field: str) -> str:
        line = find_line(path, table, field)
        at = f" line {line}:" if line is not None else ""
        return f"{path}:{at} {header} "

    return describe


def _read_document(path: Path, required: bool) -> dict[str, Any]:
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: config file not found")
        return {}
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, not a config file")
    document = read_toml(path)
    for key in document:
        if key not in TOP_LEVEL_KEYS:
            close = difflib.get_close_matches(key, TOP_LEVEL_KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            line = find_line(path, [], key)
            at = f" line {line}:" if line is not None else ""
            raise ConfigError(f"{path}:{at} unknown top-level field '{key}'{hint}")
    default = document.get("default_profile")
    if default is not None and not isinstance(default, str):
        raise ConfigError(f"{path}: field 'default_profile': must be a string; got {default!r}")
    profiles = document.get("profiles", {})
    if not isinstance(profiles, dict) or not all(isinstance(t, dict) for t in profiles.values()):
        raise ConfigError(f"{path}: 'profiles' must hold [profiles.NAME] tables")
    return document


def list_profiles(path: Path | str | None = None) -> list[str]:
    """Profile names in the config file (empty when there is no file)."""
    file = Path(path) if path is not None else config_path()
    return sorted(_read_document(file, required=False).get("profiles", {}))


def _choose_profile(
    requested: str | None, document: Mapping[str, Any], path: Path
) -> tuple[str, dict[str, Any]]:
    profiles: dict[str, dict[str, Any]] = document.get("profiles", {})
    names = ", ".join(sorted(profiles)) or "none"
    if requested is not None:
        if requested in profiles:
            return requested, profiles[requested]
        if requested == DEFAULT_PROFILE and not profiles:
            return requested, {}
        raise ConfigError(f"{path}: profile '{requested}' not found (profiles: {names})")
    default = document.get("default_profile")
    if default is not None:
        if default not in profiles:
            raise ConfigError(
                f"{path}: default_profile '{default}' has no [profiles.{default}] table "
                f"(profiles: {names})"
            )
        return default, profiles[default]
    if DEFAULT_PROFILE in profiles:
        return DEFAULT_PROFILE, profiles[DEFAULT_PROFILE]
    if len(profiles) == 1:
        (only,) = profiles
        return only, profiles[only]
    if not profiles:
        return DEFAULT_PROFILE, {}
    raise ConfigError(
        f"{path}: several profiles and no default_profile; choose one with --profile or "
        f"KOOMAP_PROFILE (profiles: {names})"
    )


def _check_forbidden(table: Mapping[str, Any], where: Where) -> None:
    for key, why in FORBIDDEN_KEYS.items():
        if key in table:
            raise ConfigError(f"{where(key)}field '{key}' is not allowed: {why}")


def load_settings(
    profile: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    path: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Effective settings of one profile.

    ``profile``: explicit choice (else ``KOOMAP_PROFILE``, the file's ``default_profile``, a
    profile named ``default``, the only profile, or built-in defaults). ``overrides``: values
    from command-line flags (``None`` values are ignored). ``path``: config file (else
    ``KOOMAP_CONFIG``, else the platform config dir); an explicit path must exist.
    Raises :class:`ConfigError`; never prints. Warnings are in ``Settings.warnings``.
    """
    env = os.environ if env is None else env
    explicit = path is not None or bool(env.get("KOOMAP_CONFIG"))
    file = Path(path).expanduser() if path is not None else config_path(env)
    document = _read_document(file, required=explicit)
    requested = profile or env.get("KOOMAP_PROFILE") or None
    name, table = _choose_profile(requested, document, file)

    file_where = _file_where(file, ["profiles", name])
    _check_forbidden(table, file_where)
    try:
        ProfileConfig.model_validate(table, strict=True)
    except ValidationError as exc:
        _raise_first(exc, file_where, table)

    sources: dict[str, str] = {key: str(file) for key in table}
    merged: dict[str, Any] = dict(table)
    env_values: dict[str, str] = {}
    for field in ENV_FIELDS:
        value = env.get(env_var(field))
        if value is not None and value.strip() != "":
            env_values[field] = value.strip()
            sources[field] = f"env {env_var(field)}"
    merged.update(env_values)
    cli_values = {key: value for key, value in (overrides or {}).items() if value is not None}
    _check_forbidden(cli_values, lambda _field: "command line: ")
    for key in cli_values:
        if key not in FIELDS:
            close = difflib.get_close_matches(key, FIELDS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(f"command line: unknown setting '{key}'{hint}")
        sources[key] = "command line"
    merged.update(cli_values)

    def where(field: str) -> str:
        origin = sources.get(field, "default")
        if origin.startswith("env "):
            return f"environment variable {origin[4:]}: "
        if origin == "command line":
            return "command line: "
        return file_where(field)

    try:
        effective = ProfileConfig.model_validate(merged)
    except ValidationError as exc:
        _raise_first(exc, where, merged)
    # Consumers get a usable IAM URL without re-deriving it from the region.
    effective = effective.model_copy(update={"iam_endpoint": effective.iam_url})

    warnings: list[str] = []
    holds_secrets = any(
        "sk" in t or "security_token" in t for t in document.get("profiles", {}).values()
    )
    if holds_secrets:
        warning = permission_warning(file, "secret keys")
        if warning:
            warnings.append(warning)
    if not effective.verify_tls:
        origin = sources.get("verify_tls", "default")
        warnings.append(f"TLS certificate verification is off ({origin})")
    return Settings(
        name=name,
        path=file if file.exists() else None,
        profile=effective,
        warnings=warnings,
        sources=sources,
    )
