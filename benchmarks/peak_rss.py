"""(e) Peak resident memory of a fresh process that shows a table of N rows.

Run once per measurement (run_all.py starts a new interpreter each time), so the figure is
the whole console-like process: Python, Textual, the row objects and the table. The RSS of
the same process before the rows were built is reported as `baseline_mb`.
"""

from __future__ import annotations

import asyncio
import resource

import psutil
from _common import SIZE, BenchApp, base_parser, emit, load, make_rows


def mb(value: float) -> float:
    return round(value / (1024 * 1024), 1)


async def run(impl: str, rows: int, slim_rows: bool) -> dict[str, float]:
    process = psutil.Process()
    baseline = process.memory_info().rss
    data = make_rows(rows, slim_rows=slim_rows)
    rows_only = process.memory_info().rss
    app = BenchApp(impl)
    async with app.run_test(headless=True, size=SIZE) as pilot:
        table = app.table
        table.focus()
        load(table, impl, data)
        await pilot.pause()
        # Page through the table so the caches of a real session are populated.
        for key in ("pagedown", "pagedown", "end", "home"):
            await pilot.press(key)
        shown = process.memory_info().rss
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    peak = peak_kb * 1024
    return {
        "peak_mb": round(peak_kb / 1024, 1),
        "table_mb": mb(peak - rows_only),
        "rss_shown_mb": mb(shown),
        "baseline_mb": mb(baseline),
        "rows_objects_mb": mb(rows_only - baseline),
    }


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument(
        "--slim", action="store_true", help="rows as a 9-field slots dataclass, not Real3DTask"
    )
    args = parser.parse_args()
    result = asyncio.run(run(args.impl, args.rows, args.slim))
    emit("peak_rss", args.impl, rows=args.rows, objects="slim" if args.slim else "model", **result)


if __name__ == "__main__":
    main()
