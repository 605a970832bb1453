"""The table's GC refreeze after a big load must not itself be the frame stall it prevents:
no full (generation 2) collection, and nothing frozen earlier (the console freezes its
start-up objects in cli.py) is handed back to the collector."""

from __future__ import annotations

import gc
from typing import Any

from koomap_tui.ui.widgets.virtual_table import refreeze_gc


def test_refreeze_collects_young_generations_only_and_keeps_earlier_freezes() -> None:
    collected: list[int] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            collected.append(info["generation"])

    gc.freeze()
    frozen_before = gc.get_freeze_count()
    gc.callbacks.append(record)
    try:
        refreeze_gc()
    finally:
        gc.callbacks.remove(record)
        frozen_after = gc.get_freeze_count()
        gc.unfreeze()
    assert collected, "a young collection runs first"
    assert max(collected) < 2, f"generations collected: {collected}"
    assert frozen_after >= frozen_before
