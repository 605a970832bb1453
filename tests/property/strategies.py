"""Hostile API data: what a broken or malicious server (or a creative colleague naming a task)
can put into any field."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

NASTY: list[str] = [
    "\x1b[2J\x1b[H\x1b[31mPWNED\x1b[0m",  # clear screen, move cursor, colour
    "\x1b]0;evil title\x07",  # OSC: set the terminal title
    "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x9b31m8-bit CSI",
    "[bold red]markup[/]",
    "[link=file:///etc/passwd]open[/link]",
    "[/]",  # a closing tag with nothing open: MarkupError if parsed
    "[@click=app.quit]quit[/]",
    "\u202egnp.exe",  # right-to-left override
    "\u2067isolate\u2069",
    "مرحبا بالعالم",  # right-to-left text
    "שלום",
    "a\nb\rc\td\x00e\x07f\x08g",
    "\u200b\u200d\ufeff",  # zero-width characters
    "Z̷̡̢͎̤̞̈́͑a̸͍͖̓l̶̰̈g̴͓̈́o̵̩̊",  # combining marks
    "👩‍👩‍👧‍👦🏳️‍🌈",
    "%s %d {0} {name}",  # format strings
    "x" * 5000,
    "",
    " ",
]

nasty_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp"]), max_size=20),
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(max_size=20)),
)

json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    nasty_text,
)

json_value: st.SearchStrategy[Any] = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def hostile_record(fields: list[str], required: dict[str, Any] | None = None) -> Any:
    """A dict with any subset of `fields`, each holding text, the wrong type, or garbage."""
    required = required or {}
    optional = {name: st.one_of(nasty_text, json_value) for name in fields if name not in required}
    return st.fixed_dictionaries({k: st.just(v) for k, v in required.items()}, optional=optional)
