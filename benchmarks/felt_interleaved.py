"""Before/after felt latency, interleaved: one launch of each tree in turn, so both see the same
load on a shared machine.

`--before DIR` is a copy of the tree to compare with (e.g. `git archive <commit> | tar -x -C
DIR`); this script copies its own `felt_latency.py` and `_console_probe.py` into it, so both
trees are measured by the same steps (the console code is each tree's own: the probe puts its
tree first on `sys.path`). Writes every record (labelled "before"/"after") to `--out` and
prints one line per step: p50 / p95 of each side over the rounds, and the load averages seen.

    .venv/bin/python benchmarks/felt_interleaved.py --before /tmp/base --rounds 5 --only demo
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from felt_latency import percentile  # noqa: E402


def one(tree: Path, label: str, only: str) -> list[dict[str, Any]]:
    cmd = [sys.executable, str(tree / "benchmarks" / "felt_latency.py"), "--runs", "1"]
    cmd += ["--only", only, "--label", label, "--no-qps20"]
    done = subprocess.run(cmd, cwd=tree, capture_output=True, text=True, timeout=900)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=["demo", "scale"], default="demo")
    parser.add_argument("--out", type=Path, default=HERE / "felt_latency_interleaved.jsonl")
    args = parser.parse_args()
    for name in ("felt_latency.py", "_console_probe.py"):
        shutil.copy(HERE / name, args.before / "benchmarks" / name)
    records: list[dict[str, Any]] = []
    with args.out.open("a") as out:
        for _ in range(args.rounds):
            for tree, label in ((args.before, "before"), (HERE.parent, "after")):
                for record in one(tree, label, args.only):
                    records.append(record)
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    out.flush()
    steps: dict[str, dict[str, list[float]]] = {}
    loads: list[float] = []
    for r in records:
        if "step" not in r:
            print(json.dumps(r, ensure_ascii=False))
            continue
        steps.setdefault(r["step"], {}).setdefault(r["label"], []).extend(r["values"])
        loads += [r["load_before"][0], r["load_after"][0]]
    for step, sides in steps.items():
        cells = []
        for label in ("before", "after"):
            values = sides.get(label, [])
            cells.append(
                f"{percentile(values, 0.5):,.1f} / {percentile(values, 0.95):,.1f} ({len(values)})"
                if values
                else "-"
            )
        print(f"| {step} | {cells[0]} | {cells[1]} |")
    if loads:
        print(f"load average (1 min) seen: {min(loads):.2f}-{max(loads):.2f}")


if __name__ == "__main__":
    main()
