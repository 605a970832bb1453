"""Where the CPU of a view switch goes: cProfile over one switch of the console, headless.

The console runs with Textual's test driver against the simulator (demo scenario, loopback
HTTP), as the UI tests do; the profile covers the key until the new view shows its rows and
the app is idle again. Prints the top functions by cumulative and by own time.

    .venv/bin/python benchmarks/profile_switch.py [--switch enter|usage] [--top 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


async def until(pilot: Any, condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        await pilot.pause(0.01)


async def run(switch: str, top: int, repeat: int) -> None:
    from koomap_tui.sim.server import SimServer
    from koomap_tui.ui.app import KooMapApp
    from koomap_tui.ui.tablekit import all_rows
    from koomap_tui.ui.widgets.virtual_table import VirtualTable
    from tests.ui.conftest import make_context

    def rows(app: Any) -> int:
        tables = app.screen.query(VirtualTable)
        return tables.first().total_row_count if tables else 0

    with SimServer(seed=7, scenario="demo", speed=0.0) as sim, tempfile.TemporaryDirectory() as d:
        app = KooMapApp(make_context(sim, Path(d), fast_interval=3.0, slow_interval=30.0))
        async with app.run_test(size=(200, 50)) as pilot:
            await until(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
            await until(pilot, lambda: rows(app) > 0)
            profile = cProfile.Profile()
            cpu: list[float] = []
            for _ in range(repeat):
                await until(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
                await until(pilot, lambda: rows(app) > 0)
                table = app.screen.query(VirtualTable).first()
                ws = next(w for w in all_rows(table) if w.workspace_name == "城市更新_一期")
                table.move_cursor_to_key(ws.workspace_id)
                await pilot.pause(0.3)
                keys, name = ["enter"], "TasksScreen"
                if switch == "usage":
                    await pilot.press("enter")
                    await until(pilot, lambda: type(app.screen).__name__ == "TasksScreen")
                    await until(pilot, lambda: rows(app) > 0)
                    await pilot.pause(0.3)
                    keys, name = [":", *"usage", "enter"], "UsageScreen"
                started = time.process_time()
                profile.enable()
                await pilot.press(*keys)
                await until(pilot, lambda n=name: type(app.screen).__name__ == n)
                await until(pilot, lambda: rows(app) > 0)
                await pilot.pause(0.2)
                profile.disable()
                cpu.append((time.process_time() - started) * 1000)
                while type(app.screen).__name__ != "WorkspacesScreen":
                    await pilot.press("escape")
                    await pilot.pause(0.2)
            print(f"CPU per switch ({switch}, incl. 200 ms settle), ms: {[round(c) for c in cpu]}")
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats(order).print_stats(top)
                print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--switch", choices=["enter", "usage"], default="enter")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.switch, args.top, args.repeat))


if __name__ == "__main__":
    main()
