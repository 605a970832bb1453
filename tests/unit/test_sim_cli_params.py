"""`koomap-sim` flags choose the scenario's own parameters: `--live` for the demo, the fleet's
sizes for `fleet` (no longer the scale scenario's), nothing for the others."""

from __future__ import annotations

import pytest

from koomap_tui.sim.cli import build_parser, main, scenario_params
from koomap_tui.sim.core import SimConfig, Simulator
from koomap_tui.sim.scenarios import FLEET_DEFAULTS


def params(*argv: str) -> dict[str, object]:
    return scenario_params(build_parser().parse_args(list(argv)))


def test_live_demo_moves_by_itself_and_the_plain_demo_does_not() -> None:
    assert params("--live") == {"live": True}
    assert params() == {}
    live = Simulator(SimConfig(seed=7, scenario_params=params("--live")))
    still = Simulator(SimConfig(seed=7, scenario_params=params()))
    live.advance(600)
    still.advance(600)
    assert any(t.name.startswith("live_") for t in live.stores["demo"].tasks.values())
    assert not any(t.name.startswith("live_") for t in still.stores["demo"].tasks.values())


def test_fleet_gets_its_own_sizes() -> None:
    assert params("--scenario", "fleet") == FLEET_DEFAULTS
    small = params("--scenario", "fleet", "--fleet-workspaces", "6", "--fleet-busy", "2")
    sim = Simulator(SimConfig(seed=7, scenario="fleet", scenario_params=small))
    names = {w.name for w in sim.stores["demo"].workspaces.values()}
    assert len(names) == 6 and "fleet_ws_005" in names
    assert params("--scenario", "scale", "--scale-workspaces", "3")["workspaces"] == 3


def test_live_with_another_scenario_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--scenario", "fleet", "--live", "--port", "0"])
    assert exc.value.code == 2
    assert "--live works with --scenario demo only" in capsys.readouterr().err
