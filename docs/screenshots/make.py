"""Regenerate the README screenshots: `.venv/bin/python docs/screenshots/make.py`.

The console runs headless at 120x32 against the built-in simulator (speed 0, fixed epoch, so the
pictures only change when the console does), is driven by key presses the way an operator would,
and each screen is saved with `App.export_screenshot()` as SVG, then turned into PNG by
`rsvg-convert` (librsvg; needs a CJK font such as Noto CJK for the Chinese names).

Two fixes to the SVG make the PNG look like the terminal (`grid_align()`):
* Textual asks for "Fira Code", which is rarely installed; fontconfig then picks a proportional
  font, and librsvg ignores SVG `textLength`, so runs of text leave the terminal grid. The font is
  replaced by DejaVu Sans Mono (Latin) and Noto Sans Mono CJK (Chinese), with the letter spacing
  that makes one character exactly one of Textual's cells.
* a Chinese glyph is narrower than the two cells it takes in the terminal, so a run holding one
  would drift left after it: such runs are split so that every wide character and every narrow
  run starts on its own cell;
* librsvg drops the blanks at the start of a text element, which would pull indented text (and
  the text after a split) left: each element starts after its blanks instead.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.cells import cell_len
from textual.pilot import Pilot

from koomap_tui.api.auth import AkSkAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.services.actions import ActionRunner
from koomap_tui.services.audit import AuditLog
from koomap_tui.services.history import HistoryStore
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from koomap_tui.ui import format as format_module
from koomap_tui.ui.app import KooMapApp
from koomap_tui.ui.context import ConsoleContext
from koomap_tui.ui.screens import tasks as fleet_module
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.virtual_table import VirtualTable

HERE = Path(__file__).resolve().parent
SIZE = (120, 32)
SHOWN_ENDPOINT = "http://127.0.0.1:8765"  # what `koomap-sim` listens on by default

Step = Callable[[Pilot[Any]], Awaitable[None]]


# -- driving the console ----------------------------------------------------------------------
async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not get ready")
        await pilot.pause(0.05)


def text(pilot: Pilot[Any]) -> str:
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def screen_is(pilot: Pilot[Any], name: str) -> bool:
    return type(pilot.app.screen).__name__ == name


async def press_down_to(pilot: Pilot[Any], name: str) -> None:
    """Move the table cursor down (by key) until its row is the one named."""
    from koomap_tui.ui.tablekit import row_or_none

    table = pilot.app.screen.query_one(VirtualTable)
    for _ in range(table.row_count):
        row = row_or_none(table, table.cursor_key)
        if name in (getattr(row, "workspace_name", None), getattr(row, "task_name", None)):
            return
        await pilot.press("down")
    raise LookupError(name)


COUNTS = re.compile(r"\d+ / \d+ / \d+ / \d+ / \d+")  # a workspace's task counts, once read


def every_count_shown(shown: str) -> bool:
    """Every workspace the summary counts shows its task counts. (Not "no … on screen": a
    narrow terminal cuts descriptions with one.)"""
    total = re.search(r"(\d+) workspaces", shown)
    return total is not None and len(COUNTS.findall(shown)) == int(total[1])


async def workspaces(pilot: Pilot[Any]) -> None:
    await wait_for(pilot, lambda: screen_is(pilot, "WorkspacesScreen"))
    await wait_for(
        pilot, lambda: "river_corridor" in text(pilot) and every_count_shown(text(pilot))
    )


async def task_table(pilot: Pilot[Any]) -> None:
    await workspaces(pilot)
    await press_down_to(pilot, "城市更新_一期")
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_is(pilot, "TasksScreen") and "rows 9:" in text(pilot))
    # The server's own counts end the summary, which a narrow terminal cuts: ask the screen.
    screen: Any = pilot.app.screen
    await wait_for(pilot, lambda: screen.overview is not None)
    await press_down_to(pilot, "西区_停止中")


async def task_detail(pilot: Pilot[Any]) -> None:
    await task_table(pilot)
    await press_down_to(pilot, "老城区_nerf")
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_is(pilot, "TaskDetailScreen") and " of 10" in text(pilot))


async def all_workspaces(pilot: Pilot[Any]) -> None:
    """`0` on the task table: every workspace's tasks, once the slow sweep has seen them all."""
    await task_table(pilot)
    await pilot.press("0")
    await wait_for(pilot, lambda: screen_is(pilot, "FleetScreen") and "RUNNING" in text(pilot))
    screen: Any = pilot.app.screen

    def swept() -> bool:
        if screen.source.sweeper.swept:
            return True
        screen.poller.refresh_now()
        return False

    await wait_for(pilot, swept)
    screen.poller.refresh_now()
    await pilot.pause(0.5)


