"""Simulator throughput: list pages of 100 Real3D tasks per second over loopback.

Starts `koomap-sim --scenario scale` in a subprocess (so client and server do not share a GIL),
then drives it with keep-alive httpx clients, one per worker process, for a fixed time.
Prints one JSON object, including CPU milliseconds per request on each side (the machine is
shared, so those are steadier than wall-clock rates). Usage:

    .venv/bin/python benchmarks/sim_throughput.py [--seconds 5] [--workers 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import time

import httpx
import psutil

TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, images: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "koomap_tui.sim.cli",
        "--port",
        str(port),
        "--scenario",
        "scale",
        "--speed",
        "0",
        "--qps-limit",
        "0",
        "--token",
        TOKEN,
        "--scale-workspaces",
        "4",
        "--scale-tasks",
        "500",
        "--scale-active",
        "20",
        "--scale-images",
        str(images),
    ]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server died")
        try:
            if httpx.get(base + "/_sim/status", timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("server not ready")


def drive(base: str, paths: list[str], seconds: float, offset: int) -> dict[str, object]:
    """One keep-alive connection issuing list requests back to back until the deadline."""
    latencies: list[float] = []
    sizes = errors = 0
    i = offset
    with httpx.Client(base_url=base, headers={"X-Auth-Token": TOKEN}) as client:
        # Requests are built once: what is measured is the round trip, not URL merging.
        requests = [client.build_request("GET", path) for path in paths]
        client.send(requests[0])  # connect before the clock starts
        cpu0 = time.process_time()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            request = requests[i % len(requests)]
            i += 1
            t0 = time.perf_counter()
            response = client.send(request)
            latencies.append(time.perf_counter() - t0)
            errors += response.status_code != 200
            sizes += len(response.content)
        cpu = time.process_time() - cpu0
    return {"latencies": latencies, "bytes": sizes, "errors": errors, "cpu": cpu}


def worker(base: str, paths: list[str], seconds: float, offset: int, out: mp.Queue) -> None:
    out.put(drive(base, paths, seconds, offset))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--workers", type=int, default=3, help="client processes (one connection each)"
    )
    parser.add_argument("--images", type=int, default=100_000)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(port, args.images)
    try:
        startup = wait_ready(base, proc)
        headers = {"X-Auth-Token": TOKEN}
        workspaces = httpx.get(
            base + "/v1/workspaces", headers=headers, params={"limit": 100}
        ).json()["data"]
        paths = [
            f"/v1/real3d/{ws['workspace_id']}/tasks?offset={off}&limit=100"
            for ws in workspaces
            for off in range(0, 500, 100)
        ]
        sample = httpx.get(base + paths[0], headers=headers).json()
        assert len(sample["tasks"]) == 100, "a page must hold 100 tasks"
        queue: mp.Queue = mp.Queue()
        procs = [
            mp.Process(target=worker, args=(base, paths, args.seconds, k * 7, queue))
            for k in range(args.workers)
        ]
        server = psutil.Process(proc.pid)
        load = os.getloadavg()[0]
        cpu_before = server.cpu_times()
        started = time.perf_counter()
        for p in procs:
            p.start()
        results = [queue.get() for _ in procs]
        cpu_after = server.cpu_times()
        for p in procs:
            p.join()
        elapsed = time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    latencies = sorted(x for r in results for x in r["latencies"])
    count = len(latencies)
    server_cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    server_ms = server_cpu * 1000 / max(count, 1)
    client_ms = sum(r["cpu"] for r in results) * 1000 / max(count, 1)
    cpus = os.cpu_count() or 1
    print(
        json.dumps(
            {
                "benchmark": "sim_list_tasks_page_100",
                "requests": count,
                "seconds": round(elapsed, 3),
                "requests_per_second": round(count / args.seconds, 1),
                "errors": sum(r["errors"] for r in results),
                "tasks_per_page": 100,
                "mean_page_bytes": round(sum(r["bytes"] for r in results) / max(count, 1)),
                "latency_ms_p50": round(latencies[count // 2] * 1000, 2) if count else None,
                "latency_ms_p95": round(latencies[int(count * 0.95)] * 1000, 2) if count else None,
                "client_processes": args.workers,
                "connections_per_process": 1,
                "client": "httpx.Client (sync, keep-alive)",
                "server_cpu_ms_per_request": round(server_ms, 3),
                "client_cpu_ms_per_request": round(client_ms, 3),
                # What the two cores could do if this benchmark had them to itself: the machine is
                # shared, so wall-clock rps depends on everyone else's load at that moment.
                "cpu_bound_capacity_rps": round(cpus * 1000 / (server_ms + client_ms), 1),
                "server_only_capacity_rps_one_core": round(1000 / server_ms, 1),
                "load_average_at_start": round(load, 2),
                "server_startup_seconds_incl_100k_images": round(startup, 2),
                "cpus": cpus,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
