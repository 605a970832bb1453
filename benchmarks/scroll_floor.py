"""Reference: the cost of Textual itself repainting a scrolled 200x50 screen.

A trivial Line-API widget whose lines are prebuilt Strips is scrolled one line at a time, timed
like the cursor benchmark. Any table that scrolls by a line pays at least this per key press;
it puts the cursor figures in context.
"""

from __future__ import annotations

import asyncio
import time

from _common import SIZE, Sample, base_parser, emit, summary
from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class Trivial(ScrollView):
    last_render = 0.0
    last_render_cpu = 0.0

    def on_mount(self) -> None:
        self.virtual_size = Size(150, 50_001)
        self.strips = [
            Strip([Segment(f"{i:>10} " + "x" * 139, Style(color="red"))]) for i in range(100)
        ]

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        self.last_render = time.perf_counter()
        self.last_render_cpu = time.process_time()
        return lines

    def render_line(self, y: int) -> Strip:
        strip = self.strips[(y + self.scroll_offset.y) % 100]
        return strip.crop_extend(0, self.size.width, None)


class FloorApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Trivial()


async def run(steps: int) -> dict[str, float]:
    app = FloorApp()
    async with app.run_test(headless=True, size=SIZE) as pilot:
        widget = app.query_one(Trivial)
        await pilot.pause()
        samples = []
        for step in range(1, steps + 1):
            cpu = time.process_time()
            start = time.perf_counter()
            widget.scroll_to(y=step, animate=False)
            await pilot._wait_for_screen()
            app.screen._on_timer_update()
            if widget.last_render < start:
                raise RuntimeError("no repaint")
            samples.append(Sample(widget.last_render - start, widget.last_render_cpu - cpu))
            await asyncio.sleep(0.005)
    return summary(samples)


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    emit("scroll_floor", "trivial", steps=args.steps, **asyncio.run(run(args.steps)))


if __name__ == "__main__":
    main()
