"""A burst of 40 cursor keys in a real terminal: how long until the screen settles on the row
the burst ends on (the cost of the key router, ui/keyboard.py, plus the footer and repaints).

Scale scenario (felt_latency.py's simulator, 500 tasks): Enter opens the tasks view, then
bursts alternate, each sent with one `send-keys`: 30 x `j` + 10 x `k` (row 1 -> row 21), then
10 x `j` + 30 x `k` (row 21 -> row 1). The cursor row is the line drawn with the table's cursor
background (read with `capture-pane -e`); a burst is settled at the first capture where that
line is the expected row, and stays there for three more captures. Also recorded: the
console's CPU time from the burst to that capture, and (benchmarks/_console_probe.py) the
time in `Stylesheet.apply` and the calls of `FooterKey._watch_compact` during the burst.

    .venv/bin/python benchmarks/key_burst.py [--runs 5] [--bursts 4] [--label x]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from felt_latency import (
    PROBE,
    STEP,
    Pane,
    base_env,
    both,
    crumb,
    loadavg,
    percentile,
    probe,
    row_text,
    scale_config,
    scale_simulator,
    tasks_loaded,
)

FIRST_ROW = 3  # capture line of the first table row (header, summary, column titles above)
CURSOR_BG = re.compile(r"\x1b\[(?:[0-9;]*;)?48;5;33m")  # the cursor row's background
PROBED = {
    "css_apply_ms": "Stylesheet.apply ms",
    "watch_compact_calls": "FooterKey._watch_compact calls",
}
BURSTS = (("j" * 30 + "k" * 10, 20), ("j" * 10 + "k" * 30, 0))  # keys, final row (0-based)


def cursor_line(pane: Pane) -> int | None:
    lines = pane.tmux("capture-pane", "-p", "-e").splitlines()
    rows = [i for i, line in enumerate(lines[FIRST_ROW:-2]) if CURSOR_BG.search(line)]
    return rows[0] if len(rows) == 1 else None


def settle(pane: Pane, row: int, since: float, timeout: float = 30.0) -> float:
    deadline = since + timeout
    streak, first = 0, 0.0
    while True:
        now = time.monotonic()
        if cursor_line(pane) == row:
            streak, first = streak + 1, first if streak else now
            if streak == 4:
                return first - since
        else:
            streak = 0
        if now > deadline:
            raise RuntimeError(f"cursor never settled on row {row + 1}")
        time.sleep(STEP)


def run(record: dict[str, list[float]], base: str, bursts: int) -> None:
    with tempfile.TemporaryDirectory(prefix="burst-", ignore_cleanup_errors=True) as name:
        tmp = Path(name)
        pane = Pane("burst")
        try:
            config = scale_config(tmp, base, 10)
            argv = [sys.executable, str(PROBE), "--config", str(config)]
            argv += ["--audit-file", str(tmp / "audit.jsonl")]
            since = pane.start(argv, base_env(tmp))
            pane.wait(both(crumb("workspaces"), row_text("scale_ws_000")), since)
            time.sleep(0.5)
            since = pane.send("Enter")
            pane.wait(both(crumb("tasks"), tasks_loaded(500)), since)
            time.sleep(1.5)
            if cursor_line(pane) != 0:
                raise RuntimeError("the cursor is not on the first row")
            for i in range(bursts):
                keys, row = BURSTS[i % 2]
                cpu = pane.cpu()
                seen = probe(tmp / "probe.json")
                since = pane.send(*keys)
                seconds = settle(pane, row, since)
                time.sleep(0.1)  # the probe file is rewritten every 50 ms
                after = probe(tmp / "probe.json")
                for key, label in PROBED.items():
                    record.setdefault(f"per burst: {label}", []).append(
                        float(after.get(key, 0)) - float(seen.get(key, 0))
                    )
                record.setdefault("40-key j/k burst -> cursor settled (ms)", []).append(
                    seconds * 1000
                )
                record.setdefault("CPU per 40-key burst (ms)", []).append((pane.cpu() - cpu) * 1000)
                time.sleep(0.7)
        finally:
            pane.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bursts", type=int, default=4)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    record: dict[str, list[float]] = {}
    load_before = loadavg()
    errors: list[str] = []
    with scale_simulator(20) as base:
        for _ in range(args.runs):
            try:
                run(record, base, args.bursts)
            except Exception as exc:  # one failed run is reported, the others still count
                errors.append(str(exc)[:400])
    for step, values in record.items():
        print(
            json.dumps(
                {
                    "figure": "key_burst",
                    "step": step,
                    "label": args.label,
                    "runs": len(values),
                    "p50": round(percentile(values, 0.5), 1),
                    "p95": round(percentile(values, 0.95), 1),
                    "values": [round(v, 1) for v in values],
                    "load_before": load_before,
                    "load_after": loadavg(),
                }
            )
        )
    for error in errors:
        print(json.dumps({"figure": "key_burst", "error": error}))


if __name__ == "__main__":
    main()
