"""`SimServer`: the simulator on a loopback port in a background thread (tests, `--demo`).

with SimServer(seed=7, scenario="demo", speed=0.0) as sim:
    httpx.get(sim.base_url + "/v1/workspaces", headers={"X-Auth-Token": sim.demo_token})
    sim.advance(60)
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import httpx
import uvicorn

from koomap_tui.sim.app import build_app
from koomap_tui.sim.core import SimConfig, Simulator
from koomap_tui.sim.engine import Timings
from koomap_tui.sim.faults import Faults
from koomap_tui.sim.requestlog import RequestLog
from koomap_tui.sim.tenants import DEFAULT_TENANTS, Tenant


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket; port 0 picks a free one (read it back with getsockname)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on such sockets, and without
    # it every response waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


class AdminClient:
    """The `/_sim/...` HTTP admin API of a running server (same controls as the Python ones)."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url + "/_sim"
        self._client: httpx.Client | None = None

    def __str__(self) -> str:
        return self.url

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if self._client is None:  # one keep-alive client: creating one costs ~0.1 s
            self._client = httpx.Client(timeout=10)
        response = self._client.request(method, self.url + path, json=body)
        response.raise_for_status()
        return response.json()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def status(self) -> Any:
        return self._call("GET", "/status")

    def set_faults(self, **settings: Any) -> Any:
        return self._call("POST", "/faults", settings)

    def clear_faults(self) -> Any:
        return self._call("DELETE", "/faults")

    def advance(self, seconds: float) -> Any:
        return self._call("POST", "/clock/advance", {"seconds": seconds})

    def expire_tokens(self) -> Any:
        return self._call("POST", "/tokens/expire")

    def reset(self) -> Any:
        return self._call("POST", "/reset")


class SimServer:
    def __init__(
        self,
        seed: int = 7,
        scenario: str = "demo",
        speed: float = 0.0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        qps_limit: float = 20.0,
        token: str | None = None,
        token_lifetime: float = 24 * 3600.0,
        scenario_params: dict[str, Any] | None = None,
        epoch: str | None = None,
        timings: Timings | None = None,
        tenants: tuple[Tenant, ...] = DEFAULT_TENANTS,
        obs_min_size: int = 64 * 1024,
        obs_max_size: int = 2 * 1024 * 1024,
        invert_can_delete: bool = False,
        product_detail_key: str = "product_detail",
        spur_state_gate: bool = True,
        tolerance: bool = False,
    ) -> None:
        config = SimConfig(
            seed=seed,
            scenario=scenario,
            scenario_params=dict(scenario_params or {}),
            speed=speed,
            qps_limit=qps_limit,
            token_lifetime=token_lifetime,
            fixed_token=token,
            tenants=tenants,
            timings=timings or Timings(),
            obs_min_size=obs_min_size,
            obs_max_size=obs_max_size,
            invert_can_delete=invert_can_delete,
            product_detail_key=product_detail_key,
            spur_state_gate=spur_state_gate,
            tolerance=tolerance,
        )
        if epoch is not None:
            config.epoch = epoch
        self.host = host
        self.requested_port = port
        self.core = Simulator(config)
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._admin: AdminClient | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> SimServer:
        sock = bind_socket(self.host, self.requested_port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            build_app(self.core),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=30,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="koomap-sim", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self._server is not None:
            self._server.should_exit = True
            # A simulator owes nobody a graceful drain: an idle keep-alive connection must not
            # hold the console's exit (SIGHUP) for the 10 s join below.
            self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ facade
    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def demo_token(self) -> str:
        return self.core.demo_token

    @property
    def admin(self) -> AdminClient:
        if self._admin is None:
            self._admin = AdminClient(self.base_url)
        return self._admin

    @property
    def faults(self) -> Faults:
        return self.core.faults

    @property
    def request_log(self) -> RequestLog:
        return self.core.request_log

    def advance(self, seconds: float) -> None:
        self.core.advance(seconds)

    def reset(self) -> None:
        self.core.reset()

    def expire_tokens(self) -> int:
        return self.core.expire_tokens()

    def set_qps_limit(self, limit: float) -> None:
        self.core.set_qps_limit(limit)

    def set_speed(self, speed: float) -> None:
        self.core.set_speed(speed)
