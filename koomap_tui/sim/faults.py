"""Fault injection: latency, error statuses, throttling, malformed bodies, dropped connections.

Rates are probabilities per request, drawn from a generator seeded by the simulator seed, so a
run with the same requests sees the same faults. `count` limits how many requests are faulted
(useful for "the first call fails, the retry succeeds").
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

ERROR_STATUSES = (500, 502, 503, 504)


@dataclass
class FaultSettings:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rates: dict[int, float] = field(default_factory=dict)
    throttle_rate: float = 0.0
    retry_after: int = 1
    truncated_rate: float = 0.0
    html_rate: float = 0.0
    drop_rate: float = 0.0
    drop_after_processing: bool = False
    count: int | None = None
    path_prefix: str = "/v1/"


@dataclass
class FaultDecision:
    delay: float = 0.0
    kind: str | None = None  # "error", "throttle", "truncated", "html", "drop"
    status: int = 0


class Faults:
    """Thread-safe holder of the active fault settings; `set()` replaces only named fields."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self._rng = random.Random(f"{seed}:faults")
        self.settings = FaultSettings()

    def set(self, **changes: Any) -> FaultSettings:
        known = {f.name for f in fields(FaultSettings)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        if "error_rates" in changes:
            rates = {int(k): float(v) for k, v in (changes["error_rates"] or {}).items()}
            bad = set(rates) - set(ERROR_STATUSES)
            if bad:
                raise ValueError(f"error statuses must be among {ERROR_STATUSES}")
            changes["error_rates"] = rates
        with self._lock:
            for key, value in changes.items():
                setattr(self.settings, key, value)
            return self.settings

    def clear(self) -> None:
        with self._lock:
            self.settings = FaultSettings()
            self._rng = random.Random(f"{self._seed}:faults")

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            data = asdict(self.settings)
        data["error_rates"] = {str(k): v for k, v in data["error_rates"].items()}
        return data

    def decide(self, path: str) -> FaultDecision:
        with self._lock:
            s = self.settings
            if not path.startswith(s.path_prefix):
                return FaultDecision()
            rng = self._rng
            delay = s.latency_ms / 1000.0
            if s.jitter_ms:
                delay += rng.uniform(0, s.jitter_ms) / 1000.0
            decision = FaultDecision(delay=delay)
            if s.count is not None and s.count <= 0:
                return decision
            chosen: str | None = None
            if s.drop_rate and rng.random() < s.drop_rate:
                chosen = "drop"
            elif s.throttle_rate and rng.random() < s.throttle_rate:
                chosen = "throttle"
            elif s.html_rate and rng.random() < s.html_rate:
                chosen = "html"
            elif s.truncated_rate and rng.random() < s.truncated_rate:
                chosen = "truncated"
            else:
                for status in sorted(s.error_rates):
                    if rng.random() < s.error_rates[status]:
                        chosen, decision.status = "error", status
                        break
            if chosen is not None:
                decision.kind = chosen
                if s.count is not None:
                    s.count -= 1
            return decision
