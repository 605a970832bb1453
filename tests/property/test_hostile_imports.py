"""CSV/TXT control-point imports: any byte string is either a complete list of points or one
clear, line-numbered rejection; never a crash, never a partial import."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koomap_tui.domain.gcp_import import GcpImportError, parse_gcp_bytes
from tests.property.strategies import NASTY

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

number = st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False).map(str)
good_row = st.tuples(st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True), number, number,
                     number).map(lambda r: ",".join(r))  # fmt: skip
bad_cell = st.one_of(st.sampled_from(NASTY), st.text(max_size=12), st.just("NaN"), st.just("1e999"))
bad_row = st.lists(st.one_of(bad_cell, number), min_size=0, max_size=7).map(",".join)


@SETTINGS
@given(
    st.lists(st.one_of(good_row, bad_row), min_size=0, max_size=30), st.sampled_from(["\n", "\r\n"])
)
def test_rows_import_whole_or_not_at_all(rows: list[str], newline: str) -> None:
    data = newline.join(rows).encode()
    try:
        points = parse_gcp_bytes(data)
    except GcpImportError as exc:
        text = str(exc)
        assert text.startswith("nothing imported: ")
        assert exc.errors and all(e.message for e in exc.errors)
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\x1b]", text), repr(text)
        return
    lines = [r for r in rows if r.strip()]
    assert len(points) <= len(lines)
    for p in points:
        assert p.name and p.x and p.y and p.height


@SETTINGS
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    try:
        parse_gcp_bytes(data)
    except GcpImportError as exc:
        assert str(exc).startswith("nothing imported")
