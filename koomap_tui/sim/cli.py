"""Entry point of `koomap-sim` (placeholder until the simulator lands)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    print("koomap-sim: simulator not built yet")
    return 0
