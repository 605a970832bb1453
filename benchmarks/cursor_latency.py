"""(c) Cursor-move latency: Down presses at 50,000 rows, p50/p95/max in ms.

The cursor starts on the first row, as an operator holding Down would: the first presses move
within the page (two lines repaint), the rest scroll the table by one line (every line repaints).
Both kinds are also reported separately.

VirtualTable refreezes the garbage collector after a big `set_rows` (see GC_FREEZE_MIN_ROWS);
`--no-table-freeze` turns that off to show what it buys, `--gc-freeze` freezes from the
benchmark instead (for the stock table, which has no such step).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time

from _common import (
    SIZE,
    BenchApp,
    base_parser,
    emit,
    load,
    make_rows,
    press_and_paint,
    settle_gc_freeze,
    summary,
)

from koomap_tui.ui.widgets.virtual_table import VirtualTable


async def run(impl: str, rows: int, presses: int, freeze: bool) -> dict[str, float | None]:
    data = make_rows(rows)
    app = BenchApp(impl)
    async with app.run_test(headless=True, size=SIZE) as pilot:
        table = app.table
        table.focus()
        load(table, impl, data)
        await pilot.pause()
        table = app.table  # textual-fastdatatable loads by remounting: a new widget
        await settle_gc_freeze(table)
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
    result: dict[str, float | None] = {**summary(within + scrolling)}
    result["table_gc_freeze_ms"] = (
        None if VirtualTable.last_gc_freeze_ms is None else round(VirtualTable.last_gc_freeze_ms, 1)
    )
    if within:
        result.update(summary(within, "page_"))
    if scrolling:
        result.update(summary(scrolling, "scroll_"))
    result["scrolling_presses"] = len(scrolling)
    return result


def impl_freezes(args: argparse.Namespace) -> bool:
    threshold = VirtualTable.GC_FREEZE_MIN_ROWS
    return args.impl == "virtual" and threshold is not None and args.rows >= threshold


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after the load")
    parser.add_argument(
        "--no-table-freeze", action="store_true", help="VirtualTable does not refreeze the GC"
    )
    args = parser.parse_args()
    if args.no_table_freeze:
        VirtualTable.GC_FREEZE_MIN_ROWS = None
    started = time.perf_counter()
    result = asyncio.run(run(args.impl, args.rows, args.presses, args.gc_freeze))
    emit(
        "cursor_latency",
        args.impl,
        rows=args.rows,
        presses=args.presses,
        gc_freeze=args.gc_freeze,
        table_freeze=impl_freezes(args),
        no_table_freeze=args.no_table_freeze,
        wall_s=round(time.perf_counter() - started, 1),
        **result,
    )


if __name__ == "__main__":
    main()
