"""CSV/TXT control-point imports: any byte string is either a complete list of points or one
clear, line-numbered rejection; never a crash, never a partial import."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koomap_tui.domain.gcp_import import GcpImportError, parse_gcp_bytes

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

number = st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False).map(str)
accuracy = st.decimals(min_value="0.001", max_value="99.999", places=3, allow_nan=False).map(str)
suffix = st.from_regex(r"[A-Za-z0-9_]{0,8}", fullmatch=True)

# Kinds of rows that must each make the whole file fail (the reason is in the error).
BAD_KINDS = ("columns", "not_a_number", "accuracy", "duplicate_name", "control_in_name")


@st.composite
def gcp_file(draw: st.DrawFn) -> tuple[list[tuple[str, str | None]], list[tuple[str, ...]]]:
    """Rows as (text, bad kind or None) plus the points the good rows describe. Good rows have
    unique names and coordinates, so whether a file imports is known from the kinds alone."""
    count = draw(st.integers(min_value=1, max_value=25))
    rows: list[tuple[str, str | None]] = []
    good: list[tuple[str, ...]] = []
    for i in range(count):
        name = f"P{i}_{draw(suffix)}"
        x, y, h = f"{i}.5", draw(number), draw(number)
        acc = draw(accuracy)
        kind = draw(st.one_of(st.none(), st.none(), st.sampled_from(BAD_KINDS)))
        cells = [name, x, y, h, acc]
        if kind == "columns":
            width = draw(st.sampled_from([3, 4, 6]))
            cells = cells[:width] if width < 5 else [*cells, "9"]
        elif kind == "not_a_number":
            cells[draw(st.integers(1, 3))] = draw(
                st.sampled_from(["NaN", "1e999", "abc", "", "1,5"])
            )
        elif kind == "accuracy":
            cells[4] = draw(st.sampled_from(["0", "100", "-1", "250.5"]))
        elif kind == "duplicate_name":
            if not good:
                kind = "columns"
                cells = cells[:3]
            else:
                cells[0] = draw(st.sampled_from([g[0] for g in good])).swapcase()
        elif kind == "control_in_name":
            cells[0] = name + draw(st.sampled_from(["\x1b[2J", "\x01", "\x7f"]))
        if kind is None:
            good.append(tuple(cells))
        rows.append((",".join(cells), kind))
    return rows, good


@SETTINGS
@given(gcp_file(), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_rows_import_whole_or_not_at_all(
    generated: tuple[list[tuple[str, str | None]], list[tuple[str, ...]]],
    newline: str,
    header: bool,
) -> None:
    rows, good = generated
    lines = (["name,x,y,height,accuracy"] if header else []) + [text for text, _ in rows]
    data = newline.join(lines).encode()
    first_line = 2 if header else 1
    bad_lines = {first_line + i for i, (_, kind) in enumerate(rows) if kind is not None}
    try:
        points = parse_gcp_bytes(data)
    except GcpImportError as exc:
        assert bad_lines, f"a file of good rows was rejected: {exc}"
        text = str(exc)
        assert text.startswith("nothing imported: ")
        assert exc.errors and all(e.message for e in exc.errors)
        assert {e.line for e in exc.errors} == bad_lines  # every bad row named, no good one
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\x1b]", text), repr(text)
        return
    assert not bad_lines, (
        f"imported {len(points)} points although lines {sorted(bad_lines)} are bad"
    )
    assert [(p.name, p.x, p.y, p.height, p.accuracy) for p in points] == good
    assert [p.line for p in points] == [first_line + i for i in range(len(rows))]


@SETTINGS
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    try:
        parse_gcp_bytes(data)
    except GcpImportError as exc:
        assert str(exc).startswith("nothing imported")
