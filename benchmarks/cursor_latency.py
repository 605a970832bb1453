"""(c) Cursor-move latency: Down presses at 50,000 rows, p50/p95/max in ms.

The cursor starts on the first row, as an operator holding Down would: the first presses move
within the page (two lines repaint), the rest scroll the table by one line (every line repaints).
Both kinds are also reported separately.
"""

from __future__ import annotations

import asyncio
import gc
import time

from _common import SIZE, BenchApp, base_parser, emit, load, make_rows, press_and_paint, summary


async def run(impl: str, rows: int, presses: int, freeze: bool) -> dict[str, float]:
    data = make_rows(rows)
    app = BenchApp(impl)
    async with app.run_test(headless=True, size=SIZE) as pilot:
        table = app.table
        table.focus()
        load(table, impl, data)
        await pilot.pause()
        if freeze:
            # What a console can do after a big load: move the long-lived rows out of the
            # cyclic GC's reach, so full collections stop scanning them during key presses.
            gc.collect()
            gc.freeze()
        within, scrolling = [], []
        for _ in range(presses):
            expected = table.cursor_row + 1
            scroll_before = table.scroll_y
            sample = await press_and_paint(pilot, "down", lambda e=expected: table.cursor_row == e)
            (within if table.scroll_y == scroll_before else scrolling).append(sample)
            # Let timers and queues settle, as between real key repeats (~30/s).
            await asyncio.sleep(0.005)
        assert table.cursor_row == presses
    result = summary(within + scrolling)
    if within:
        result.update(summary(within, "page_"))
    if scrolling:
        result.update(summary(scrolling, "scroll_"))
    result["scrolling_presses"] = len(scrolling)
    return result


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after the load")
    args = parser.parse_args()
    started = time.perf_counter()
    result = asyncio.run(run(args.impl, args.rows, args.presses, args.gc_freeze))
    emit(
        "cursor_latency",
        args.impl,
        rows=args.rows,
        presses=args.presses,
        gc_freeze=args.gc_freeze,
        wall_s=round(time.perf_counter() - started, 1),
        **result,
    )


if __name__ == "__main__":
    main()
