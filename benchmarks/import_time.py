"""Start-up imports: `python -X importtime` of the console's import path, in fresh interpreters.

Two import sets:
- `cli`: `import koomap_tui.cli` (what `koomap-tui --help` pays);
- `console`: every module `run_console` imports before the first frame without `--demo`
  (cli, session, config, services, ui.context, ui.app).

The machine is shared, so each set runs `--runs` times; the record gives the min and median
total (sum of the modules' self times) and the ten largest cumulative entries of the fastest
run. Also records whether the simulator stack (koomap_tui.sim, starlette, uvicorn) was imported.

    .venv/bin/python benchmarks/import_time.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "cli": "import koomap_tui.cli",
    "console": (
        "import koomap_tui.cli, koomap_tui.session, koomap_tui.config, "
        "koomap_tui.services.actions, koomap_tui.services.audit, koomap_tui.ui.context, "
        "koomap_tui.ui.app"
    ),
}
SIM_STACK = ("koomap_tui.sim", "starlette", "uvicorn")


def one_run(statement: str) -> tuple[float, list[tuple[str, float, float]], list[str]]:
    check = (
        f"{statement}\nimport sys\n"
        f"print([m for m in sys.modules if m.split('.')[0] in {SIM_STACK[1:]!r}"
        f" or m.startswith({SIM_STACK[0]!r})])"
    )
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", check],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0.0
    entries: list[tuple[str, float, float]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:") :].split("|")
        total += int(self_us) / 1000
        entries.append((name.rstrip(), int(cumulative_us) / 1000, int(self_us) / 1000))
    sim = json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))
    return total, entries, sim


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    for name, statement in SETS.items():
        runs = [one_run(statement) for _ in range(args.runs)]
        totals = [total for total, _, _ in runs]
        fastest = min(runs, key=lambda run: run[0])
        top = sorted(fastest[1], key=lambda entry: entry[1], reverse=True)[:10]
        top_self = sorted(fastest[1], key=lambda entry: entry[2], reverse=True)[:10]
        print(
            json.dumps(
                {
                    "figure": "import_time",
                    "set": name,
                    "label": args.label,
                    "runs": args.runs,
                    "min_ms": round(min(totals), 1),
                    "median_ms": round(statistics.median(totals), 1),
                    "top10_cumulative_ms": [[n.strip(), round(ms, 1)] for n, ms, _ in top],
                    "top10_self_ms": [[n.strip(), round(ms, 1)] for n, _, ms in top_self],
                    "sim_stack_imported": fastest[2],
                    "load": [round(x, 2) for x in os.getloadavg()],
                },
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
