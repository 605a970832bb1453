"""End-to-end fixtures: the installed `koomap-tui --demo` in a real tmux terminal.

The module is skipped only when tmux itself is missing (CI installs it); everything else that
goes wrong is a failure.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.terminal import Terminal, console_script

SIZES = [(80, 24), (200, 50)]

if shutil.which("tmux") is None:
    pytest.skip("tmux is not installed (apt-get install tmux)", allow_module_level=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(params=SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def terminal(size: tuple[int, int]) -> Iterator[Terminal]:
    term = Terminal(*size)
    try:
        yield term
    finally:
        term.close()  # kills this test's tmux server (and the program) whatever happened


def console_argv(tmp: Path, *extra: str) -> list[str]:
    return [str(console_script()), "--demo", "--audit-file", str(tmp / "audit.jsonl"), *extra]


def console_env(tmp: Path) -> dict[str, str]:
    """Config, state and temporary directories of the run's own, so the operator's files are
    not touched and a killed program's scratch files stay in the test's directory."""
    scratch = tmp / "tmp"
    scratch.mkdir(exist_ok=True)
    return {
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "XDG_STATE_HOME": str(tmp / "state"),
        "TMPDIR": str(scratch),
    }


@pytest.fixture
def launch(terminal: Terminal, tmp_path: Path) -> Callable[..., Terminal]:
    """Start `koomap-tui --demo` with its audit log, config and state kept in `tmp_path`."""

    def start(*extra: str) -> Terminal:
        terminal.start(console_argv(tmp_path, *extra), console_env(tmp_path))
        return terminal

    return start
