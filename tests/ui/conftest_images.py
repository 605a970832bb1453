"""Fixtures for the data screen tests: a large satellite image list (imported explicitly)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koomap_tui.sim.server import SimServer
from koomap_tui.ui.app import KooMapApp
from tests.ui.conftest import make_context

SCALE_IMAGES = 3000


@pytest.fixture(scope="module")
def scale_sim() -> Iterator[SimServer]:
    params = {"workspaces": 1, "tasks_per_workspace": 1, "active_tasks": 0, "folders": 1}
    params["images"] = SCALE_IMAGES
    with SimServer(seed=7, scenario="scale", speed=0.0, scenario_params=params) as sim:
        yield sim


@pytest.fixture
def make_scale_app(scale_sim: SimServer, tmp_path: Path):  # type: ignore[no-untyped-def]
    def factory(**kw: Any) -> KooMapApp:
        return KooMapApp(make_context(scale_sim, tmp_path, download_dir=tmp_path / "dl", **kw))

    return factory
