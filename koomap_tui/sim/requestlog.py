"""Counts of requests per path and per operation, for tests that count requests per poll."""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: str
    operation: str | None
    status: int


class RequestLog:
    def __init__(self, keep: int = 10000) -> None:
        self._lock = threading.Lock()
        self.by_path: Counter[str] = Counter()
        self.by_operation: Counter[str] = Counter()
        self.entries: deque[LoggedRequest] = deque(maxlen=keep)
        self.total = 0

    def record(
        self, method: str, path: str, query: str, operation: str | None, status: int
    ) -> None:
        with self._lock:
            self.total += 1
            self.by_path[f"{method} {path}"] += 1
            if operation:
                self.by_operation[operation] += 1
            self.entries.append(LoggedRequest(method, path, query, operation, status))

    def count(
        self, path: str | None = None, *, method: str | None = None, operation: str | None = None
    ) -> int:
        """Requests so far; only those to `path` (any method unless given) or of `operation`."""
        with self._lock:
            if operation is not None:
                return self.by_operation[operation]
            if path is None:
                return self.total
            if method is not None:
                return self.by_path[f"{method} {path}"]
            return sum(n for key, n in self.by_path.items() if key.split(" ", 1)[1] == path)

    def clear(self) -> None:
        with self._lock:
            self.by_path.clear()
            self.by_operation.clear()
            self.entries.clear()
            self.total = 0

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {
                "total": self.total,
                "by_path": dict(self.by_path),
                "by_operation": dict(self.by_operation),
            }
