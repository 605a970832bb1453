"""Everything a console session runs with, assembled by the CLI (or by tests).

Typed fields, not a dict of named extras: a screen reads `ctx.downloads` or `ctx.download_dir`,
and mypy checks every use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koomap_tui.api.client import KooMapClient
from koomap_tui.services.actions import ActionRunner
from koomap_tui.services.audit import AuditLog
from koomap_tui.services.downloads import DownloadManager, ObsLocator, build_downloads
from koomap_tui.services.history import HistoryStore
from koomap_tui.services.on_change import OnChangeRunner
from koomap_tui.services.remember import RememberStore


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
    #: Its name when known at start (resolved from `--workspace NAME`, or remembered).
    workspace_name: str | None = None
    theme: str = "koomap-dark"
    bell: bool = False
    sim: Any = None  # the embedded simulator in --demo mode
    #: Said once at start (configuration problems that did not stop the session).
    warnings: tuple[str, ...] = ()
    #: The session's transfers (session.py builds them); built here when not given.
    downloads: DownloadManager = field(default=None)  # type: ignore[assignment]
    #: Where downloads go; None: ~/Downloads/koomap.
    download_dir: Path | None = None
    #: Where product and image files are in OBS; None: the simulator in demo mode, else none.
    obs_locator: ObsLocator | None = None
    #: Where the spurs view keeps its per-task workbench files; None: the user data dir.
    gcp_dir: Path | None = None
    #: Offer the simulator's upload-status call outside demo mode (a simulator endpoint).
    sim_upload_status: bool = False
    #: The session's history (services/history.py); None: no history (tests, `history = false`).
    #: The app starts it at mount and closes it at exit.
    history: HistoryStore | None = None
    #: Runs `--on-change` for each change of a watched task; None: nothing is run.
    on_change: OnChangeRunner | None = None
    #: The last view, workspace and theme, read at start and written on change; None: forget.
    remember: RememberStore | None = None
    #: The view to open at start (a `:name`), when it is not the workspace's task table.
    start_view: str | None = None

    def __post_init__(self) -> None:
        if self.downloads is None:
            self.downloads = build_downloads(read_only=self.read_only, tls_off=self.tls_off)
