"""The rows of a satellite task table counted in the server's two buckets, plus the states that
are in neither, so that the counts add up to the rows (issue 12 §1.3)."""

from __future__ import annotations

#: The server's buckets (docs/simulator.md, SPEC §8.2 [inferred]); INIT and STOP_FAILED are in
#: neither, so the rows name them apart and every row is counted exactly once.
ROW_BUCKETS: tuple[tuple[str, frozenset[str]], ...] = (
    ("finished", frozenset({"SUCCESS", "STOP_SUCCESS", "FAILED", "ARCHIVED"})),
    ("unfinished", frozenset({"START_RUNNING", "RUNNING", "STOPPING"})),
    ("not run (INIT)", frozenset({"INIT"})),
    ("stop failed", frozenset({"STOP_FAILED"})),
)


def row_buckets(counts: dict[str, int]) -> str:
    """ "rows 10: finished 6 · unfinished 2 · not run (INIT) 1 · stop failed 1" (adds up)."""
    total = sum(counts.values())
    parts = []
    seen: set[str] = set()
    for label, states in ROW_BUCKETS:
        parts.append(f"{label} {sum(n for s, n in counts.items() if s in states)}")
        seen |= states
    other = sum(n for s, n in counts.items() if s not in seen)
    if other:
        parts.append(f"other {other}")
    return f"rows {total}: " + " · ".join(parts)
