"""The simulator's state: tenants' data, clock, scheduler, tokens, QPS buckets, faults, log.

Everything mutable sits behind one lock: requests are served on the server thread while tests
call advance()/reset() from theirs.
"""

from __future__ import annotations

import gc
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from koomap_tui.sim.clock import DEFAULT_EPOCH, VirtualClock, parse_utc
from koomap_tui.sim.engine import Scheduler, Timings
from koomap_tui.sim.faults import Faults
from koomap_tui.sim.machines import Machines
from koomap_tui.sim.requestlog import RequestLog
from koomap_tui.sim.store import TenantStore
from koomap_tui.sim.tenants import DEFAULT_TENANTS, Tenant

FIXED_TOKEN_PREFIX = "MIISimFixed"


@dataclass
class SimConfig:
    seed: int = 7
    scenario: str = "demo"
    scenario_params: dict[str, Any] = field(default_factory=dict)
    speed: float = 0.0
    epoch: str = DEFAULT_EPOCH
    qps_limit: float = 20.0
    token_lifetime: float = 24 * 3600.0
    fixed_token: str | None = None
    tenants: tuple[Tenant, ...] = DEFAULT_TENANTS
    timings: Timings = field(default_factory=Timings)
    invert_can_delete: bool = False
    product_detail_key: str = "product_detail"
    obs_min_size: int = 64 * 1024
    obs_max_size: int = 2 * 1024 * 1024
    #: Inferred rule of states.json: spurs are edited only on REAL3D-CTRL in BUNDLE_SUCCESS.
    spur_state_gate: bool = True
    #: Tolerance mode: answers carry the variations the real service may send (tolerance.py).
    tolerance: bool = False


@dataclass
class TokenInfo:
    tenant: Tenant
    expires_at: float | None  # wall-clock Unix time; None never expires
    expired: bool = False


class TokenBucket:
    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Simulator:
    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        c = self.config
        self.lock = threading.RLock()
        self.epoch = time.time() // 1 if c.epoch == "now" else parse_utc(c.epoch)
        self.clock = VirtualClock(self.epoch, c.speed)
        self.faults = Faults(c.seed)
        self.request_log = RequestLog()
        self.tenants = {t.key: t for t in c.tenants}
        self.sk_by_ak = {t.ak: t.sk for t in c.tenants}
        self.tenant_by_ak = {t.ak: t for t in c.tenants}
        self.tokens: dict[str, TokenInfo] = {}
        self.buckets: dict[str, TokenBucket] = {}
        self.qps_limit = c.qps_limit
        self.demo_token = c.fixed_token or f"{FIXED_TOKEN_PREFIX}{c.seed:04d}demo"
        self.stores: dict[str, TenantStore] = {}
        self.scheduler = Scheduler()
        self.machines = Machines(c.seed, self.scheduler, c.timings)
        self._build()

    # ----------------------------------------------------------------- data lifecycle
    def _build(self) -> None:
        from koomap_tui.sim.scenarios import build_scenario

        c = self.config
        self.scheduler.clear()
        self.clock.reset()
        self.stores = {t.key: TenantStore(t, c.seed) for t in c.tenants}
        now = self.clock.now()
        # Building creates up to ~10^5 long-lived objects; collecting while they are being made
        # only re-scans them over and over (it more than doubles the build time).
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for key, store in self.stores.items():
                build_scenario(self, store, c.scenario if key == "demo" else "small", now)
        finally:
            if was_enabled:
                gc.enable()
        # IAM tokens already handed out survive a reset (they are not scenario data); every
        # token, the fixed one included, becomes valid again.
        issued = {k: v for k, v in getattr(self, "tokens", {}).items() if v.expires_at is not None}
        for info in issued.values():
            info.expired = False
        self.tokens = {**issued, self.demo_token: TokenInfo(self.tenants["demo"], None)}

    def reset(self) -> None:
        """Data, clock, tokens and faults back to the seeded scenario."""
        with self.lock:
            self._build()
            self.faults.clear()
            self.buckets.clear()

    def now(self) -> float:
        """Current virtual time, after applying every transition due by then."""
        with self.lock:
            now = self.clock.now()
            self.scheduler.run_until(now)
            return now

    def advance(self, seconds: float) -> float:
        with self.lock:
            self.clock.advance(seconds)
            return self.now()

    def set_speed(self, speed: float) -> None:
        with self.lock:
            self.now()
            self.clock.set_speed(speed)

    # ----------------------------------------------------------------- auth
    def issue_token(self, tenant: Tenant) -> tuple[str, float]:
        token = "MIISim" + secrets.token_urlsafe(48)
        expires = time.time() + self.config.token_lifetime
        with self.lock:
            self.tokens[token] = TokenInfo(tenant, expires)
        return token, expires

    def expire_tokens(self) -> int:
        with self.lock:
            for info in self.tokens.values():
                info.expired = True
            return len(self.tokens)

    def set_qps_limit(self, limit: float) -> None:
        with self.lock:
            self.qps_limit = limit
            self.buckets.clear()

    def allow_request(self, tenant: Tenant) -> bool:
        if self.qps_limit <= 0:
            return True
        bucket = self.buckets.get(tenant.key)
        if bucket is None:
            bucket = self.buckets[tenant.key] = TokenBucket(self.qps_limit)
        return bucket.take()
