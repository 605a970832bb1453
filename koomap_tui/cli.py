"""Entry point of `koomap-tui` (placeholder until the console core lands)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    print("koomap-tui: console not built yet")
    return 0
