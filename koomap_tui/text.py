"""Server text made inert: what a name or message from the wire may contain, shown, not obeyed.

A task named ``"x\\n State ✓ Succeeded (spoofed)"`` must not add a fake line to a detail view,
and ``"\\x1b[2J"`` must not clear the operator's terminal or colour a log file. Every control
character (C0 including tab and newline, DEL, C1), the bidirectional overrides and the invisible
separators is replaced by a visible escape (``\\n``, ``\\t``, ``\\x1b``, ``\\u202e``). Plain
text, CJK included, is untouched.

Shared by the screens (`koomap_tui.ui.format.inert`) and the log filter (`koomap_tui.logsafe`),
so both escape the same way; no Textual or Rich here.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}

# C0, DEL, C1, bidi embeddings/overrides/isolates, LRM/RLM/ALM, line/paragraph separators.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_CONTROL_KEEP_NEWLINE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def inert(value: object) -> str:
    """`value` as one line of text with every control character visibly escaped."""
    if value is None:
        return ""
    return _CONTROL.sub(_escape, str(value))


def inert_multiline(value: object) -> str:
    """As `inert`, but newlines stay (for text we build ourselves, like a traceback)."""
    if value is None:
        return ""
    return _CONTROL_KEEP_NEWLINE.sub(_escape, str(value))


def has_controls(value: object) -> bool:
    return value is not None and _CONTROL.search(str(value)) is not None