def timeline(sim: SimServer) -> Step:
    """A queued task followed for twelve minutes of simulator time, then its detail's timeline."""

    async def step(pilot: Pilot[Any]) -> None:
        store: Any = pilot.app.ctx.history  # type: ignore[attr-defined]
        await task_table(pilot)
        await wait_for(pilot, lambda: store.batches > 0)
        for _ in range(6):
            sim.advance(120)
            before = store.batches
            pilot.app.screen.poller.refresh_now()  # type: ignore[attr-defined]
            await wait_for(pilot, lambda b=before: store.batches > b)  # type: ignore[misc]
        table = pilot.app.screen.query_one(VirtualTable)
        queued = next(
            k for k in table.keys_in_order() if table.get_row(k).task_name == "西区_排队中"
        )
        table.move_cursor_to_key(queued)  # above the cursor: no key moves there in one press
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_is(pilot, "TaskDetailScreen"))
        # Both are below the fold of a short terminal until `t` scrolls: ask the screen.
        detail: Any = pilot.app.screen
        await wait_for(pilot, lambda: bool(detail.timeline.value))
        await wait_for(pilot, lambda: detail.links.value is not None or detail.links.error)
        await pilot.press("t")
        await wait_for(pilot, lambda: "From (UTC)" in text(pilot))
        await pilot.pause(0.3)

    return step


def view(name: str, screen: str, ready: Callable[[str], bool] = lambda _: True) -> Step:
    """A step that opens the nerf task's table row and then `:name` (subtasks, spurs, ...)."""

    async def step(pilot: Pilot[Any]) -> None:
        await task_table(pilot)
        await press_down_to(pilot, "老城区_nerf")
        await pilot.press(":", *name, "enter")
        await wait_for(pilot, lambda: screen_is(pilot, screen) and ready(text(pilot)))
        await pilot.pause(0.5)

    return step


@dataclass(frozen=True)
class FrozenFacts:
    """A healthy poller 2 s after its last poll: the freshness bar must not show the wall clock."""

    last_ok: float = 1000.0
    next_at: float = 1003.0
    errors: int = 0
    last_error: str | None = None
    interval: float = 3.0
    paused: bool = False


async def freeze(pilot: Pilot[Any]) -> None:
    for poller in pilot.app.hub.pollers.values():  # type: ignore[attr-defined]
        poller.pause()
    await pilot.pause(0.1)
    # rows that just changed flash for a second: wait for the steady picture
    tables = list(pilot.app.screen.query(VirtualTable))
    await wait_for(pilot, lambda: not any(t._flash for t in tables))
    for bar in pilot.app.screen.query(FreshnessBar):
        bar._clock = lambda: 1002.0
        bar.freshness = FrozenFacts()
        bar.tick()
    await pilot.pause(0.2)


# -- SVG to PNG ------------------------------------------------------------------------------
TEXT = re.compile(
    r'<text class="(?P<cls>[^"]*)" x="(?P<x>[\d.]+)" y="(?P<y>[\d.]+)"'
    r' textLength="(?P<len>[\d.]+)" clip-path="(?P<clip>[^"]*)">(?P<body>[^<]*)</text>'
)


BLANKS = " \xa0"


def _runs(chars: str) -> list[str]:
    """Narrow characters grouped, every wide (two-cell) character on its own."""
    runs: list[str] = []
    for ch in chars:
        if cell_len(ch) == 2 or not runs or cell_len(runs[-1][-1]) == 2:
            runs.append(ch)
        else:
            runs[-1] += ch
    return runs


MONO_FONTS = '"DejaVu Sans Mono", "Noto Sans Mono CJK SC", monospace'
MONO_ADVANCE = 1233 / 2048  # DejaVu Sans Mono's advance width, in em
FONT_SIZE = re.compile(r"font-size: (?P<px>[\d.]+)px;\s*line-height")


def cell_width(svg: str) -> float:
    """Textual's cell width; its `textLength` counts characters, so ask a run without wide ones."""
    for m in TEXT.finditer(svg):
        body = html.unescape(m["body"])
        if body and cell_len(body) == len(body):
            return float(m["len"]) / len(body)
    raise ValueError("no text in the screenshot")


