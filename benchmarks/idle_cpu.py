"""(d) Idle CPU: the table is shown with its rows and nothing changes; CPU share of one core
used by the whole process (psutil) over the measured window."""

from __future__ import annotations

import asyncio

import psutil
from _common import SIZE, BenchApp, base_parser, emit, load, make_rows


async def run(impl: str, rows: int, seconds: float) -> dict[str, float]:
    data = make_rows(rows)
    app = BenchApp(impl)
    process = psutil.Process()
    async with app.run_test(headless=True, size=SIZE) as pilot:
        table = app.table
        table.focus()
        load(table, impl, data)
        await pilot.pause()
        await asyncio.sleep(1.0)  # let deferred work and the first frames finish
        before = process.cpu_times()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.sleep(seconds)
        elapsed = loop.time() - started
        after = process.cpu_times()
    used = (after.user - before.user) + (after.system - before.system)
    return {"cpu_percent": round(100 * used / elapsed, 3), "seconds": round(elapsed, 1)}


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true", help="measure 5 s instead of 30 s")
    args = parser.parse_args()
    seconds = 5.0 if args.quick else args.seconds
    emit("idle_cpu", args.impl, rows=args.rows, **asyncio.run(run(args.impl, args.rows, seconds)))


if __name__ == "__main__":
    main()
