"""One part of a detail screen read on its own (the task's subtasks, timeline, links)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Part(Generic[T]):
    """The last answer read (`value`) and why the latest read failed (`error`, None when it
    did not). A failed re-read keeps the last answer: the screen shows the error in its place
    only while there is none."""

    name: str  # the worker group of its reads: a new read replaces one still running
    value: T
    error: str | None = None
