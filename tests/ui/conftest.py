"""UI tests drive KooMapApp with Pilot against the simulator over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.services.actions import ActionRunner
from koomap_tui.services.audit import AuditLog
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from koomap_tui.ui.app import KooMapApp
from koomap_tui.ui.context import ConsoleContext


@pytest.fixture(scope="module")
def sim_server() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0) as sim:
        yield sim


@pytest.fixture
def sim(sim_server: SimServer) -> SimServer:
    sim_server.reset()
    sim_server.request_log.clear()
    return sim_server


def make_context(sim: SimServer, tmp_path: Path, **kw: Any) -> ConsoleContext:
    auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
    client = KooMapClient(sim.base_url, auth, qps=20.0, max_retries=0)
    audit = AuditLog(tmp_path / "audit.jsonl")
    read_only = kw.pop("read_only", False)
    runner = ActionRunner(audit, profile="test", operator="tester", read_only=read_only)
    return ConsoleContext(
        client=client,
        runner=runner,
        audit=audit,
        profile="test",
        endpoint=sim.base_url,
        read_only=read_only,
        demo=True,
        fast_interval=kw.pop("fast_interval", 0.5),
        slow_interval=kw.pop("slow_interval", 1.0),
        **kw,
    )


@pytest.fixture
def make_app(sim: SimServer, tmp_path: Path):  # type: ignore[no-untyped-def]
    def factory(**kw: Any) -> KooMapApp:
        return KooMapApp(make_context(sim, tmp_path, **kw))

    return factory
