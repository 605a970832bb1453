"""Reading and writing the TOML config file: syntax errors with line numbers, 0600 writes.

The standard library reads TOML but cannot write it; the file only holds strings, numbers and
booleans in ``[profiles.NAME]`` tables, so a small writer is enough (comments are not kept
when a profile is written).
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from koomap_tui.config.errors import ConfigError

_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_TABLE = re.compile(r"^\s*\[\s*(.+?)\s*\]\s*(#.*)?$")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse ``path``; a syntax error becomes ``ConfigError`` naming file, line and column."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {line}: the file is not valid UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _AT_LINE.search(message)
        if found is None:
            end = _AT_END.search(message)
            if end is None:
                raise ConfigError(f"{path}: TOML syntax error: {message}") from None
            last = max(len(text.splitlines()), 1)
            raise ConfigError(
                f"{path}: line {last} (end of file): TOML syntax error: {message[: end.start()]}"
            ) from None
        reason = message[: found.start()]
        raise ConfigError(
            f"{path}: line {found.group(1)}, column {found.group(2)}: TOML syntax error: {reason}"
        ) from None


def _key_path(header: str) -> list[str]:
    parts = []
    for piece in re.findall(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)', header):
        quoted, literal, bare = piece
        parts.append(quoted or literal or bare)
    return parts


def find_line(path: Path, table: list[str], key: str) -> int | None:
    """Best-effort line number of ``key = ...`` inside ``[table]`` (for error messages)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    current: list[str] = []
    key_line = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    for number, line in enumerate(lines, start=1):
        header = _TABLE.match(line)
        if header and not line.lstrip().startswith("[["):
            current = _key_path(header.group(1))
            continue
        if current == table and key_line.match(line):
            return number
    return None


def group_or_other_readable(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRWXG | stat.S_IRWXO))


def permission_warning(path: Path, what: str) -> str | None:
    """A warning when a file holding secrets can be read by group or others."""
    if os.name != "posix" or not group_or_other_readable(path):
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    return (
        f"{path} holds {what} but group/others can read it (mode {mode:04o}); run: chmod 600 {path}"
    )


def _string(value: str) -> str:
    # JSON string escapes are a subset of TOML basic-string escapes; TOML also wants DEL escaped.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else _string(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"cannot write a {type(value).__name__} to the config file")


def dumps(document: Mapping[str, Any]) -> str:
    """Serialise top-level scalars and ``[profiles.NAME]`` tables of scalars."""
    lines: list[str] = []
    for key, value in document.items():
        if not isinstance(value, Mapping):
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in document.items():
        if not isinstance(value, Mapping):
            continue
        for name, table in value.items():
            if not isinstance(table, Mapping):
                raise TypeError(f"[{key}] must hold tables only")
            lines.append("")
            lines.append(f"[{_key(key)}.{_key(name)}]")
            for field, item in table.items():
                if item is not None:
                    lines.append(f"{_key(field)} = {_value(item)}")
    return "\n".join(lines).lstrip("\n") + "\n"


def write_private(path: Path, text: str) -> None:
    """Atomically replace ``path`` with ``text``, readable by the owner only (0600)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)
