"""One simulator for the contract tests that share it (loopback HTTP, virtual clock at speed 0).

Tests never reset it: each one creates its own workspace/tasks with unique names, so they can
run in any order and the session pays the start-up once.  Tests that change global settings
(faults, QPS limit, failure rates) restore them in a ``finally``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from koomap_tui.sim.engine import Timings
from koomap_tui.sim.server import SimServer
from tests.api.support import NO_FAILURES


@pytest.fixture(scope="session")
def sim() -> Iterator[SimServer]:
    with SimServer(seed=7, scenario="demo", speed=0.0, timings=Timings(**NO_FAILURES)) as server:
        yield server