def grid_align(svg: str) -> str:
    cell = cell_width(svg)
    size = FONT_SIZE.search(svg)
    if size:
        spacing = cell - MONO_ADVANCE * float(size["px"])
        svg = svg.replace(
            "font-family: Fira Code, monospace;",
            f"font-family: {MONO_FONTS}; letter-spacing: {spacing:.3f}px;",
        )

    def split(m: re.Match[str]) -> str:
        body = html.unescape(m["body"])
        x = float(m["x"])
        parts = []
        for run in _runs(body):
            width = cell_len(run) * cell
            shown = run.lstrip(BLANKS)  # librsvg drops leading blanks: start after them instead
            if shown:
                skip = (len(run) - len(shown)) * cell
                parts.append(
                    f'<text class="{m["cls"]}" x="{x + skip:.1f}" y="{m["y"]}"'
                    f' textLength="{width - skip:.1f}" clip-path="{m["clip"]}">'
                    f"{html.escape(shown, quote=False)}</text>"
                )
            x += width
        return "".join(parts)

    return TEXT.sub(split, svg)


def to_png(svg: str, target: Path) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".svg", encoding="utf-8") as tmp:
        tmp.write(grid_align(svg))
        tmp.flush()
        subprocess.run(["rsvg-convert", "--format=png", "-o", str(target), tmp.name], check=True)


# -- the shots -------------------------------------------------------------------------------
SHOTS: list[tuple[str, str, Step]] = [
    ("tasks.png", "koomap-dark", task_table),
    ("tasks-light.png", "koomap-light", task_table),
    ("task-detail.png", "koomap-dark", task_detail),
    ("workspaces.png", "koomap-dark", workspaces),
    ("all.png", "koomap-dark", all_workspaces),
]
# Every other view, for reviewing a layout change (`--all`); not in the README.
MORE_SHOTS: list[tuple[str, str, Step]] = [
    ("subtasks.png", "koomap-dark", view("sub", "SubtasksScreen")),
    ("spurs.png", "koomap-dark", view("spurs", "SpursScreen")),
    ("images.png", "koomap-dark", view("images", "ImagesScreen")),
    ("satellite.png", "koomap-dark", view("sat", "SatelliteScreen")),
    ("usage.png", "koomap-dark", view("usage", "UsageScreen")),
    ("audit.png", "koomap-dark", view("audit", "AuditScreen")),
]


def context(
    sim: SimServer, theme: str, state_dir: Path, history: HistoryStore | None = None
) -> ConsoleContext:
    auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
    audit = AuditLog(state_dir / "audit.jsonl")
    return ConsoleContext(
        client=KooMapClient(sim.base_url, auth),
        runner=ActionRunner(audit, profile="demo", operator="demo_operator"),
        audit=audit,
        profile="demo",
        endpoint=SHOWN_ENDPOINT,  # the real port changes every run
        demo=True,
        fast_interval=60.0,  # no second poll while the picture is taken
        slow_interval=120.0,
        theme=theme,
        history=history,
    )


async def shoot(
    sim: SimServer, theme: str, step: Step, state_dir: Path, size: tuple[int, int] = SIZE
) -> str:
    sim.reset()
    # the history keeps the simulator's time, so the timeline's times match the task's
    store = HistoryStore(
        state_dir / f"history-{time.monotonic_ns()}.sqlite3", clock=sim.core.clock.now
    )
    app = KooMapApp(context(sim, theme, state_dir, store))
    async with app.run_test(size=size) as pilot:
        await step(pilot)
        await freeze(pilot)
        return app.export_screenshot(title="koomap-tui")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="directory for the PNG files")
    parser.add_argument("--svg", action="store_true", help="keep the SVG files as well")
    parser.add_argument("--all", action="store_true", help="every view, not only the README's")
    parser.add_argument("--size", default="x".join(map(str, SIZE)), help="terminal COLSxROWS")
    args = parser.parse_args(argv)
    try:
        cols, rows = (int(n) for n in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size: expected COLSxROWS such as 80x24, not {args.size!r}")
    if shutil.which("rsvg-convert") is None:
        print("rsvg-convert is needed (apt-get install librsvg2-bin)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with SimServer(seed=7, scenario="demo", speed=0.0) as sim, tempfile.TemporaryDirectory() as d:
        # running durations count to the simulator's stopped clock, not to today
        virtual_now = datetime.fromtimestamp(sim.core.clock.now(), UTC)
        format_module.now_utc = lambda: virtual_now
        fleet_module.wall_clock = sim.core.clock.now  # `:all`'s "last 24 h", on the same clock
        shots = [*SHOTS, ("timeline.png", "koomap-dark", timeline(sim))]
        for name, theme, step in shots + (MORE_SHOTS if args.all else []):
            svg = asyncio.run(shoot(sim, theme, step, Path(d), (cols, rows)))
            if args.svg:
                (args.out / name).with_suffix(".svg").write_text(svg, encoding="utf-8")
            to_png(svg, args.out / name)
            print(args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
