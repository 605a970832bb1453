"""(a) First paint: time from handing N rows to a mounted, empty table until its first screen
of rows has been rendered."""

from __future__ import annotations

import asyncio
import time

from _common import (
    SIZE,
    BenchApp,
    base_parser,
    emit,
    load,
    make_rows,
    settle_gc_freeze,
    timed_frame,
)

from koomap_tui.ui.widgets.virtual_table import VirtualTable


async def run(impl: str, rows: int) -> dict[str, float]:
    data = make_rows(rows)
    app = BenchApp(impl)
    async with app.run_test(headless=True, size=SIZE) as pilot:
        table = app.table
        await pilot.pause()
        call: dict[str, float] = {}

        def action() -> None:
            started = time.perf_counter()
            load(table, impl, data)
            call["load_ms"] = (time.perf_counter() - started) * 1000

        VirtualTable.last_gc_freeze_ms = None
        sample = await timed_frame(pilot, action)
        await settle_gc_freeze(table)  # big loads: one collection, after the paint
        screen = app.export_screenshot()
        first_name = data[0][1].task_name or ""
        if first_name.split()[0] not in screen:
            raise RuntimeError("the first row is not on screen")
    return {
        "ms": round(sample.wall * 1000, 1),
        "cpu_ms": round(sample.cpu * 1000, 1),
        "load_call_ms": round(call["load_ms"], 1),
        # Not part of the paint: the one collection a big load pays once it is on screen.
        "gc_refreeze_ms": (
            None
            if VirtualTable.last_gc_freeze_ms is None
            else round(VirtualTable.last_gc_freeze_ms, 1)
        ),
    }


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    emit("first_paint", args.impl, rows=args.rows, **asyncio.run(run(args.impl, args.rows)))


if __name__ == "__main__":
    main()
