"""Everything a console session runs with, assembled by the CLI (or by tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from koomap_tui.api.client import KooMapClient
from koomap_tui.services.actions import ActionRunner
from koomap_tui.services.audit import AuditLog


@dataclass
class ConsoleContext:
    client: KooMapClient
    runner: ActionRunner
    audit: AuditLog | None = None
    profile: str = "default"
    endpoint: str = ""
    env_label: str | None = None
    env_colour: str | None = None
    read_only: bool = False
    demo: bool = False
    tls_off: bool = False
    fast_interval: float = 3.0
    slow_interval: float = 30.0
    workspace_id: str | None = None
    theme: str = "koomap-dark"
    bell: bool = False
    sim: Any = None  # the embedded simulator in --demo mode
    extras: dict[str, Any] = field(default_factory=dict)
