"""`koomap-sim` as a process: prints its address and credentials, serves, stops on SIGTERM."""

from __future__ import annotations

import subprocess
import sys

import httpx

from koomap_tui.sim.tenants import DEMO_AK, DEMO_PASSWORD, DEMO_USER


def test_cli_serves_on_a_free_port_and_prints_demo_credentials() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "koomap_tui.sim.cli",
            "--port",
            "0",
            "--speed",
            "0",
            "--token",
            "cli-token",
            "--error-rate",
            "503=0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(8)]  # type: ignore[union-attr]
        text = "".join(lines)
        assert DEMO_USER in text and DEMO_PASSWORD in text and DEMO_AK in text
        base = next(line.split(": ", 1)[1].strip() for line in lines if "base URL" in line)
        assert base.startswith("http://127.0.0.1:") and not base.endswith(":0")
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(100):
                try:
                    response = client.get("/v1/workspaces", headers={"X-Auth-Token": "cli-token"})
                    break
                except httpx.TransportError:
                    import time

                    time.sleep(0.05)
            assert response.status_code == 200
            assert response.json()["page"]["total"] == 5
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) is not None


def test_cli_refuses_bad_fault_settings() -> None:
    from koomap_tui.sim.cli import main

    assert main(["--error-rate", "418=0.5", "--port", "0"]) == 2
