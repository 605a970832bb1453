"""(b) Applying one poll in which 1% of 10,000 rows changed, until the screen shows it.

VirtualTable gets the diff (`apply_changes(added, changed, removed)`); the stock DataTable is
cleared and every row re-added (sorted again when a sort is set), then its cursor is put back on
the same task, as a naive console does. `--sort task_status --churn 10` adds a sort and 10 new
plus 10 removed tasks to each poll, which makes the diff move rows (the harder case).
"""

from __future__ import annotations

import asyncio
import random
import statistics
from typing import Any

from _common import (
    SIZE,
    BenchApp,
    Real3DTask,
    base_parser,
    emit,
    load,
    make_poll,
    make_rows,
    task_fields,
    timed_frame,
)


async def run(
    impl: str, rows: int, share: float, polls: int, sort: str | None, churn: int
) -> dict[str, float]:
    data = make_rows(rows)
    rng = random.Random(5)
    app = BenchApp(impl)
    async with app.run_test(headless=True, size=SIZE) as pilot:
        table = app.table
        table.focus()
        load(table, impl, data)
        if sort is not None and impl == "fast":
            raise SystemExit("--sort is not run for textual-fastdatatable")
        if sort is not None:
            if impl == "virtual":
                table.sort_by(sort)
            else:
                table.sort(sort, key=str)
        await pilot.pause()
        current: dict[str, Any] = dict(data)
        next_id = rows
        samples = []
        for version in range(1, polls + 1):
            changed = make_poll(list(current.items()), share, version)
            shown = next(iter(changed))
            added = {}
            for _ in range(churn):
                task = Real3DTask.model_validate(task_fields(next_id, rng, version))
                added[task.task_id] = task
                next_id += 1
            removable = [key for key in current if key not in changed]
            removed = rng.sample(removable, min(churn, len(removable)))
            for key in removed:
                del current[key]
            current.update(changed)
            current.update(added)

            def apply(changed=changed, added=added, removed=removed) -> None:
                if impl == "fast":  # no clear, no keyed update of a whole row: remount
                    load(app.table, impl, list(current.items()))
                elif impl == "virtual":
                    table.apply_changes(added=added, changed=changed, removed=removed)
                else:
                    cursor = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
                    load(table, impl, list(current.items()))
                    if sort is not None:
                        table.sort(sort, key=str)
                    table.move_cursor(row=table.get_row_index(cursor))

            if impl == "virtual":
                table.move_cursor_to_key(shown)
            elif impl == "fast":
                app.table.move_cursor(row=list(current).index(shown))
            else:
                table.move_cursor(row=table.get_row_index(shown))
            await pilot.pause()
            samples.append(await timed_frame(pilot, apply))
        if impl == "virtual":
            assert table.row_count == len(current)
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
    parser.add_argument("--sort", default=None, help="column key to sort on, e.g. task_status")
    parser.add_argument("--churn", type=int, default=0, help="tasks added and removed per poll")
    args = parser.parse_args()
    result = asyncio.run(run(args.impl, args.rows, args.share, args.polls, args.sort, args.churn))
    emit(
        "poll_apply",
        args.impl,
        rows=args.rows,
        share=args.share,
        polls=args.polls,
        sort=args.sort,
        churn=args.churn,
        **result,
    )


if __name__ == "__main__":
    main()
