"""A lone Esc in a real pseudo-terminal: from writing ESC to the app's `escape` key event.

A minimal Textual app runs in a pty (`pty.fork`); the parent writes one ESC byte at a time and
the app appends `time.monotonic()` (system-wide on Linux) to a file on each `escape` key. Four
runs: Textual's own LinuxDriver and koomap_tui.ui.driver, each with ESCDELAY unset and at 10 ms.
Prints one JSON object per run. docs/upstream.md quotes this script as the reproduction.

    .venv/bin/python benchmarks/esc_delay.py [--presses 10]
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import os, sys, time
from textual.app import App

class EscApp(App[None]):
    def on_key(self, event) -> None:
        if event.key == "escape":
            with open(os.environ["ESC_OUT"], "a") as out:
                out.write(f"{time.monotonic()}\n")

driver = None
if os.environ.get("ESC_DRIVER") == "koomap":
    from koomap_tui.ui.driver import console_driver_class
    driver = console_driver_class()
EscApp(driver_class=driver).run()
"""


def drain(fd: int, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if select.select([fd], [], [], 0.02)[0]:
            os.read(fd, 65536)


def run(driver: str, escdelay: str | None, presses: int) -> list[float]:
    out = Path(tempfile.mkdtemp(prefix="esc-")) / "seen"
    env = {k: v for k, v in os.environ.items() if k != "ESCDELAY"}
    env.update(ESC_OUT=str(out), ESC_DRIVER=driver, TERM="xterm-256color")
    if escdelay is not None:
        env["ESCDELAY"] = escdelay
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-c", CHILD], env)
    drain(fd, 3.0)  # start-up and first frame
    sent = []
    for _ in range(presses):
        sent.append(time.monotonic())
        os.write(fd, b"\x1b")
        drain(fd, 0.4)
    os.write(fd, b"\x11")  # ctrl+q
    try:
        while select.select([fd], [], [], 0.1)[0] and os.read(fd, 65536):
            pass
    except OSError:
        pass
    os.waitpid(pid, 0)
    seen = [float(x) for x in out.read_text().split()] if out.exists() else []
    return [(b - a) * 1000 for a, b in zip(sent, seen, strict=False)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presses", type=int, default=10)
    args = parser.parse_args()
    for driver in ("textual", "koomap"):
        for escdelay in (None, "10"):
            delays = run(driver, escdelay, args.presses)
            print(
                json.dumps(
                    {
                        "figure": "esc_delay",
                        "driver": "Textual LinuxDriver" if driver == "textual" else "koomap",
                        "escdelay": escdelay or "unset",
                        "presses": len(delays),
                        "p50_ms": round(statistics.median(delays), 1) if delays else None,
                        "max_ms": round(max(delays), 1) if delays else None,
                        "load": [round(x, 2) for x in os.getloadavg()],
                    }
                )
            )


if __name__ == "__main__":
    main()
