"""The satellite rows' buckets add up to the rows, whatever states they hold (issue 12 §1.3)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from koomap_tui.domain.satellite_buckets import row_buckets

STATES = ["INIT", "START_RUNNING", "RUNNING", "SUCCESS", "FAILED", "STOPPING", "STOP_SUCCESS",
          "STOP_FAILED", "ARCHIVED", "SOMETHING_NEW"]  # fmt: skip


def test_init_and_stop_failed_are_counted_apart() -> None:
    text = row_buckets({"SUCCESS": 3, "RUNNING": 2, "INIT": 1, "STOP_FAILED": 1})
    assert text == "rows 7: finished 3 · unfinished 2 · not run (INIT) 1 · stop failed 1"


@given(st.dictionaries(st.sampled_from(STATES), st.integers(min_value=0, max_value=500)))
def test_the_buckets_add_up_to_the_rows(counts: dict[str, int]) -> None:
    text = row_buckets(counts)
    total, rest = text.split(": ", 1)
    assert int(total.removeprefix("rows ")) == sum(counts.values())
    assert sum(int(n) for n in re.findall(r" (\d+)(?: ·|$)", rest)) == sum(counts.values())
