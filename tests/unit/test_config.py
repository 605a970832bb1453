"""Config profiles, env/CLI precedence, error messages, 0600 writes and the credential chain."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth, IamTokenAuth, StaticTokenAuth
from koomap_tui.config import (
    DEFAULT_ENDPOINT,
    ConfigError,
    Credentials,
    CredentialsError,
    build_auth,
    config_path,
    list_profiles,
    load_settings,
    password_from_env,
    resolve_credentials,
    resolve_password,
    resolve_token,
    token_from_env,
    write_profile,
)

FULL_EXAMPLE = """\
default_profile = "prod"

[profiles.prod]
endpoint = "https://koomap.cn-north-4.myhuaweicloud.com/"
iam_endpoint = "https://iam.cn-north-4.myhuaweicloud.com"
region = "cn-north-4"
auth = "password"
project_id = "0123456789abcdef0123456789abcdef"
user = "ops-user"
domain = "my-account"
environment = "PROD"
environment_colour = "red"
read_only = true
poll_fast = 2
poll_slow = 30.0
theme = "koomap-dark"
qps = 8
verify_tls = true
connect_timeout = 5
read_timeout = 20
workspace = "abcdefabcdefabcdefabcdefabcdef12"

[profiles.sim]
endpoint = "http://127.0.0.1:8080"
auth = "token"
environment = "SIM"
environment_colour = "green"
"""


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def config_error(**kwargs: Any) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(**kwargs)
    message = str(info.value)
    assert "Traceback" not in message and "\n" not in message
    assert info.value.__cause__ is None
    return message


# --- defaults and paths ------------------------------------------------------------------------


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(path=None, env={"KOOMAP_CONFIG": ""} | {"HOME": str(tmp_path)})
    assert (
        settings.profile.endpoint
        == DEFAULT_ENDPOINT
        == "https://koomap.cn-north-4.myhuaweicloud.com"
    )
    assert settings.profile.region == "cn-north-4"
    assert settings.profile.iam_url == "https://iam.cn-north-4.myhuaweicloud.com"
    assert (settings.profile.auth, settings.profile.qps, settings.profile.verify_tls) == (
        "aksk",
        10.0,
        True,
    )
    assert (settings.profile.read_only, settings.profile.poll_fast, settings.profile.poll_slow) == (
        False,
        2.0,
        15.0,
    )
    assert settings.name == "default"
    assert settings.profile.iam_endpoint == "https://iam.cn-north-4.myhuaweicloud.com"
    assert settings.warnings == []
    assert settings.source_of("qps") == "default"


def test_default_path_is_platform_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("KOOMAP_CONFIG", raising=False)
    assert config_path() == tmp_path / "xdg" / "koomap-tui" / "config.toml"
    monkeypatch.setenv("KOOMAP_CONFIG", str(tmp_path / "other.toml"))
    assert config_path() == tmp_path / "other.toml"


def test_koomap_config_env_names_the_file(tmp_path: Path) -> None:
    file = write(tmp_path / "x.toml", FULL_EXAMPLE)
    assert load_settings(env={"KOOMAP_CONFIG": str(file)}).name == "prod"
    message = config_error(env={"KOOMAP_CONFIG": str(tmp_path / "missing.toml")})
    assert message == f"{tmp_path / 'missing.toml'}: config file not found"
    assert "not found" in config_error(path=tmp_path / "missing.toml", env={})


def test_full_example_loads(tmp_path: Path) -> None:
    file = write(tmp_path / "config.toml", FULL_EXAMPLE)
    s = load_settings(path=file, env={})
    assert s.name == "prod" and s.path == file
    assert s.profile.endpoint == "https://koomap.cn-north-4.myhuaweicloud.com"
    assert (s.profile.auth, s.profile.user, s.profile.domain) == (
        "password",
        "ops-user",
        "my-account",
    )
    assert (s.profile.environment, s.profile.environment_colour, s.profile.read_only) == (
        "PROD",
        "red",
        True,
    )
    assert (s.profile.poll_fast, s.profile.poll_slow, s.profile.qps, s.profile.read_timeout) == (
        2.0,
        30.0,
        8.0,
        20.0,
    )
    assert s.profile.theme == "koomap-dark"
    assert s.profile.workspace == "abcdefabcdefabcdefabcdefabcdef12"
    assert s.source_of("qps") == str(file)
    assert list_profiles(file) == ["prod", "sim"]
    assert list_profiles(tmp_path / "none.toml") == []


# --- profile choice and precedence -------------------------------------------------------------


def test_profile_choice_order(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", FULL_EXAMPLE)
    assert load_settings(path=file, env={}).name == "prod"
    assert load_settings(path=file, env={"KOOMAP_PROFILE": "sim"}).name == "sim"
    assert load_settings("prod", path=file, env={"KOOMAP_PROFILE": "sim"}).name == "prod"
    message = config_error(profile="staging", path=file, env={})
    assert message == f"{file}: profile 'staging' not found (profiles: prod, sim)"


def test_profile_choice_without_default_profile(tmp_path: Path) -> None:
    one = write(tmp_path / "one.toml", '[profiles.only]\ntheme = "x"\n')
    assert load_settings(path=one, env={}).name == "only"
    named = write(tmp_path / "named.toml", "[profiles.a]\n[profiles.default]\nqps = 3\n")
    assert load_settings(path=named, env={}).profile.qps == 3
    two = write(tmp_path / "two.toml", "[profiles.a]\n[profiles.b]\n")
    assert "several profiles and no default_profile" in config_error(path=two, env={})
    dangling = write(tmp_path / "d.toml", 'default_profile = "zz"\n[profiles.a]\n')
    assert "default_profile 'zz' has no [profiles.zz] table" in config_error(path=dangling, env={})
    empty = write(tmp_path / "empty.toml", "")
    assert load_settings(path=empty, env={}).name == "default"


def test_precedence_file_then_env_then_cli(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", FULL_EXAMPLE)
    env = {"KOOMAP_QPS": "12", "KOOMAP_THEME": "light", "KOOMAP_READ_ONLY": "false"}
    s = load_settings(path=file, env=env, overrides={"theme": "high-contrast", "poll_fast": None})
    assert (
        s.profile.qps == 12.0
        and s.profile.read_only is False
        and s.profile.theme == "high-contrast"
    )
    assert s.profile.poll_fast == 2.0
    assert s.source_of("qps") == "env KOOMAP_QPS"
    assert s.source_of("theme") == "command line"
    assert s.source_of("poll_slow") == str(file)


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("KOOMAP_ENDPOINT", "http://127.0.0.1:9/", "endpoint", "http://127.0.0.1:9"),
        ("KOOMAP_IAM_ENDPOINT", "https://iam.example", "iam_url", "https://iam.example"),
        ("KOOMAP_REGION", "cn-north-9", "iam_url", "https://iam.cn-north-9.myhuaweicloud.com"),
        ("KOOMAP_READ_ONLY", "1", "read_only", True),
        ("KOOMAP_VERIFY_TLS", "false", "verify_tls", False),
        ("KOOMAP_AUTH", "token", "auth", "token"),
        ("KOOMAP_POLL_FAST", "0.5", "poll_fast", 0.5),
        ("KOOMAP_ENVIRONMENT", "STAGING", "environment", "STAGING"),
        ("KOOMAP_ENVIRONMENT_COLOUR", "yellow", "environment_colour", "yellow"),
        ("KOOMAP_PROJECT_ID", "p1", "project_id", "p1"),
        ("KOOMAP_USER", "u", "user", "u"),
        ("KOOMAP_DOMAIN", "d", "domain", "d"),
        ("KOOMAP_PROJECT_NAME", "cn-north-4_sub", "token_project_name", "cn-north-4_sub"),
        ("KOOMAP_WORKSPACE", "w" * 32, "workspace", "w" * 32),
    ],
)
def test_env_overrides(variable: str, value: str, field: str, expected: Any) -> None:
    settings = load_settings(path=None, env={variable: value, "KOOMAP_CONFIG": ""})
    assert getattr(settings.profile, field) == expected


def test_blank_env_values_are_ignored(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", FULL_EXAMPLE)
    assert load_settings(path=file, env={"KOOMAP_QPS": " ", "KOOMAP_THEME": ""}).profile.qps == 8.0


def test_tls_off_gives_a_warning(tmp_path: Path) -> None:
    settings = load_settings(path=None, env={"KOOMAP_VERIFY_TLS": "no"})
    assert settings.warnings == ["TLS certificate verification is off (env KOOMAP_VERIFY_TLS)"]


# --- broken configuration ----------------------------------------------------------------------


def test_toml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", "[profiles.a]\nqps = 3\ntheme = \n")
    assert config_error(path=file, env={}) == (
        f"{file}: line 3, column 9: TOML syntax error: Invalid value"
    )
    eof = write(tmp_path / "eof.toml", '[profiles.a]\ntheme = "dark\n')
    message = config_error(path=eof, env={})
    assert message.startswith(f"{eof}: line ") and "TOML syntax error" in message


def test_unknown_field_names_file_line_field_and_suggestion(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", '[profiles.prod]\ntheme = "x"\nqsp = 3\n')
    assert config_error(path=file, env={}) == (
        f"{file}: line 3: [profiles.prod] unknown field 'qsp' (did you mean 'qps'?)"
    )


def test_wrong_type_names_field_and_value(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", '[profiles.prod]\nread_only = "yes"\n')
    assert config_error(path=file, env={}) == (
        f"{file}: line 2: [profiles.prod] field 'read_only': Input should be a valid boolean; "
        "got 'yes'"
    )
    other = write(tmp_path / "o.toml", '[profiles.p]\nauth = "oauth"\n')
    assert "field 'auth': Input should be 'aksk', 'token' or 'password'" in config_error(
        path=other, env={}
    )


def test_qps_above_twenty_is_refused_everywhere(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", "[profiles.prod]\nqps = 25\n")
    assert config_error(path=file, env={}) == (
        f"{file}: line 2: [profiles.prod] field 'qps': must be above 0 and at most 20 "
        "(the gateway's per-tenant limit); got 25"
    )
    assert config_error(path=None, env={"KOOMAP_QPS": "21"}).startswith(
        "environment variable KOOMAP_QPS: field 'qps': must be above 0 and at most 20"
    )
    assert config_error(path=None, env={}, overrides={"qps": 20.5}).startswith(
        "command line: field 'qps': must be above 0"
    )
    assert load_settings(path=None, env={"KOOMAP_QPS": "20"}).profile.qps == 20.0


def test_bad_env_value_names_the_variable() -> None:
    message = config_error(path=None, env={"KOOMAP_POLL_SLOW": "soon"})
    assert message.startswith("environment variable KOOMAP_POLL_SLOW: field 'poll_slow': ")
    assert "'soon'" in message


def test_unknown_override_is_refused() -> None:
    message = config_error(path=None, env={}, overrides={"read_onyl": True})
    assert message == "command line: unknown setting 'read_onyl' (did you mean 'read_only'?)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[profiles.p]\npassword = "hunter2"\n',
            "line 2: [profiles.p] field 'password' is not allowed: passwords are never stored",
        ),
        ('[profiles.p]\ntoken = "MIIx"\n', "field 'token' is not allowed: tokens are never stored"),
        ('profile = "p"\n', "line 1: unknown top-level field 'profile'"),
        ("default_profile = 3\n", "field 'default_profile': must be a string; got 3"),
        ('profiles = "p"\n', "'profiles' must hold [profiles.NAME] tables"),
        ('[profiles.p]\nendpoint = "koomap.example"\n', "field 'endpoint': must be an http"),
        ("[profiles.p]\npoll_fast = 0.1\n", "field 'poll_fast': must be between 0.5 and 3600"),
        ('[profiles.p]\nregion = " "\n', "field 'region': must not be empty"),
    ],
)
def test_error_messages(tmp_path: Path, text: str, expected: str) -> None:
    file = write(tmp_path / "c.toml", text)
    message = config_error(path=file, env={})
    assert message.startswith(str(file))
    assert expected in message
    assert "hunter2" not in message and "MIIx" not in message


def test_secret_values_are_never_quoted(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", '[profiles.p]\nak = "AK"\nsk = 12345678987\n')
    message = config_error(path=file, env={})
    assert "field 'sk'" in message and "12345678987" not in message


def test_password_override_is_refused() -> None:
    assert "not allowed" in config_error(path=None, env={}, overrides={"password": "x"})


def test_unreadable_files(tmp_path: Path) -> None:
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b'[profiles.p]\ntheme = "\xff"\n')
    assert config_error(path=binary, env={}) == f"{binary}: line 2: the file is not valid UTF-8"
    assert "is a directory" in config_error(path=tmp_path, env={})


# --- permissions and writing -------------------------------------------------------------------

SECRET_PROFILE = '[profiles.p]\nak = "AKAKAKAKAKAK"\nsk = "SKSKSKSKSKSK"\n'


def test_secrets_readable_by_others_give_a_warning(tmp_path: Path) -> None:
    loose = write(tmp_path / "loose.toml", SECRET_PROFILE, 0o644)
    (warning,) = load_settings(path=loose, env={}).warnings
    assert warning == (
        f"{loose} holds secret keys but group/others can read it (mode 0644); "
        f"run: chmod 600 {loose}"
    )
    assert "SKSK" not in warning
    tight = write(tmp_path / "tight.toml", SECRET_PROFILE, 0o600)
    assert load_settings(path=tight, env={}).warnings == []
    harmless = write(tmp_path / "harmless.toml", '[profiles.p]\ntheme = "x"\n', 0o644)
    assert load_settings(path=harmless, env={}).warnings == []


def test_settings_repr_hides_secrets(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", SECRET_PROFILE)
    settings = load_settings(path=file, env={})
    assert "SKSK" not in repr(settings) and "AKAKAKAKAKAK" not in repr(settings)


def test_write_profile_creates_private_file_and_round_trips(tmp_path: Path) -> None:
    file = tmp_path / "new" / "dir" / "config.toml"
    written = write_profile(
        "prod 1",
        {
            "endpoint": "https://koomap.cn-north-4.myhuaweicloud.com",
            "environment": 'PR"OD\\ é\x7f',
            "read_only": True,
            "qps": 12.5,
            "poll_fast": 3,
            "ak": "AKAKAKAKAKAK",
            "sk": SecretStr("SKSKSKSKSKSK"),
        },
        path=file,
        make_default=True,
    )
    assert written == file
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    s = load_settings(path=file, env={})
    assert s.name == "prod 1"
    assert (s.profile.environment, s.profile.read_only, s.profile.qps, s.profile.poll_fast) == (
        'PR"OD\\ é\x7f',
        True,
        12.5,
        3.0,
    )
    assert s.profile.sk is not None and s.profile.sk.get_secret_value() == "SKSKSKSKSKSK"
    assert s.warnings == []


def test_write_profile_keeps_other_profiles_and_tightens_mode(tmp_path: Path) -> None:
    file = write(tmp_path / "config.toml", FULL_EXAMPLE, 0o644)
    write_profile("sim", {"qps": 5, "environment": None}, path=file)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert load_settings(path=file, env={}).name == "prod"  # default kept
    sim = load_settings("sim", path=file, env={})
    assert (sim.profile.qps, sim.profile.environment, sim.profile.environment_colour) == (
        5.0,
        None,
        "green",
    )
    assert load_settings("prod", path=file, env={}).profile.user == "ops-user"


def test_write_profile_refuses_passwords_and_bad_values(tmp_path: Path) -> None:
    file = write(tmp_path / "config.toml", FULL_EXAMPLE)
    before = file.read_text()
    with pytest.raises(ConfigError, match="'password' is not allowed") as info:
        write_profile("prod", {"password": "hunter2"}, path=file)
    assert "hunter2" not in str(info.value)
    with pytest.raises(ConfigError, match="field 'qps': must be above 0 and at most 20"):
        write_profile("prod", {"qps": 30}, path=file)
    with pytest.raises(ConfigError, match="unknown field 'colour'"):
        write_profile("prod", {"colour": "red"}, path=file)
    assert file.read_text() == before


def test_write_profile_default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOOMAP_CONFIG", str(tmp_path / "k.toml"))
    assert write_profile("a", {"theme": "x"}) == tmp_path / "k.toml"
    assert list_profiles() == ["a"]


# --- credential chain --------------------------------------------------------------------------

ENV_KEYS = {"HUAWEICLOUD_SDK_AK": "ENVAK0123456789", "HUAWEICLOUD_SDK_SK": "envSecret0123456789"}


def settings_with(tmp_path: Path, text: str = "", **env: str) -> Any:
    file = write(tmp_path / "config.toml", text or "[profiles.p]\n")
    return load_settings(path=file, env=env)


def ini(home: Path, text: str, mode: int = 0o600) -> Path:
    (home / ".huaweicloud").mkdir(exist_ok=True)
    return write(home / ".huaweicloud" / "credentials", text, mode)


def koocli(home: Path, document: Any, mode: int = 0o600) -> Path:
    (home / ".hcloud").mkdir(exist_ok=True)
    text = document if isinstance(document, str) else json.dumps(document)
    return write(home / ".hcloud" / "config.json", text, mode)


KOOCLI_DOC = {
    "current": "work",
    "authEncrypt": "false",
    "profiles": [
        {"name": "other", "mode": "AKSK", "accessKeyId": "OTHER", "secretAccessKey": "x"},
        {
            "name": "work",
            "mode": "AKSK",
            "accessKeyId": "CLIAK0123456789",
            "secretAccessKey": "cliSecret0123456789",
            "securityToken": "",
            "region": "cn-north-4",
            "projectId": "cliproject",
            "domainId": "clidomain",
        },
    ],
}


def test_chain_profile_keys_come_first(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path, SECRET_PROFILE + 'security_token = "tmp"\nproject_id = "pp"\n'
    )
    ini(tmp_path, "[basic]\nak = I\nsk = S\n")
    creds = resolve_credentials(settings, env=ENV_KEYS, home=tmp_path)
    assert creds.ak == "AKAKAKAKAKAK" and creds.sk.get_secret_value() == "SKSKSKSKSKSK"
    assert creds.security_token is not None and creds.security_token.get_secret_value() == "tmp"
    assert creds.project_id == "pp"
    assert creds.source == f"profile 'p' in {tmp_path / 'config.toml'}"


def test_chain_profile_with_half_a_pair_is_an_error(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, '[profiles.p]\nak = "AKAKAKAKAKAK"\n')
    with pytest.raises(CredentialsError, match=r"profile 'p' in .*: ak is set but sk is not"):
        resolve_credentials(settings, env=ENV_KEYS, home=tmp_path)


def test_chain_env(tmp_path: Path) -> None:
    env = ENV_KEYS | {
        "HUAWEICLOUD_SDK_PROJECT_ID": "envproject",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN": "envtoken",
        "HUAWEICLOUD_SDK_DOMAIN_ID": "envdomain",
        "HUAWEICLOUD_SDK_IAM_ENDPOINT": "https://iam.myhuaweicloud.com",
    }
    ini(tmp_path, "[basic]\nak = I\nsk = S\n")
    creds = resolve_credentials(settings_with(tmp_path), env=env, home=tmp_path)
    assert creds.source == "env HUAWEICLOUD_SDK_AK"
    assert (creds.ak, creds.project_id, creds.domain_id) == (
        "ENVAK0123456789",
        "envproject",
        "envdomain",
    )
    assert creds.security_token is not None
    assert creds.iam_endpoint == "https://iam.myhuaweicloud.com"


def test_chain_profile_project_id_wins_over_source(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, '[profiles.p]\nproject_id = "mine"\n')
    env = ENV_KEYS | {"HUAWEICLOUD_SDK_PROJECT_ID": "theirs"}
    assert resolve_credentials(settings, env=env, home=tmp_path).project_id == "mine"


def test_chain_env_half_pair(tmp_path: Path) -> None:
    with pytest.raises(
        CredentialsError,
        match="environment: HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK is not",
    ):
        resolve_credentials(None, env={"HUAWEICLOUD_SDK_SK": "x"}, home=tmp_path)


def test_chain_sdk_file_basic_then_global(tmp_path: Path) -> None:
    path = ini(
        tmp_path,
        "[global]\nak = GLOBALAK\nsk = globalsk\ndomain_id = d\n"
        "[basic]\nak = BASICAK123\nsk = basicsk\nproject_id = bp\nsecurity_token = st\n",
    )
    creds = resolve_credentials(settings_with(tmp_path), env={}, home=tmp_path)
    assert creds.source == f"file {path} [basic]"
    assert (creds.ak, creds.project_id) == ("BASICAK123", "bp")
    assert creds.warnings == ()
    ini(tmp_path, "[global]\nak = GLOBALAK\nsk = globalsk\ndomain_id = d\n")
    creds = resolve_credentials(None, env={}, home=tmp_path)
    assert creds.source == f"file {path} [global]" and creds.domain_id == "d"


def test_chain_sdk_file_override_and_errors(tmp_path: Path) -> None:
    other = write(tmp_path / "creds.ini", "[basic]\nak = OVERRIDEAK\nsk = s\n", 0o644)
    env = {"HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(other)}
    creds = resolve_credentials(None, env=env, home=tmp_path)
    assert creds.ak == "OVERRIDEAK"
    assert creds.warnings == (
        f"{other} holds secret keys but group/others can read it (mode 0644); "
        f"run: chmod 600 {other}",
    )
    missing = {"HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(tmp_path / "nope")}
    with pytest.raises(CredentialsError, match="named by HUAWEICLOUD_SDK_CREDENTIALS_FILE"):
        resolve_credentials(None, env=missing, home=tmp_path)
    broken = write(tmp_path / "broken.ini", "ak = nosection\n")
    with pytest.raises(CredentialsError, match=r"broken.ini: line 1: not a valid INI file"):
        resolve_credentials(
            None, env={"HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(broken)}, home=tmp_path
        )
    ini(tmp_path, "[basic]\nak = ONLYAK\n")
    with pytest.raises(CredentialsError, match=r"\[basic\]: ak is set but sk is not"):
        resolve_credentials(None, env={}, home=tmp_path)


def test_chain_koocli_current_profile(tmp_path: Path) -> None:
    path = koocli(tmp_path, KOOCLI_DOC)
    creds = resolve_credentials(settings_with(tmp_path), env={}, home=tmp_path)
    assert creds.source == f"KooCLI {path} profile 'work'"
    assert (creds.ak, creds.sk.get_secret_value()) == ("CLIAK0123456789", "cliSecret0123456789")
    assert (creds.project_id, creds.domain_id, creds.security_token) == (
        "cliproject",
        "clidomain",
        None,
    )


def test_chain_koocli_encrypted_keys(tmp_path: Path) -> None:
    koocli(tmp_path, KOOCLI_DOC | {"authEncrypt": "true"})
    with pytest.raises(CredentialsError) as info:
        resolve_credentials(None, env={}, home=tmp_path)
    message = str(info.value)
    assert "keys are encrypted by KooCLI and cannot be used; set HUAWEICLOUD_SDK_AK" in message
    assert "cliSecret" not in message


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (KOOCLI_DOC | {"current": "gone"}, "current profile 'gone' is not defined"),
        ("{\n  broken", "line 2: the KooCLI config is not valid JSON"),
        ("[]", "not a JSON object"),
        (
            {"current": "s", "profiles": [{"name": "s", "mode": "SSO"}]},
            "mode 'SSO' is not supported",
        ),
        (
            {"current": "s", "profiles": [{"name": "s", "mode": "AKSK", "accessKeyId": ""}]},
            "accessKeyId and secretAccessKey are empty",
        ),
    ],
)
def test_chain_koocli_errors(tmp_path: Path, document: Any, expected: str) -> None:
    koocli(tmp_path, document)
    with pytest.raises(CredentialsError, match=expected):
        resolve_credentials(None, env={}, home=tmp_path)


def test_chain_nothing_found_lists_every_place(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError) as info:
        resolve_credentials(settings_with(tmp_path), env={}, home=tmp_path)
    assert str(info.value) == (
        "no AK/SK credentials found; looked in: profile 'p' (ak/sk), environment "
        f"HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK, {tmp_path}/.huaweicloud/credentials, "
        f"{tmp_path}/.hcloud/config.json (or run with --demo to try the built-in simulator)"
    )


def test_chain_reads_real_environment_and_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("HUAWEICLOUD_SDK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    koocli(tmp_path, KOOCLI_DOC)
    assert resolve_credentials().ak == "CLIAK0123456789"
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", "A1234567890")
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "S")
    assert resolve_credentials().source == "env HUAWEICLOUD_SDK_AK"


def test_credentials_repr_hides_secrets() -> None:
    creds = Credentials(
        ak="ABCDEFGHIJKLMNOP",
        sk=SecretStr("hidden-sk"),
        security_token=SecretStr("t0k"),
        source="x",
    )
    text = repr(creds) + str(creds)
    assert "hidden-sk" not in text and "t0k" not in text and "ABCDEFGHIJKLMNOP" not in text
    assert "ABCD…NOP" in text


# --- runtime secrets and auth construction ----------------------------------------------------


def password_settings(tmp_path: Path, extra: str = "") -> Any:
    text = '[profiles.p]\nauth = "password"\nuser = "ops"\ndomain = "acct"\n' + extra
    return settings_with(tmp_path, text)


def test_password_from_env_or_prompt(tmp_path: Path) -> None:
    settings = password_settings(tmp_path)
    assert resolve_password(settings, env={"KOOMAP_PASSWORD": "pw"}).get_secret_value() == "pw"
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return "typed"

    assert resolve_password(settings, env={}, prompt=prompt).get_secret_value() == "typed"
    assert asked == ["IAM password for ops (account acct): "]
    with pytest.raises(CredentialsError, match="set KOOMAP_PASSWORD"):
        resolve_password(settings, env={})
    with pytest.raises(CredentialsError, match="no password given"):
        resolve_password(settings, env={}, prompt=lambda _text: "")


def test_env_secret_helpers() -> None:
    assert password_from_env({"KOOMAP_PASSWORD": "pw"}) == "pw"
    assert password_from_env({"KOOMAP_PASSWORD": ""}) is None
    token = token_from_env({"KOOMAP_TOKEN": "tok"})
    assert token is not None and token.get_secret_value() == "tok"
    assert token_from_env({}) is None


def test_token_from_env(tmp_path: Path) -> None:
    settings = settings_with(tmp_path)
    assert resolve_token(settings, env={"KOOMAP_TOKEN": " tok "}).get_secret_value() == "tok"
    with pytest.raises(CredentialsError, match="set KOOMAP_TOKEN"):
        resolve_token(settings, env={})


def test_build_auth_aksk_and_token(tmp_path: Path) -> None:
    setup = build_auth(settings_with(tmp_path), env=ENV_KEYS, home=tmp_path)
    assert isinstance(setup.auth, AkSkAuth)
    assert setup.description == "AK/SK from env HUAWEICLOUD_SDK_AK"
    assert "envSecret" not in repr(setup)
    token = build_auth(
        settings_with(tmp_path, '[profiles.p]\nauth = "token"\n'),
        env={"KOOMAP_TOKEN": "tok"},
    )
    assert isinstance(token.auth, StaticTokenAuth)


async def test_build_auth_password_fetches_a_project_scoped_token(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []

    def iam(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(201, headers={"X-Subject-Token": "T"}, json={"token": {}})

    setup = build_auth(
        password_settings(tmp_path),
        env={"KOOMAP_PASSWORD": "pw"},
        iam_transport=httpx.MockTransport(iam),
    )
    assert isinstance(setup.auth, IamTokenAuth)
    assert setup.description == "IAM password token for ops (account acct)"
    assert (await setup.auth.get_token()).get_secret_value() == "T"
    assert str(calls[0].url) == "https://iam.cn-north-4.myhuaweicloud.com/v3/auth/tokens"
    body = json.loads(calls[0].content)
    assert body["auth"]["scope"] == {"project": {"name": "cn-north-4"}}
    assert body["auth"]["identity"]["password"]["user"]["password"] == "pw"
    by_id = build_auth(
        password_settings(tmp_path, 'project_id = "pid"\n'), env={"KOOMAP_PASSWORD": "pw"}
    )
    assert isinstance(by_id.auth, IamTokenAuth) and by_id.auth.project_id == "pid"


def test_build_auth_password_needs_user_and_domain(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, '[profiles.p]\nauth = "password"\n')
    with pytest.raises(
        CredentialsError,
        match="has no 'user' and 'domain' \\(set it in the profile or with KOOMAP_USER / KOOMAP_DOMAIN",
    ):
        build_auth(settings, env={"KOOMAP_PASSWORD": "pw"})


def test_chain_koocli_temporary_keys_and_undecodable_file(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(KOOCLI_DOC))
    doc["profiles"][1]["securityToken"] = "sts-token"
    koocli(tmp_path, doc, 0o640)
    creds = resolve_credentials(None, env={}, home=tmp_path)
    assert creds.security_token is not None
    assert creds.security_token.get_secret_value() == "sts-token"
    assert len(creds.warnings) == 1 and "mode 0640" in creds.warnings[0]
    (tmp_path / ".hcloud" / "config.json").write_bytes(b'{"current": "\xff"}')
    with pytest.raises(CredentialsError, match="not valid UTF-8"):
        resolve_credentials(None, env={}, home=tmp_path)


def test_chain_sdk_file_without_keys_falls_through(tmp_path: Path) -> None:
    ini(tmp_path, "[basic]\nproject_id = p\n[other]\nak = X\nsk = Y\n")
    koocli(tmp_path, KOOCLI_DOC)
    assert resolve_credentials(None, env={}, home=tmp_path).ak == "CLIAK0123456789"


def test_write_profile_needs_a_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs a name"):
        write_profile(" ", {"qps": 1}, path=tmp_path / "c.toml")
    assert not (tmp_path / "c.toml").exists()
