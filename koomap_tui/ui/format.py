"""Plain-text formatting of values for tables and detail views (no Textual imports needed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from koomap_tui.text import inert as inert  # every control character escaped, \n and \t too


def fmt_time(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def fmt_epoch(ts: float) -> str:
    """Epoch seconds (the local history's times) to the second, in UTC."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def fmt_duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "—"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d{(s % 86400) // 3600:02d}h"


_server_clock: Callable[[], float] | None = None


def use_clock(now: Callable[[], float] | None) -> None:
    """Count running durations to `now()` (epoch seconds) instead of this machine's clock.

    The demo's simulator keeps a virtual clock that runs faster than the wall clock: its tasks
    start "in the future" of this machine, and every running duration would read 0s."""
    global _server_clock
    _server_clock = now


def now_utc() -> datetime:
    """The console's "now" for running durations (a seam: pictures pin it to the
    simulator's virtual clock, so that a fixed-epoch demo does not age day by day)."""
    if _server_clock is not None:
        return datetime.fromtimestamp(_server_clock(), UTC)
    return datetime.now(UTC)


def duration_between(
    start: datetime | None,
    stop: datetime | None,
    now: datetime | None = None,
    updated: datetime | None = None,
) -> float | None:
    """Run time; for a task still running, up to now, but never before its last update
    (the server's clock may be ahead of ours, and a negative duration helps nobody)."""
    if start is None:
        return None
    if stop is not None:
        return (stop - start).total_seconds()
    end = now or now_utc()
    if updated is not None and updated > end:
        end = updated
    return max(0.0, (end - start).total_seconds())


def fmt_percent(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.0f}%"


def progress_bar(value: float | None, width: int = 10) -> str:
    """A compact bar with eighth-block resolution, e.g. '█████▌    '."""
    if value is None:
        return " " * width
    v = min(max(value, 0.0), 1.0)
    eighths = round(v * width * 8)
    full, rest = divmod(eighths, 8)
    bar = "█" * full + ("" if rest == 0 else " ▏▎▍▌▋▊▉"[rest])
    return bar.ljust(width)


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "—"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
