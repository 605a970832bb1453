"""Shared pieces of the table benchmarks: data, the two apps, timing helpers.

Both implementations get the same rows (real `Real3DTask` pydantic models, as the console holds
them) and the same cell formatting; the stock DataTable is driven the way a naive console
drives it: `clear()` and `add_rows()` of every row on every poll.

Timing rule: a figure is the wall time from the start of the action until the table's
`render_lines` calls of the frame that shows the result have returned (recorded by a thin
subclass of each widget). Pilot's idle wait (it sleeps in 20 ms steps) is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rich.text import Text  # noqa: E402
from textual import events  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.geometry import Region  # noqa: E402
from textual.strip import Strip  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from koomap_tui.api.models import Real3DTask  # noqa: E402
from koomap_tui.ui.widgets.virtual_table import Column, VirtualTable  # noqa: E402

SIZE = (200, 50)
STATES = ["RUNNING", "SUCCESS", "FAILED", "PENDING", "STOP_SUCCESS", "ARCHIVED", "INIT"]
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


# -- data ----------------------------------------------------------------------------------


def task_fields(i: int, rng: random.Random, version: int = 0) -> dict[str, Any]:
    created = EPOCH + timedelta(minutes=i)
    return {
        "task_id": f"{i:08x}-{rng.getrandbits(32):08x}-task",
        "task_name": f"site-{i % 997:03d} block {i} v{version}",
        "task_type": "REAL3D-CTRL" if i % 3 else "REAL3D-UNCTRL",
        "modeling_type": "Mesh" if i % 5 else "Nerf",
        "workspace_id": f"ws-{i % 7}",
        "creator": f"operator{i % 13}",
        "task_status": STATES[(i + version) % len(STATES)],
        "task_progress": f"{((i * 7 + version * 13) % 100) / 100:.2f}",
        "create_time": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "update_time": (created + timedelta(hours=version)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@dataclass(slots=True)
class SlimTask:
    """The few fields a task table shows, for comparing memory with full API models."""

    task_id: str
    task_name: str
    task_type: str
    modeling_type: str
    creator: str
    task_status: str
    task_progress: float | None
    create_time: datetime | None
    update_time: datetime | None


def slim(task: Real3DTask) -> SlimTask:
    return SlimTask(
        task.task_id,
        task.task_name or "",
        str(task.task_type),
        str(task.modeling_type),
        task.creator or "",
        str(task.task_status),
        task.task_progress,
        task.create_time,
        task.update_time,
    )


def make_rows(n: int, seed: int = 7, *, slim_rows: bool = False) -> list[tuple[str, Any]]:
    """`n` tasks as `(task_id, Real3DTask)`; with `slim_rows`, as `SlimTask` instead."""
    rng = random.Random(seed)
    rows: list[tuple[str, Any]] = []
    for i in range(n):
        task = Real3DTask.model_validate(task_fields(i, rng))
        rows.append((task.task_id, slim(task) if slim_rows else task))
    return rows


def make_poll(
    rows: list[tuple[str, Any]], share: float, version: int, seed: int = 11
) -> dict[str, Any]:
    """`share` of the rows change state and progress, as a running workspace would."""
    rng = random.Random(seed + version)
    picked = rng.sample(range(len(rows)), max(1, int(len(rows) * share)))
    changed = {}
    for index in picked:
        key, task = rows[index]
        status = STATES[(index + version) % len(STATES)]
        progress = ((index * 7 + version * 13) % 100) / 100
        if isinstance(task, SlimTask):
            changed[key] = SlimTask(**{**{f: getattr(task, f) for f in task.__slots__}})
            changed[key].task_status, changed[key].task_progress = status, progress
        else:
            update = {"task_status": status, "task_progress": progress}
            changed[key] = task.model_copy(update=update)
    return changed


def image_fields(i: int) -> dict[str, Any]:
    """One `ListImageBaseInfo` item, as the simulator's scale scenario serves it."""
    day = EPOCH + timedelta(hours=i)
    return {
        "image_name": f"GF2_PMS1_E{116 + i % 7}.{i % 100}_N{30 + i % 9}.{i % 97}_{i:07d}_L1A",
        "is_product": "1" if i % 10 == 0 else "0",
        "image_level": "L5" if i % 10 == 0 else "L1A",
        "image_status": ["2", "0", "1", "3", "4"][i % 5],
        "image_date": (day - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "upload_date": day.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "image_resolution": "0.8" if i % 2 else "3.2",
        "image_description": "",
        "image_id": f"{i:08x}-5e3c-4c1e-9d7a-{i * 7919 % 16**12:012x}",
        "image_type": str(i % 2),
        "user_name": f"operator{i % 13}",
        "image_alias": f"gf2_pms1_{i:07d}",
        "product_clip": 0,
        "product_tile": 1 if i % 10 == 0 else 0,
        "is_cog": 1 if i % 10 == 0 else 0,
    }


def make_image_rows(n: int) -> tuple[list[tuple[str, Any]], list[dict[str, Any]]]:
    """`n` satellite images the way the images screen holds them.

    The table gets `(position key, ImageRow(position, ImageInfo))`; the image source and the
    poller each keep a dict of key -> ImageInfo (shallow copies sharing the same models),
    returned second so the caller keeps them alive like the console does.
    """
    from koomap_tui.api.models import ImageInfo
    from koomap_tui.services.sources.data import ImageRow, position_key

    items = {position_key(i): ImageInfo.model_validate(image_fields(i)) for i in range(n)}
    rows = [(key, ImageRow(int(key), image)) for key, image in items.items()]
    return rows, [items, dict(items)]


def fmt_image_status(row: Any) -> Text:
    image = row.image
    if image is None:
        return Text("…")
    status = str(image.image_status)
    return Text(f"● {status}", style=f"$state-{'done' if status == '2' else 'processing'}")


def image_cell(attr: str) -> Callable[[Any], str]:
    def render(row: Any) -> str:
        value = None if row.image is None else getattr(row.image, attr)
        if isinstance(value, datetime):
            return fmt_time(value)
        return "" if value is None else str(value)

    return render


IMAGE_COLUMNS = [
    Column("pos", "#", 6, align="right", render=lambda r: str(r.position + 1)),
    Column("name", "Name", 30, render=image_cell("image_name")),
    Column("state", "State", 16, render=fmt_image_status),
    Column("level", "Level", 5, render=image_cell("image_level")),
    Column("kind", "Type", 4, render=image_cell("image_type")),
    Column("date", "Image date", 16, render=image_cell("image_date")),
    Column("upload", "Uploaded", 16, render=image_cell("upload_date")),
    Column("res", "Res", 4, render=image_cell("image_resolution")),
    Column("id", "ID", 36, render=image_cell("image_id")),
]


# -- formatting shared by both tables --------------------------------------------------------


def fmt_status(task: Any) -> Text:
    status = str(task.task_status)
    slug = status.lower().replace("_", "-")
    return Text(f"● {status}", style=f"$state-{slug}")


def fmt_progress(task: Any) -> str:
    return "" if task.task_progress is None else f"{task.task_progress:.0%}"


def fmt_time(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


COLUMNS = [
    Column("task_name", "Name", 28),
    Column("task_status", "State", 16, render=fmt_status),
    Column("task_type", "Type", 14),
    Column("modeling_type", "Model", 6),
    Column("task_progress", "Prog", 5, align="right", render=fmt_progress),
    Column("creator", "Creator", 11),
    Column("create_time", "Created", 16, render=lambda t: fmt_time(t.create_time)),
    Column("update_time", "Updated", 16, render=lambda t: fmt_time(t.update_time)),
    Column("task_id", "ID", 26),
]


def stock_cells(task: Any) -> tuple[Any, ...]:
    status = fmt_status(task)
    status.style = ""  # DataTable has no theme-variable styles; the glyph and text remain
    return (
        task.task_name or "",
        status,
        str(task.task_type),
        str(task.modeling_type),
        fmt_progress(task),
        task.creator or "",
        fmt_time(task.create_time),
        fmt_time(task.update_time),
        task.task_id,
    )


# -- instrumented widgets and apps ------------------------------------------------------------


class TimedVirtualTable(VirtualTable):
    last_render = 0.0
    last_render_cpu = 0.0
    renders = 0

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        self.last_render = time.perf_counter()
        self.last_render_cpu = time.process_time()
        self.renders += 1
        return lines


class TimedDataTable(DataTable[Any]):
    last_render = 0.0
    last_render_cpu = 0.0
    renders = 0

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        self.last_render = time.perf_counter()
        self.last_render_cpu = time.process_time()
        self.renders += 1
        return lines


_FAST_TABLE: Any = None
_FAST_IDS = itertools.count(1)


def fast_table_class() -> Any:
    """textual-fastdatatable's DataTable, timed like the others (imported only when used: it
    brings pyarrow). Its timing counters live on the class, because the table is replaced by a
    new instance on every load: it cannot be cleared ("unmount this table and mount a new one
    instead"), so a load is a remount."""
    global _FAST_TABLE
    if _FAST_TABLE is None:
        from textual_fastdatatable import DataTable as FastDataTable

        class TimedFastDataTable(FastDataTable):  # type: ignore[misc]
            last_render = 0.0
            last_render_cpu = 0.0
            renders = 0

            def render_lines(self, crop: Region) -> list[Strip]:
                lines = super().render_lines(crop)
                cls = type(self)
                cls.last_render = time.perf_counter()
                cls.last_render_cpu = time.process_time()
                cls.renders += 1
                return lines

        _FAST_TABLE = TimedFastDataTable
    return _FAST_TABLE


def fast_cells(task: Any) -> tuple[Any, ...]:
    """The stock table's cells as plain values (an Arrow column holds no Rich Text)."""
    cells = stock_cells(task)
    return (cells[0], str(cells[1]), *cells[2:])


def fast_table(rows: list[tuple[str, Any]], number: int) -> Any:
    from textual_fastdatatable import create_backend

    labels = [column.label for column in COLUMNS]
    records = [fast_cells(task) for _, task in rows]
    backend = create_backend(records, column_names=labels)
    widths = [column.width for column in COLUMNS]
    return fast_table_class()(
        backend=backend, column_widths=widths, cursor_type="row", id=f"table-{number}"
    )


class BenchApp(App[None]):
    CSS = "Screen { layout: vertical; } #table { height: 1fr; }"

    def __init__(self, impl: str, columns: list[Column] | None = None) -> None:
        super().__init__()
        self.impl = impl
        self.columns = COLUMNS if columns is None else columns

    def compose(self) -> ComposeResult:
        if self.impl == "virtual":
            yield TimedVirtualTable(self.columns, id="table")
        elif self.impl == "fast":
            yield fast_table([], 0)
        else:
            table: TimedDataTable = TimedDataTable(id="table", cursor_type="row")
            for column in COLUMNS:
                table.add_column(column.label, width=column.width, key=column.key)
            yield table

    @property
    def table(self) -> Any:
        if self.impl == "fast":
            return self.query(fast_table_class()).last()
        return self.query_one("#table")


def load(table: Any, impl: str, rows: list[tuple[str, Any]]) -> None:
    """What each console does with a full snapshot."""
    if impl == "virtual":
        table.set_rows(rows)
    elif impl == "fast":
        app = table.app
        table.remove()
        new = fast_table(rows, next(_FAST_IDS))
        app.mount(new)
        new.focus()
    else:
        table.clear()
        add_row = table.add_row
        for key, task in rows:
            add_row(*stock_cells(task), key=key)


async def settle_gc_freeze(table: Any, limit: float = 3.0) -> None:
    """Wait for VirtualTable's one GC refreeze after a big load (it runs on a short timer)."""
    deadline = time.perf_counter() + limit
    while getattr(table, "_gc_freeze_pending", False) and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)


class Sample(NamedTuple):
    """One measurement: wall seconds, and CPU seconds of this process over the same span.

    The machine is shared, so wall time includes waiting for a core; CPU time is the work.
    """

    wall: float
    cpu: float


async def timed_frame(pilot: Any, action: Callable[[], Any]) -> Sample:
    """Run `action`, let the app handle it and paint; time until the table's last paint.

    The frame is forced as soon as the message queues are empty (no sleeping); then Pilot's
    idle wait lets any deferred work run (the stock DataTable measures its rows on idle and
    repaints afterwards), and the table's last paint in that window ends the measurement.
    """
    app = pilot.app
    table = app.table
    cpu = time.process_time()
    start = time.perf_counter()
    action()
    for _ in range(10):  # settle: layout changes (scrollbars appearing) cause another frame
        renders = table.renders
        await pilot._wait_for_screen()
        app.screen._on_timer_update()
        if table.renders == renders:
            break
    await pilot.pause()
    if table.last_render < start:
        raise RuntimeError("the table did not repaint")
    return Sample(table.last_render - start, table.last_render_cpu - cpu)


async def press_and_paint(pilot: Any, key: str, moved: Callable[[], bool]) -> Sample:
    """Hand one key to the app, wait (without sleeping) until it is handled, paint the frame.

    The screen's own frame timer would paint within 1/60 s; forcing the frame measures the
    work, not the wait for the next frame slot. `Pilot._wait_for_screen` waits on callbacks
    only (no sleeps), unlike `Pilot.pause`.
    """
    app = pilot.app
    table = app.table
    cpu = time.process_time()
    start = time.perf_counter()
    app.post_message(events.Key(key, None))
    for _ in range(100):
        await pilot._wait_for_screen()
        if moved():
            app.screen._on_timer_update()
            if table.last_render >= start:
                return Sample(table.last_render - start, table.last_render_cpu - cpu)
        else:
            await asyncio.sleep(0)
    raise RuntimeError("the key was not handled or the table did not repaint")


def summary(samples: list[Sample], prefix: str = "") -> dict[str, float]:
    wall = [s.wall * 1000 for s in samples]
    cpu = [s.cpu * 1000 for s in samples]
    return {
        f"{prefix}p50_ms": round(percentile(wall, 0.50), 2),
        f"{prefix}p95_ms": round(percentile(wall, 0.95), 2),
        f"{prefix}max_ms": round(max(wall), 2),
        f"{prefix}cpu_p50_ms": round(percentile(cpu, 0.50), 2),
        f"{prefix}cpu_p95_ms": round(percentile(cpu, 0.95), 2),
    }


def percentile(values: Iterable[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--impl", choices=["virtual", "stock", "fast"], default="virtual")
    return parser


def emit(figure: str, impl: str, **values: Any) -> None:
    print(json.dumps({"figure": figure, "impl": impl, **values}, sort_keys=True), flush=True)


def machine() -> dict[str, Any]:
    import textual

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "textual": textual.__version__ if hasattr(textual, "__version__") else "unknown",
        "platform": platform.platform(),
    }
