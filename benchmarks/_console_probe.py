"""Run `koomap-tui` with in-process probes for the felt-latency benchmark.

    python benchmarks/_console_probe.py --demo ...   (same arguments as koomap-tui)

With `KOOMAP_PROBE_FILE` set, a daemon thread rewrites that file (JSON, atomically) every
50 ms with what the probes saw so far:

- `gc`: every garbage collection of 2 ms or more, as [monotonic end, generation, ms];
- `css_apply_ms` / `css_apply_calls`: time inside Textual's `Stylesheet.apply` (per node);
- `watch_compact_calls` / `watch_compact_ms`: calls of `FooterKey._watch_compact`;
- `requests`: the last 200 API calls: name, start, ms waiting for the rate limiter, ms in all.

`KOOMAP_PROBE_EXPERIMENT=stock-driver` runs the console on Textual's own LinuxDriver (the
Esc figure before koomap_tui/ui/driver.py); `freeze-after-imports` was the gc.freeze trial;
`footer-debounce` recomposes the footer only once its bindings have been quiet for 50 ms (the
key-burst trial).

Timestamps are `time.monotonic()`, which is system-wide on Linux, so the benchmark process can
place them on its own clock. The console itself is unchanged: the probes wrap functions only.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STATE: dict[str, Any] = {
    "gc": [],
    "css_apply_ms": 0.0,
    "css_apply_calls": 0,
    "watch_compact_calls": 0,
    "watch_compact_ms": 0.0,
}
_gc_started = [0.0]


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_started[0] = time.perf_counter()
        return
    ms = (time.perf_counter() - _gc_started[0]) * 1000
    if ms >= 2.0:
        STATE["gc"].append([time.monotonic(), info.get("generation"), round(ms, 2)])


def _wrap_timed(owner: Any, name: str, key: str) -> None:
    original = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            STATE[f"{key}_ms"] += (time.perf_counter() - started) * 1000
            STATE[f"{key}_calls"] += 1

    setattr(owner, name, timed)


def _install_textual_probes() -> None:
    from textual.css.stylesheet import Stylesheet

    _wrap_timed(Stylesheet, "apply", "css_apply")
    try:
        from textual.widgets._footer import FooterKey

        _wrap_timed(FooterKey, "_watch_compact", "watch_compact")
    except (ImportError, AttributeError):
        pass


def _install_request_probe() -> None:
    """`requests`: every API call as [name, monotonic start, ms waiting for the rate limiter,
    ms in all] (the last 200), to place a view's reads on the benchmark's clock."""
    from koomap_tui.api import client as api_client

    STATE["requests"] = []
    original = api_client.KooMapClient._send

    async def send(self: Any, name: str, **kw: Any) -> Any:
        started = time.monotonic()
        waited = self.stats.rate_limit_wait
        try:
            return await original(self, name, **kw)
        finally:
            entry = [
                name,
                started,
                round((self.stats.rate_limit_wait - waited) * 1000, 1),
                round((time.monotonic() - started) * 1000, 1),
            ]
            STATE["requests"] = [*STATE["requests"][-199:], entry]

    api_client.KooMapClient._send = send  # type: ignore[method-assign]


def _writer(path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    while True:
        tmp.write_text(json.dumps(STATE))
        os.replace(tmp, path)
        time.sleep(0.05)


def main() -> int:
    target = os.environ.get("KOOMAP_PROBE_FILE")
    if target:
        gc.callbacks.append(_on_gc)
        _install_textual_probes()
        _install_request_probe()
        threading.Thread(target=_writer, args=(Path(target),), daemon=True).start()
    from koomap_tui.cli import main as console_main

    experiment = os.environ.get("KOOMAP_PROBE_EXPERIMENT", "")
    if experiment == "stock-driver":  # Textual's own LinuxDriver, for before/after of Esc
        import koomap_tui.ui.driver

        koomap_tui.ui.driver.console_driver_class = lambda: None
    if experiment == "freeze-after-imports":
        import koomap_tui.session
        import koomap_tui.ui.app

        gc.freeze()
    if experiment == "footer-debounce":  # the footer recomposed once a burst, not once a key
        _debounce_footer(0.05)

    return console_main(sys.argv[1:])


def _debounce_footer(delay: float) -> None:
    """Textual's Footer recomposes on every bindings change; this trial waits until the
    bindings have been quiet for `delay` seconds (benchmarks/key_burst.py measures it)."""
    from textual.widgets import Footer

    def bindings_changed(self: Any, screen: Any) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not (self.is_attached and screen is self.screen):
            return
        timer = getattr(self, "_probe_debounce", None)
        if timer is not None:
            timer.stop()
        self._probe_debounce = self.set_timer(delay, self.recompose)

    Footer.bindings_changed = bindings_changed  # type: ignore[method-assign]


if __name__ == "__main__":
    raise SystemExit(main())
