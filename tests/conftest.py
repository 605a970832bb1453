"""Every test runs with its own home, config, state, data and cache directories and without the
operator's KooMap or Huawei Cloud variables, so that nothing outside its temporary directory
(a real ~/.config/koomap-tui, ~/.huaweicloud/credentials, an exported AK/SK) changes a result,
and no test writes an audit log, crash report or download into the operator's home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_ISOLATED_PREFIXES = ("KOOMAP_", "HUAWEICLOUD_", "HCLOUD_")


@pytest.fixture(autouse=True)
def _own_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        monkeypatch.setenv(name, str(home / sub))
    for name in list(os.environ):
        if name.startswith(_ISOLATED_PREFIXES):
            monkeypatch.delenv(name)
    return home
