"""Keys typed in one burst, as SSH delivers a fast typist's keys (issue 11, §1.1-1.3, §3).

Every key must be handled in order by whatever has focus once the previous key is handled:
nothing typed after `:` or `/` or into a dialog reaches the view underneath, and nothing is
lost. Each burst is ONE `tmux send-keys` call (`Terminal.burst`), at 80x24.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import console_argv, console_env
from tests.e2e.terminal import Terminal
from tests.e2e.test_console import open_workspace, row_of, state_words

WORKSPACE = "survey_east_2024"
IDLE = "east_block_draft"  # INIT: `s` would start it
RUNNING = "east_block_fine"


def audit_operations(tmp: Path) -> list[str]:
    path = tmp / "audit.jsonl"
    if not path.exists():
        return []
    records = [json.loads(line) for line in path.read_text().splitlines() if line]
    # Each action writes an "intent" record before it is sent: count what was done.
    return [r["operation"] for r in records if r.get("outcome") != "intent"]


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Terminal]:
    """`koomap-tui --demo` at 80x24 with the tasks of survey_east_2024 on screen."""
    term = Terminal(80, 24)
    try:
        term.start(console_argv(tmp_path), console_env(tmp_path))
        open_workspace(term, WORKSPACE)
        yield term
    finally:
        term.close()


def table_rows(screen: str) -> list[str]:
    """The task names of the table's rows, top to bottom."""
    lines = screen.splitlines()
    header = next(i for i, line in enumerate(lines) if " Name " in line and "State" in line)
    names = []
    for line in lines[header + 1 :]:
        words = line.replace("│", " ").split()
        if not words or not words[0].startswith("east_block"):
            break
        names.append(words[0])
    return names


def cursor_to(term: Terminal, name: str) -> list[str]:
    """Put the table's cursor on `name` (Home, then Down, sent one by one); return the rows."""
    rows = table_rows(term.capture())
    assert name in rows, rows
    term.keys("Home")
    for _ in range(rows.index(name)):
        term.keys("Down")
    return rows


def test_typing_a_filter_fires_no_action(console: Terminal, tmp_path: Path) -> None:
    cursor_to(console, IDLE)
    console.burst("/sta\r")
    # Applied, and closed by the Enter: "sta" is on the summary line only, the box is gone.
    screen = console.wait_for(
        lambda s: "/sta]" in s and sum("sta" in line for line in s.splitlines()) == 1
    )
    assert "//sta" not in screen  # no stray `/` in the filter text
    assert "Modeling params" not in screen  # Enter closed the filter, it opened no detail
    console.burst("/\x7f\x7f\x7f\r")  # the filter reopens with "sta"; three backspaces clear it
    # Each backspace re-filters at once ("/st]", "/s]"), and the box shows its placeholder
    # once empty: only with both gone has the Enter closed it.
    screen = console.wait_for(
        lambda s: (
            IDLE in s
            and "filter by name" not in s
            and not any(f"/{text}]" in s for text in ("sta", "st", "s"))
        )
    )
    assert "INIT" in row_of(screen, IDLE), row_of(screen, IDLE)
    assert audit_operations(tmp_path) == []  # neither `s` nor `a` started anything
    assert "cannot" not in console.capture()  # nor was refused


def test_after_the_detail_escape_returns_to_the_table_not_the_filter(console: Terminal) -> None:
    console.keys("Home")
    console.burst("/east\r\r")  # filter, keep it, open the row under the cursor
    console.wait_for("Modeling params", timeout=10)
    console.keys("Escape")
    console.wait_for(lambda s: "/east]" in s and "Modeling params" not in s)
    console.burst("jj\r")  # for the table: open the third row (in the filter they'd be text)
    screen = console.wait_for("Modeling params", timeout=10)
    assert "eastjj" not in screen


def test_moving_then_enter_then_help_shows_the_detail_s_keys(console: Terminal) -> None:
    """`?` typed right after the Enter that opens the detail opens the detail's help."""
    rows = table_rows(console.capture())
    console.keys("Home")
    console.burst("jjjj\r?")
    # the help is open, over the detail of the fifth row (the header's breadcrumb names it)
    screen = console.wait_for(
        lambda s: "Esc, q or ? closes" in s and f"› {rows[4]}" in s.splitlines()[0], timeout=10
    )
    assert "Key" in screen


