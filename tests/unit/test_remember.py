"""Remembered view, workspace and theme: per profile and endpoint, a corrupt file ignored."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from koomap_tui.services.remember import Remembered, RememberStore, session_key


def test_what_is_written_is_read_back_by_the_next_run(tmp_path: Path) -> None:
    path = tmp_path / "state" / "remember.json"
    key = session_key("prod", "https://koomap.example")
    first = RememberStore(path, key)
    assert first.state == Remembered()
    first.update(view="sat", workspace_id="a" * 32, workspace_name="survey")
    first.update(theme="high-contrast")
    again = RememberStore(path, key)
    assert again.state == Remembered("sat", "a" * 32, "survey", "high-contrast")


def test_profiles_and_endpoints_are_kept_apart(tmp_path: Path) -> None:
    path = tmp_path / "remember.json"
    RememberStore(path, session_key("prod", "https://a.example")).update(workspace_id="1" * 32)
    RememberStore(path, session_key("prod", "https://b.example")).update(workspace_id="2" * 32)
    RememberStore(path, session_key("test", "https://a.example")).update(theme="koomap-light")
    assert (
        RememberStore(path, session_key("prod", "https://a.example")).state.workspace_id == "1" * 32
    )
    assert (
        RememberStore(path, session_key("prod", "https://b.example")).state.workspace_id == "2" * 32
    )
    other = RememberStore(path, session_key("test", "https://a.example")).state
    assert other.workspace_id is None and other.theme == "koomap-light"


@pytest.mark.parametrize(
    "content", ["{not json", "[1, 2]", '{"sessions": 5}', '{"sessions": {"k": "text"}}', ""]
)
def test_a_corrupt_file_is_ignored_with_a_log_line_and_replaced_on_write(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "remember.json"
    path.write_text(content)
    with caplog.at_level(logging.WARNING):
        store = RememberStore(path, "k")
    assert store.state == Remembered()
    if content not in ('{"sessions": {"k": "text"}}',):
        assert any("remembered state ignored" in r.getMessage() for r in caplog.records)
    store.update(view="audit")
    assert json.loads(path.read_text())["sessions"]["k"] == {"view": "audit"}


def test_a_failed_write_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = RememberStore(blocker / "remember.json", "k")  # its directory is a plain file
    with caplog.at_level(logging.WARNING):
        store.update(view="ws")
    assert store.state.view == "ws"
    assert any("not written" in r.getMessage() for r in caplog.records)


def test_wrong_types_in_an_entry_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "remember.json"
    path.write_text(json.dumps({"sessions": {"k": {"view": 3, "theme": "koomap-light"}}}))
    assert RememberStore(path, "k").state == Remembered(theme="koomap-light")
