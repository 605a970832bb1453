"""Fault tests drive the whole console (Pilot) against the simulator over loopback HTTP, with
the simulator's fault injection switched on and off while the console runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth, IamTokenAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.services.actions import ActionRunner
from koomap_tui.services.audit import AuditLog
from koomap_tui.sim.server import SimServer
from koomap_tui.sim.tenants import (
    DEMO_AK,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DEMO_PROJECT_ID,
    DEMO_PROJECT_NAME,
    DEMO_SK,
    DEMO_USER,
)
from koomap_tui.ui.app import KooMapApp
from koomap_tui.ui.context import ConsoleContext
from koomap_tui.ui.widgets.freshness import FreshnessBar


@pytest.fixture(scope="module")
def sim_server() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0) as sim:
        yield sim


@pytest.fixture
def sim(sim_server: SimServer) -> Iterator[SimServer]:
    sim_server.reset()
    sim_server.request_log.clear()
    yield sim_server
    sim_server.faults.clear()


def make_client(base_url: str, auth: str = "aksk", **kw: Any) -> KooMapClient:
    scheme: Any
    if auth == "iam":
        scheme = IamTokenAuth(
            base_url,
            DEMO_USER,
            SecretStr(DEMO_PASSWORD),
            DEMO_DOMAIN,
            project_name=DEMO_PROJECT_NAME,
        )
    else:
        scheme = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
    kw.setdefault("qps", 20.0)
    kw.setdefault("read_timeout", 5.0)
    return KooMapClient(base_url, scheme, **kw)


def make_app(
    base_url: str,
    tmp_path: Path,
    *,
    auth: str = "aksk",
    max_retries: int = 0,
    fast: float = 0.5,
    slow: float = 1.0,
    read_only: bool = False,
    **client_kw: Any,
) -> KooMapApp:
    client = make_client(base_url, auth, max_retries=max_retries, **client_kw)
    audit = AuditLog(tmp_path / "audit.jsonl")
    runner = ActionRunner(audit, profile="test", operator="tester", read_only=read_only)
    ctx = ConsoleContext(
        client=client,
        runner=runner,
        audit=audit,
        profile="test",
        endpoint=base_url,
        read_only=read_only,
        demo=True,
        fast_interval=fast,
        slow_interval=slow,
    )
    return KooMapApp(ctx)


def freshness(app: KooMapApp) -> FreshnessBar:
    return app.screen.query_one(FreshnessBar)


def audit_records(tmp_path: Path, *, intents: bool = False) -> list[dict[str, Any]]:
    """The audit log's outcome records (and the "intent" records written before each
    mutation, when `intents`)."""
    path = tmp_path / "audit.jsonl"
    if not path.exists():
        return []
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in records if intents or r["outcome"] != "intent"]
