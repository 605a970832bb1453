"""Admin API under `/_sim/` (loopback clients only): faults, clock, tokens, reset, counters."""

from __future__ import annotations

import json
from typing import Any

from koomap_tui.sim.clock import fmt_utc
from koomap_tui.sim.core import Simulator

Answer = tuple[int, dict[str, str], bytes]


def _json(status: int, data: Any) -> Answer:
    return (
        status,
        {"content-type": "application/json"},
        json.dumps(data, ensure_ascii=False).encode(),
    )


def status(sim: Simulator) -> dict[str, Any]:
    now = sim.now()
    return {
        "seed": sim.config.seed,
        "scenario": sim.config.scenario,
        "clock": {"now": fmt_utc(now), "now_epoch": now, "speed": sim.clock.speed},
        "qps_limit": sim.qps_limit,
        "scheduled_transitions": sim.scheduler.pending(),
        "faults": sim.faults.as_dict(),
        "requests": sim.request_log.snapshot(),
        "tenants": sorted(sim.tenants),
        "tolerance": sim.config.tolerance,
        "spur_state_gate": sim.config.spur_state_gate,
    }


def handle_admin(sim: Simulator, method: str, path: str, body: bytes) -> Answer:
    try:
        data = json.loads(body) if body.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("body must be a JSON object")
        route = path.rstrip("/")
        if route == "/_sim/status" and method == "GET":
            return _json(200, status(sim))
        if route == "/_sim/faults":
            if method == "GET":
                return _json(200, sim.faults.as_dict())
            if method in ("POST", "PUT"):
                sim.faults.set(**data)
                return _json(200, sim.faults.as_dict())
            if method == "DELETE":
                sim.faults.clear()
                return _json(200, sim.faults.as_dict())
        if route == "/_sim/clock/advance" and method == "POST":
            now = sim.advance(float(data.get("seconds", 0)))
            return _json(200, {"now": fmt_utc(now), "now_epoch": now})
        if route == "/_sim/clock/speed" and method == "POST":
            sim.set_speed(float(data["speed"]))
            return _json(200, {"speed": sim.clock.speed})
        if route == "/_sim/tokens/expire" and method == "POST":
            return _json(200, {"expired": sim.expire_tokens()})
        if route == "/_sim/reset" and method == "POST":
            sim.reset()
            return _json(200, status(sim))
        if route == "/_sim/requests":
            if method == "GET":
                return _json(200, sim.request_log.snapshot())
            if method == "DELETE":
                sim.request_log.clear()
                return _json(200, sim.request_log.snapshot())
        if route == "/_sim/tolerance" and method in ("POST", "PUT"):
            sim.config.tolerance = bool(data.get("enabled", True))
            return _json(200, {"tolerance": sim.config.tolerance})
        if route == "/_sim/qps" and method in ("POST", "PUT"):
            sim.set_qps_limit(float(data["limit"]))
            return _json(200, {"qps_limit": sim.qps_limit})
    except (ValueError, KeyError, TypeError) as exc:
        return _json(400, {"error": str(exc)})
    return _json(404, {"error": f"no admin call {method} {path}"})