def test_a_command_typed_in_one_burst_runs(console: Terminal) -> None:
    console.burst(":images\r")
    console.wait_for(lambda s: "Image sets" in s and "Products" in s, timeout=10)
    console.burst(":usage\r")
    console.wait_for(lambda s: "usage items" in s and "Usage per item" in s, timeout=10)


def test_a_tab_typed_with_the_command_is_the_tab_shown(console: Terminal) -> None:
    """`2` or `3` right after `:images⏎` reaches the data view as it opens (before its first
    answer): that tab is shown, its title marked on the strip, and stays."""
    console.burst(":images\r2")
    console.wait_for(lambda s: "▸2 Products" in s and "products and refined" in s, timeout=10)
    console.burst(":tasks\r:images\r3")
    screen = console.wait_for(lambda s: "▸3 Satellite images" in s, timeout=10)
    assert "▸1" not in screen and "▸2" not in screen
    console.wait_for(lambda s: "satellite images ·" in s, timeout=10)
    assert "▸3 Satellite images" in console.capture()


def test_escape_then_a_command_in_one_burst_closes_what_is_open_then_runs(
    console: Terminal,
) -> None:
    """`Esc :view⏎` in one write: the Esc closes the help, or the filter box, and then the
    command runs. Textual's parser dropped an Esc that `:` follows in the same read: the command
    went to the help, or became filter text and Enter kept it."""
    console.burst("?")
    console.wait_for("Esc, q or ? closes", timeout=10)
    console.burst("\x1b:usage\r")
    console.wait_for(lambda s: "usage items" in s and "Usage per item" in s, timeout=10)
    console.burst(":tasks\r/east\x1b:images\r")
    console.wait_for(lambda s: "Image sets" in s and "Products" in s, timeout=10)


def test_ten_commands_in_a_row_are_never_lost(console: Terminal) -> None:
    views = [(":images\r", "Image sets"), (":tasks\r", "[filter:")] * 5
    for text, words in views:
        console.burst(text)
        console.wait_for(lambda s, w=words: w in s and "Tab completes" not in s, timeout=10)


def test_moving_then_enter_opens_the_row_moved_to(console: Terminal) -> None:
    rows = table_rows(console.capture())
    assert len(rows) >= 5, rows
    console.keys("Home")
    console.burst("jjjj\r")
    screen = console.wait_for("Modeling params", timeout=10)
    assert rows[4] in screen and rows[0] not in screen, (rows, screen)


def test_the_confirm_dialog_gets_the_key_typed_after_the_action(
    console: Terminal, tmp_path: Path
) -> None:
    cursor_to(console, RUNNING)
    console.burst("xy")
    screen = console.wait_for(
        lambda s: bool({"STOPPING", "STOP_SUCCESS"} & state_words(row_of(s, RUNNING))), timeout=10
    )
    assert "Yes (y)" not in screen
    console.wait_for(lambda _: bool(audit_operations(tmp_path)), timeout=10)
    assert audit_operations(tmp_path) == ["StopReal3DTask"]


def test_an_action_after_a_move_judges_the_row_moved_to(console: Terminal, tmp_path: Path) -> None:
    rows = table_rows(console.capture())
    below = rows.index(IDLE) + 1
    assert below < len(rows), rows
    cursor_to(console, rows[below])
    console.burst("ks")
    console.wait_for(lambda s: "INIT" not in row_of(s, IDLE), timeout=10)
    console.wait_for(lambda _: bool(audit_operations(tmp_path)), timeout=10)  # the call returned
    assert audit_operations(tmp_path) == ["StartReal3DTask"]
    assert "cannot start" not in console.capture()


def test_help_scrolls_to_its_last_row_at_80x24(console: Terminal) -> None:
    """The help says how to close it, and `G` takes it to its last row (the table's Open)."""
    console.burst("?")
    screen = console.wait_for("Esc, q or ? closes")
    assert "times are UTC" in screen  # the one clock of every absolute time, said at 80x24
    assert "Open" not in screen  # at 80x24 the last rows are below the fold
    console.burst("G")
    screen = console.wait_for(lambda s: "Mark / unmark row" in s and "Open" in s)
    assert "Esc, q or ? closes" in screen
    console.burst("g?")  # back to the top, then close
    console.wait_gone("Esc, q or ? closes")
