"""Where AK/SK credentials come from, in order, and the secrets asked for at run time.

Chain (first match wins; AUTH.md "Where operators already keep credentials"):

1. the profile's own ``ak`` / ``sk`` (and ``security_token``) in the koomap-tui config file;
2. ``HUAWEICLOUD_SDK_AK`` / ``HUAWEICLOUD_SDK_SK`` (+ ``_PROJECT_ID``, ``_SECURITY_TOKEN``...);
3. the SDK profile file ``~/.huaweicloud/credentials`` (``HUAWEICLOUD_SDK_CREDENTIALS_FILE``),
   section ``[basic]``, else ``[global]``;
4. KooCLI's ``~/.hcloud/config.json``, its ``current`` profile.

These files are only ever read. A half-configured source (an AK without its SK) is an error
rather than a silent fall-through, so the operator never runs with keys from a place they did
not mean.
"""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from koomap_tui.config.errors import CredentialsError
from koomap_tui.config.settings import Settings
from koomap_tui.config.tomlfile import permission_warning

__all__ = [
    "Credentials",
    "koocli_path",
    "password_from_env",
    "resolve_credentials",
    "resolve_password",
    "resolve_token",
    "sdk_credentials_path",
    "token_from_env",
]

ENV_AK = "HUAWEICLOUD_SDK_AK"
ENV_SK = "HUAWEICLOUD_SDK_SK"
ENV_PROJECT_ID = "HUAWEICLOUD_SDK_PROJECT_ID"
ENV_DOMAIN_ID = "HUAWEICLOUD_SDK_DOMAIN_ID"
ENV_SECURITY_TOKEN = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
ENV_IAM_ENDPOINT = "HUAWEICLOUD_SDK_IAM_ENDPOINT"
ENV_CREDENTIALS_FILE = "HUAWEICLOUD_SDK_CREDENTIALS_FILE"
ENV_PASSWORD = "KOOMAP_PASSWORD"
ENV_TOKEN = "KOOMAP_TOKEN"
INI_SECTIONS = ("basic", "global")


def _mask(identifier: str) -> str:
    return "***" if len(identifier) <= 8 else f"{identifier[:4]}…{identifier[-3:]}"


class Credentials(BaseModel):
    """An AK/SK pair and what goes with it; ``source`` says where it was found."""

    model_config = ConfigDict(frozen=True)

    ak: str
    sk: SecretStr
    security_token: SecretStr | None = None
    project_id: str | None = None
    domain_id: str | None = None
    iam_endpoint: str | None = None
    source: str
    warnings: tuple[str, ...] = ()

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield (name, _mask(value)) if name == "ak" else (name, value)


def _blank(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _secret(value: str | None) -> SecretStr | None:
    value = _blank(value)
    return None if value is None else SecretStr(value)


def _pair(ak: str | None, sk: str | None, where: str, ak_name: str, sk_name: str) -> bool:
    ak, sk = _blank(ak), _blank(sk)
    if ak and sk:
        return True
    if ak or sk:
        present, missing = (ak_name, sk_name) if ak else (sk_name, ak_name)
        raise CredentialsError(f"{where}: {present} is set but {missing} is not")
    return False


def sdk_credentials_path(env: Mapping[str, str], home: Path) -> tuple[Path, bool]:
    """The SDK credentials file and whether it was named explicitly."""
    override = _blank(env.get(ENV_CREDENTIALS_FILE))
    if override:
        return Path(override).expanduser(), True
    return home / ".huaweicloud" / "credentials", False


def koocli_path(home: Path) -> Path:
    return home / ".hcloud" / "config.json"


def _from_profile(settings: Settings) -> Credentials | None:
    where = f"profile '{settings.name}'" + (f" in {settings.path}" if settings.path else "")
    profile = settings.profile
    sk = profile.sk.get_secret_value() if profile.sk else None
    if not _pair(profile.ak, sk, where, "ak", "sk"):
        return None
    assert profile.ak is not None and sk is not None
    return Credentials(
        ak=profile.ak.strip(),
        sk=SecretStr(sk.strip()),
        security_token=profile.security_token,
        source=where,
    )


def _from_env(env: Mapping[str, str]) -> Credentials | None:
    if not _pair(env.get(ENV_AK), env.get(ENV_SK), "environment", ENV_AK, ENV_SK):
        return None
    return Credentials(
        ak=str(_blank(env.get(ENV_AK))),
        sk=SecretStr(str(_blank(env.get(ENV_SK)))),
        security_token=_secret(env.get(ENV_SECURITY_TOKEN)),
        project_id=_blank(env.get(ENV_PROJECT_ID)),
        domain_id=_blank(env.get(ENV_DOMAIN_ID)),
        iam_endpoint=_blank(env.get(ENV_IAM_ENDPOINT)),
        source=f"env {ENV_AK}",
    )


def _from_sdk_file(env: Mapping[str, str], home: Path) -> Credentials | None:
    path, explicit = sdk_credentials_path(env, home)
    if not path.is_file():
        if explicit:
            raise CredentialsError(
                f"{path}: credentials file named by {ENV_CREDENTIALS_FILE} does not exist"
            )
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"{path}: cannot read the credentials file ({exc})") from None
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        at = f" line {line}:" if line else ""
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CredentialsError(f"{path}:{at} not a valid INI file ({first})") from None
    for section in INI_SECTIONS:
        if not parser.has_section(section):
            continue
        values = parser[section]
        where = f"{path} [{section}]"
        if not _pair(values.get("ak"), values.get("sk"), where, "ak", "sk"):
            continue
        warning = permission_warning(path, "secret keys")
        return Credentials(
            ak=str(_blank(values.get("ak"))),
            sk=SecretStr(str(_blank(values.get("sk")))),
            security_token=_secret(values.get("security_token")),
            project_id=_blank(values.get("project_id")),
            domain_id=_blank(values.get("domain_id")),
            iam_endpoint=_blank(values.get("iam_endpoint")),
            source=f"file {where}",
            warnings=(warning,) if warning else (),
        )
    return None


