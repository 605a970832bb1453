"""(e) Peak resident memory of a fresh process that shows a table of N rows.

Run once per measurement (run_all.py starts a new interpreter each time), so the figure is
the whole console-like process: Python, Textual, the row objects and the table. The RSS of
the same process before the rows were built is reported as `baseline_mb`.

Row objects: `Real3DTask` models (default; a task table holds at most 500 of them in the
console, so 50,000 is a stress figure), `--images` (what the console really holds in a
50,000-row list: satellite images as `ImageRow(position, CompactImage)`, plus the image source's
and the poller's dicts of the same models), or `--slim` (9-field slots rows, for comparison).
"""

from __future__ import annotations

import asyncio
import resource
from typing import Any

import psutil
from _common import (
    IMAGE_COLUMNS,
    SIZE,
    BenchApp,
    base_parser,
    emit,
    load,
    make_image_rows,
    make_rows,
    settle_gc_freeze,
)


def mb(value: float) -> float:
    return round(value / (1024 * 1024), 1)


async def run(impl: str, rows: int, objects: str) -> dict[str, float]:
    process = psutil.Process()
    if objects == "images":
        # Imported before the baseline: the console has its screens loaded either way.
        import koomap_tui.ui.screens.images  # noqa: F401
    baseline = process.memory_info().rss
    columns = None
    held: list[Any] = []
    if objects == "images":
        data, held = make_image_rows(rows)
        columns = IMAGE_COLUMNS
    else:
        data = make_rows(rows, slim_rows=objects == "slim")
    rows_only = process.memory_info().rss
    app = BenchApp(impl, columns)
    async with app.run_test(headless=True, size=SIZE) as pilot:
        table = app.table
        table.focus()
        load(table, impl, data)
        await pilot.pause()
        await settle_gc_freeze(table)
        # Page through the table so the caches of a real session are populated.
        for key in ("pagedown", "pagedown", "end", "home"):
            await pilot.press(key)
        shown = process.memory_info().rss
    del held
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
    parser.add_argument(
        "--images",
        action="store_true",
        help="rows as the satellite screen holds them (ImageRow + CompactImage), virtual only",
    )
    args = parser.parse_args()
    objects = "images" if args.images else "slim" if args.slim else "model"
    if objects == "images" and args.impl != "virtual":
        parser.error("--images is measured with the virtual table only")
    result = asyncio.run(run(args.impl, args.rows, objects))
    emit("peak_rss", args.impl, rows=args.rows, objects=objects, **result)


if __name__ == "__main__":
    main()
