"""Create or update one profile in the config file (mode 0600, atomic replace)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from koomap_tui.config.errors import ConfigError
from koomap_tui.config.settings import (
    FORBIDDEN_KEYS,
    ProfileConfig,
    _raise_first,
    _read_document,
    config_path,
)
from koomap_tui.config.tomlfile import dumps, write_private

__all__ = ["write_profile"]


def _plain(value: Any) -> Any:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def write_profile(
    name: str,
    values: Mapping[str, Any],
    path: Path | str | None = None,
    *,
    make_default: bool = False,
    env: Mapping[str, str] | None = None,
) -> Path:
    """Merge ``values`` into ``[profiles.NAME]`` (a ``None`` value removes the key).

    The file is created with mode 0600 (and its directory 0700), other profiles are kept,
    comments are not. Passwords and tokens are refused. Returns the file written.
    """
    if not name or not name.strip():
        raise ConfigError("a profile needs a name")
    file = (
        Path(path).expanduser()
        if path is not None
        else config_path(os.environ if env is None else env)
    )
    for key, why in FORBIDDEN_KEYS.items():
        if key in values:
            raise ConfigError(f"{file}: [profiles.{name}] field '{key}' is not allowed: {why}")
    document = _read_document(file, required=False)
    profiles: dict[str, dict[str, Any]] = dict(document.get("profiles", {}))
    table = dict(profiles.get(name, {}))
    for key, value in values.items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = _plain(value)
    try:
        ProfileConfig.model_validate(table, strict=True)
    except ValidationError as exc:
        _raise_first(exc, lambda _field: f"{file}: [profiles.{name}] ", table)
    profiles[name] = table
    out: dict[str, Any] = {}
    default = name if make_default else document.get("default_profile")
    if default is not None:
        out["default_profile"] = default
    out["profiles"] = profiles
    write_private(file, dumps(out))
    return file
