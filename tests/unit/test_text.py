"""Server text is inert (issue 12 item 14): control characters are shown escaped, never obeyed."""

from __future__ import annotations

import io
import logging

from hypothesis import given
from hypothesis import strategies as st

from koomap_tui.logsafe import RedactingFilter
from koomap_tui.text import has_controls, inert, inert_multiline
from koomap_tui.ui.format import inert as ui_inert


def test_newline_and_tab_in_a_name_cannot_add_a_line() -> None:
    spoof = "x\n State ✓ Succeeded (spoofed)\tok"
    shown = inert(spoof)
    assert "\n" not in shown and "\t" not in shown
    assert shown == "x\\n State ✓ Succeeded (spoofed)\\tok"


def test_escape_sequences_bidi_and_separators_are_escaped() -> None:
    assert inert("a\x1b[31mred\x1b[0m") == "a\\x1b[31mred\\x1b[0m"
    assert inert("\x9b2J") == "\\x9b2J"  # 8-bit CSI
    assert inert("abc\u202edcba") == "abc\\u202edcba"
    assert inert("a\u2028b\rc\x00") == "a\\u2028b\\rc\\x00"
    assert inert("城市更新_一期 ok") == "城市更新_一期 ok"
    assert inert(None) == ""


def test_the_screens_use_the_same_function() -> None:
    assert ui_inert is inert


@given(st.text())
def test_inert_output_never_holds_a_control_character(text: str) -> None:
    assert not has_controls(inert(text))
    assert "\n" not in inert(text)
    assert not has_controls(inert_multiline(text).replace("\n", ""))


def test_log_file_never_receives_raw_esc_or_a_forged_line() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("koomap_tui.test_text")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        logger.info("answer with request id %s", "hostile-\x1b[31m\nFAKE fatal line")
        try:
            raise ValueError("server said \x1b[2J")
        except ValueError:
            logger.exception("call failed for %s", "name\x1b]0;title\x07")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "\x1b" not in written and "\x07" not in written
    assert "hostile-\\x1b[31m\\nFAKE fatal line" in written
    assert "server said \\x1b[2J" in written
    assert not any(line.startswith("FAKE") for line in written.splitlines())
