"""`koomap-sim`: serve the KooMap simulator over HTTP (loopback unless told otherwise)."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence

from koomap_tui.sim.clock import DEFAULT_EPOCH
from koomap_tui.sim.scenarios import FLEET_DEFAULTS, SCALE_DEFAULTS, SCENARIOS


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="koomap-sim", description=__doc__)
    p.add_argument("--host", default="127.0.0.1", help="bind address (default loopback only)")
    p.add_argument("--port", type=int, default=8765, help="TCP port (0 = any free port)")
    p.add_argument(
        "--seed", type=int, default=7, help="seed of the scenario and of all random outcomes"
    )
    p.add_argument("--scenario", default="demo", choices=SCENARIOS)
    p.add_argument(
        "--live",
        action="store_true",
        help="demo only: keep producing work for as long as it runs (what koomap-tui --demo "
        "serves): tasks started, succeeding, failing, stopped; imports; products",
    )
    p.add_argument(
        "--speed", type=float, default=1.0, help="virtual seconds per real second (0 = frozen)"
    )
    p.add_argument("--epoch", default=DEFAULT_EPOCH, help="virtual start time (UTC, or 'now')")
    p.add_argument("--token", help="register this fixed, non-expiring token for the demo tenant")
    p.add_argument(
        "--qps-limit", type=float, default=20.0, help="per-tenant requests/s (0 = unlimited)"
    )
    p.add_argument(
        "--token-lifetime", type=float, default=86400.0, help="IAM token lifetime, seconds"
    )
    g = p.add_argument_group("scale scenario")
    g.add_argument("--scale-workspaces", type=int, default=SCALE_DEFAULTS["workspaces"])
    g.add_argument(
        "--scale-tasks",
        type=int,
        default=SCALE_DEFAULTS["tasks_per_workspace"],
        help="tasks per workspace (<= 500)",
    )
    g.add_argument(
        "--scale-active",
        type=int,
        default=SCALE_DEFAULTS["active_tasks"],
        help="running tasks per workspace",
    )
    g.add_argument(
        "--scale-images",
        type=int,
        default=SCALE_DEFAULTS["images"],
        help="satellite images (<= 100000)",
    )
    g.add_argument("--scale-folders", type=int, default=SCALE_DEFAULTS["folders"])
    g = p.add_argument_group("fleet scenario (many workspaces, few busy)")
    g.add_argument("--fleet-workspaces", type=int, default=FLEET_DEFAULTS["workspaces"])
    g.add_argument(
        "--fleet-tasks",
        type=int,
        default=FLEET_DEFAULTS["tasks_per_workspace"],
        help="tasks per workspace (<= 500)",
    )
    g.add_argument(
        "--fleet-busy",
        type=int,
        default=FLEET_DEFAULTS["busy_workspaces"],
        help="workspaces the running tasks are spread over",
    )
    g.add_argument("--fleet-running", type=int, default=FLEET_DEFAULTS["running_tasks"])
    g.add_argument("--fleet-failures", type=int, default=FLEET_DEFAULTS["recent_failures"])
    g = p.add_argument_group("OBS objects")
    g.add_argument("--obs-min-size", type=int, default=64 * 1024)
    g.add_argument("--obs-max-size", type=int, default=2 * 1024 * 1024)
    g = p.add_argument_group("faults (all rates are probabilities 0..1, seeded)")
    g.add_argument("--latency-ms", type=float, default=0.0)
    g.add_argument("--jitter-ms", type=float, default=0.0)
    g.add_argument(
        "--error-rate",
        action="append",
        default=[],
        metavar="STATUS=RATE",
        help="e.g. 503=0.1 (500/502/503/504); repeatable",
    )
    g.add_argument("--throttle-rate", type=float, default=0.0, help="forced 429 GATEWAY.0006")
    g.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds on 429/503")
    g.add_argument("--truncated-rate", type=float, default=0.0)
    g.add_argument("--html-rate", type=float, default=0.0)
    g.add_argument("--drop-rate", type=float, default=0.0)
    g.add_argument("--drop-after-processing", action="store_true")
    g.add_argument(
        "--fault-path-prefix", default="/v1/", help="faults hit only paths with this prefix"
    )
    g = p.add_argument_group("documentation ambiguities")
    g.add_argument(
        "--invert-can-delete",
        action="store_true",
        help="emit can_delete with the doc text's polarity",
    )
    g.add_argument(
        "--product-details-key",
        action="store_true",
        help="emit product_details instead of product_detail",
    )
    g.add_argument(
        "--any-state-spurs",
        action="store_true",
        help="accept spur edits on any task (default: REAL3D-CTRL in BUNDLE_SUCCESS only)",
    )
    g.add_argument(
        "--tolerance",
        action="store_true",
        help="answer with the variations the real service may send (numbers as strings, "
        "nulls, unknown states, extra fields)",
    )
    return p


def _error_rates(items: Sequence[str]) -> dict[int, float]:
    rates: dict[int, float] = {}
    for item in items:
        status, _, rate = item.partition("=")
        rates[int(status)] = float(rate)
    return rates


def scenario_params(args: argparse.Namespace) -> dict[str, object]:
    """The chosen scenario's own parameters (the scale and fleet ones share names)."""
    if args.scenario == "scale":
        return {
            "workspaces": args.scale_workspaces,
            "tasks_per_workspace": args.scale_tasks,
            "active_tasks": args.scale_active,
            "images": args.scale_images,
            "folders": args.scale_folders,
        }
    if args.scenario == "fleet":
        return {
            "workspaces": args.fleet_workspaces,
            "tasks_per_workspace": args.fleet_tasks,
            "busy_workspaces": args.fleet_busy,
            "running_tasks": args.fleet_running,
            "recent_failures": args.fleet_failures,
        }
    if args.scenario == "demo" and args.live:
        return {"live": True}
    return {}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.live and args.scenario != "demo":
        parser.error("--live works with --scenario demo only")
    import uvicorn

    from koomap_tui.sim.app import build_app
    from koomap_tui.sim.core import SimConfig, Simulator
    from koomap_tui.sim.server import bind_socket
    from koomap_tui.sim.tenants import DEMO_TENANT

    config = SimConfig(
        seed=args.seed,
        scenario=args.scenario,
        scenario_params=scenario_params(args),
        speed=args.speed,
        epoch=args.epoch,
        qps_limit=args.qps_limit,
        token_lifetime=args.token_lifetime,
        fixed_token=args.token,
        invert_can_delete=args.invert_can_delete,
        product_detail_key="product_details" if args.product_details_key else "product_detail",
        obs_min_size=args.obs_min_size,
        obs_max_size=args.obs_max_size,
        spur_state_gate=not args.any_state_spurs,
        tolerance=args.tolerance,
    )
    sim = Simulator(config)
    try:
        sim.faults.set(
            latency_ms=args.latency_ms,
            jitter_ms=args.jitter_ms,
            error_rates=_error_rates(args.error_rate),
            throttle_rate=args.throttle_rate,
            retry_after=args.retry_after,
            truncated_rate=args.truncated_rate,
            html_rate=args.html_rate,
            drop_rate=args.drop_rate,
            drop_after_processing=args.drop_after_processing,
            path_prefix=args.fault_path_prefix,
        )
    except ValueError as exc:
        print(f"koomap-sim: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"koomap-sim: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    t = DEMO_TENANT
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    base = f"http://{shown_host}:{port}"
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"koomap-sim: WARNING: listening on {args.host}, not only loopback", file=sys.stderr)
    print(
        "\n".join(
            [
                f"koomap-sim: scenario {args.scenario}{' (live)' if args.live else ''}, "
                f"seed {args.seed}, speed {args.speed}x",
                f"  base URL (KooMap, IAM and OBS): {base}",
                f"  admin API (loopback only):      {base}/_sim/status",
                "  demo tenant (public simulator credentials):",
                f"    user {t.user}  password {t.password}  domain {t.domain}",
                f"    project {t.project_name} / {t.project_id}",
                f"    AK {t.ak}  SK {t.sk}",
                f"    fixed token {sim.demo_token}",
            ]
        ),
        flush=True,
    )
    server_config = uvicorn.Config(
        build_app(sim), log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30
    )
    # The scenario's records live for the whole run: keep the cyclic GC from re-scanning them
    # on every collection (it otherwise costs a third of the CPU of a list request at scale).
    gc.freeze()
    uvicorn.Server(server_config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
