"""(b) Applying one poll in which 1% of 10,000 rows changed, until the screen shows it.

VirtualTable gets the diff (`apply_changes(changed=...)`); the stock DataTable is cleared and
every row re-added, then its cursor is put back on the same task, as a naive console does.
"""

from __future__ import annotations

import asyncio
import statistics

from _common import SIZE, BenchApp, base_parser, emit, load, make_poll, make_rows, timed_frame


async def run(impl: str, rows: int, share: float, polls: int) -> dict[str, float]:
    data = make_rows(rows)
    app = BenchApp(impl)
    async with app.run_test(headless=True, size=SIZE) as pilot:
        table = app.table
        table.focus()
        load(table, impl, data)
        await pilot.pause()
        current = dict(data)
        samples = []
        for version in range(1, polls + 1):
            changed = make_poll(data, share, version)
            current.update(changed)
            # Put a changed row on screen so the frame has something to show.
            shown = next(iter(changed))

            def apply(changed=changed, shown=shown) -> None:
                if impl == "virtual":
                    table.apply_changes(changed=changed)
                else:
                    cursor = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
                    load(table, impl, list(current.items()))
                    table.move_cursor(row=table.get_row_index(cursor))

            if impl == "virtual":
                table.move_cursor_to_key(shown)
            else:
                table.move_cursor(row=table.get_row_index(shown))
            await pilot.pause()
            samples.append(await timed_frame(pilot, apply))
    wall = [s.wall * 1000 for s in samples]
    cpu = [s.cpu * 1000 for s in samples]
    return {
        "median_ms": round(statistics.median(wall), 2),
        "max_ms": round(max(wall), 2),
        "cpu_median_ms": round(statistics.median(cpu), 2),
    }


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--polls", type=int, default=5)
    args = parser.parse_args()
    result = asyncio.run(run(args.impl, args.rows, args.share, args.polls))
    emit(
        "poll_apply",
        args.impl,
        rows=args.rows,
        share=args.share,
        polls=args.polls,
        **result,
    )


if __name__ == "__main__":
    main()
