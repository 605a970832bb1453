"""Virtual clock: resource times and state machines follow it, never the wall clock.

With speed 0 it only moves on explicit advances, which makes tests deterministic; with speed
N it also runs N virtual seconds per real second (for demos).
"""

from __future__ import annotations

import calendar
import time

DEFAULT_EPOCH = "2024-06-03T08:00:00Z"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def parse_utc(text: str) -> float:
    """Parse the wire format `YYYY-MM-DDTHH:MM:SSZ` into Unix seconds (ValueError if malformed)."""
    if len(text) != 20:
        raise ValueError(text)
    return float(calendar.timegm(time.strptime(text, TIME_FORMAT)))


def fmt_utc(ts: float | None) -> str | None:
    if ts is None:
        return None
    return time.strftime(TIME_FORMAT, time.gmtime(ts))


class VirtualClock:
    def __init__(self, epoch: float, speed: float = 0.0) -> None:
        self._epoch = epoch
        self._speed = speed
        self._offset = 0.0
        self._real0 = time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        # Re-anchor so that changing the speed never makes time jump.
        self._offset = self.now() - self._epoch
        self._real0 = time.monotonic()
        self._speed = speed

    def now(self) -> float:
        if self._speed:
            return self._epoch + self._offset + (time.monotonic() - self._real0) * self._speed
        return self._epoch + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds

    def reset(self) -> None:
        self._offset = 0.0
        self._real0 = time.monotonic()