def _from_koocli(home: Path) -> Credentials | None:
    path = koocli_path(home)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CredentialsError(f"{path}: cannot read the KooCLI config ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise CredentialsError(f"{path}: the KooCLI config is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise CredentialsError(
            f"{path}: line {exc.lineno}: the KooCLI config is not valid JSON ({exc.msg})"
        ) from None
    if not isinstance(data, dict):
        raise CredentialsError(f"{path}: the KooCLI config is not a JSON object")
    current = data.get("current")
    profiles = data.get("profiles") or []
    chosen = next((p for p in profiles if isinstance(p, dict) and p.get("name") == current), None)
    if chosen is None:
        raise CredentialsError(f"{path}: KooCLI's current profile {current!r} is not defined")
    where = f"KooCLI {path} profile '{current}'"
    if str(data.get("authEncrypt", "false")).lower() == "true":
        raise CredentialsError(
            f"{where}: keys are encrypted by KooCLI and cannot be used; set "
            f"{ENV_AK} and {ENV_SK}, put ak/sk in a koomap-tui profile, or use "
            "the token or password auth mode"
        )
    mode = str(chosen.get("mode", "AKSK"))
    if mode.upper() != "AKSK":
        raise CredentialsError(
            f"{where}: mode {mode!r} is not supported (only AKSK); set {ENV_AK} and {ENV_SK} "
            "or put ak/sk in a koomap-tui profile"
        )
    ak, sk = chosen.get("accessKeyId"), chosen.get("secretAccessKey")
    ak = ak if isinstance(ak, str) else None
    sk = sk if isinstance(sk, str) else None
    if not _pair(ak, sk, where, "accessKeyId", "secretAccessKey"):
        raise CredentialsError(f"{where}: accessKeyId and secretAccessKey are empty")
    token = chosen.get("securityToken")
    warning = permission_warning(path, "secret keys")
    return Credentials(
        ak=str(_blank(ak)),
        sk=SecretStr(str(_blank(sk))),
        security_token=_secret(token if isinstance(token, str) else None),
        project_id=_blank(str(chosen.get("projectId") or "")),
        domain_id=_blank(str(chosen.get("domainId") or "")),
        source=where,
        warnings=(warning,) if warning else (),
    )


def resolve_credentials(
    settings: Settings | None = None,
    *,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Credentials:
    """First AK/SK found along the chain; the profile's ``project_id`` wins over the source's.

    Raises :class:`CredentialsError` naming every place looked at when nothing is found.
    """
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    steps: list[Callable[[], Credentials | None]] = []
    if settings is not None:
        steps.append(lambda: _from_profile(settings))
    steps += [lambda: _from_env(env), lambda: _from_sdk_file(env, home), lambda: _from_koocli(home)]
    for step in steps:
        found = step()
        if found is None:
            continue
        if settings is not None and settings.profile.project_id:
            found = found.model_copy(update={"project_id": settings.profile.project_id})
        return found
    sdk_file, _ = sdk_credentials_path(env, home)
    places = [f"environment {ENV_AK}/{ENV_SK}", str(sdk_file), str(koocli_path(home))]
    if settings is not None:
        places.insert(0, f"profile '{settings.name}' (ak/sk)")
    raise CredentialsError(
        "no AK/SK credentials found; looked in: "
        + ", ".join(places)
        + " (or run with --demo to try the built-in simulator)"
    )


def password_from_env(env: Mapping[str, str] | None = None) -> str | None:
    """``KOOMAP_PASSWORD`` if set (password auth mode), else None.

    Plain text like a prompt's answer, so callers can write ``from_env() or ask()``; wrap it in
    ``SecretStr`` straight away.
    """
    value = (os.environ if env is None else env).get(ENV_PASSWORD)
    return value or None


def token_from_env(env: Mapping[str, str] | None = None) -> SecretStr | None:
    """``KOOMAP_TOKEN`` if set (token auth mode), else None."""
    value = _blank((os.environ if env is None else env).get(ENV_TOKEN))
    return SecretStr(value) if value else None


def resolve_password(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    prompt: Callable[[str], str] | None = None,
) -> SecretStr:
    """The IAM password: ``KOOMAP_PASSWORD``, else asked through ``prompt``. Never stored."""
    found = password_from_env(env)
    if found is not None:
        return SecretStr(found)
    if prompt is None:
        raise CredentialsError(
            f"profile '{settings.name}' uses password auth: set {ENV_PASSWORD} "
            "or run in a terminal to be asked"
        )
    who = settings.profile
    answer = prompt(f"IAM password for {who.user} (account {who.domain}): ")
    if not answer:
        raise CredentialsError("no password given")
    return SecretStr(answer)


def resolve_token(settings: Settings, *, env: Mapping[str, str] | None = None) -> SecretStr:
    """A pre-issued IAM token from ``KOOMAP_TOKEN`` (token auth mode). Never stored."""
    found = token_from_env(env)
    if found is None:
        raise CredentialsError(
            f"profile '{settings.name}' uses token auth: set {ENV_TOKEN} to an IAM token"
        )
    return found
