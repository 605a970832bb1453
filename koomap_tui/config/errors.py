"""Configuration errors: one readable line each, never a traceback and never a secret."""

from __future__ import annotations


class ConfigError(Exception):
    """The configuration cannot be used as it is; the message says where and why.

    The message names the file (and line, for TOML syntax errors) or the environment variable,
    and the field. Values of secret fields are never quoted.
    """


class CredentialsError(ConfigError):
    """No usable credentials were found, or the ones found cannot be used."""
