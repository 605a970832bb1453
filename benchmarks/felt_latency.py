"""Felt latency: what the operator waits for after a key, measured in a real terminal (tmux).

Each run starts the console afresh in its own tmux server (200x50) and drives it with keys as an
operator would; the screen is read with `capture-pane` every ~10 ms (each read itself costs a
few ms, so the resolution is ~15 ms). A step's time runs from just before `send-keys` to the
first capture that shows the expected text. Runs: `--runs` (>= 5); p50/p95 over them.

Steps (demo scenario, `koomap-tui --demo`):
- launch -> workspace rows;  Enter -> task rows;  `:usage` Enter -> usage rows;
- Esc -> the previous view (usage -> tasks, tasks -> workspaces);
- CPU per view switch: CPU seconds of the console process (psutil) from the key until the rows
  are on screen (includes whatever else runs meanwhile: pollers, timers);
- Enter again (tasks) and `:usage` again, once both were closed: rows from the session's cache
  at once, and "(fresh)": until the freshness bar says "updated" (the view's own answer);
Steps (scale scenario: simulator subprocess, 4 x 500 tasks, 100,000 satellite images):
- launch -> workspace rows;  Enter -> 500 task rows;  `:images` 3 -> satellite rows;
  `G` -> the last image (#100,000) on screen;  peak RSS (VmHWM) once all pages are read;
- GC: the longest collection after the big load (the console runs under
  benchmarks/_console_probe.py, which records every collection >= 2 ms with gc.callbacks).

Prints one JSON object per step: {"figure": "felt_latency", "step": ..., "p50_ms", "p95_ms",
"runs", "values"}. Usage:

    .venv/bin/python benchmarks/felt_latency.py [--runs 5] [--only demo|scale]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROBE = HERE / "_console_probe.py"
SIZE = (200, 50)
STEP = 0.01
TIMEOUT = 30.0

Check = Callable[[list[str]], bool]
_PANES = itertools.count()
EXPERIMENT = os.environ.get("KOOMAP_PROBE_EXPERIMENT", "")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


class Pane:
    """One tmux server with one 200x50 pane running the console under the probe."""

    def __init__(self, name: str) -> None:
        self.socket = f"koomap-felt-{os.getpid()}-{name}-{next(_PANES)}"
        self.pid: int | None = None

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-f", "/dev/null", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]}: {done.stderr.strip()}")
        return done.stdout

    def start(self, argv: list[str], env: dict[str, str]) -> float:
        env_args: list[str] = []
        for key, value in env.items():
            env_args += ["-e", f"{key}={value}"]
        started = time.monotonic()
        self.tmux(
            "start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
            "set-environment", "-g", "-u", "COLUMNS", ";",
            "set-environment", "-g", "-u", "LINES", ";",
            "new-session", "-d", "-x", str(SIZE[0]), "-y", str(SIZE[1]), *env_args,
            "exec " + shlex.join(argv),
        )  # fmt: skip
        self.pid = int(self.tmux("display-message", "-p", "#{pane_pid}").strip())
        return started

    def lines(self) -> list[str]:
        return self.tmux("capture-pane", "-p").splitlines()

    def send(self, *keys: str) -> float:
        started = time.monotonic()
        self.tmux("send-keys", *keys)
        return started

    def wait(self, check: Check, since: float, timeout: float = TIMEOUT) -> tuple[float, list[str]]:
        """Seconds from `since` to the first capture passing `check` (and that capture)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.lines()
            now = time.monotonic()
            if check(lines):
                return now - since, lines
            if now > deadline:
                raise RuntimeError("timed out; the screen was:\n" + "\n".join(lines))
            time.sleep(STEP)

    def process(self) -> psutil.Process:
        assert self.pid is not None
        return psutil.Process(self.pid)

    def cpu(self) -> float:
        times = self.process().cpu_times()
        return float(times.user + times.system)

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.tmux("kill-server")


def crumb(word: str) -> Check:
    """The header's breadcrumb ends in `word` (the view is open)."""
    return lambda lines: bool(lines) and re.search(rf"› {word}\b", lines[0]) is not None


def row_text(text: str) -> Check:
    """`text` in a table row (below the header, breadcrumb and column lines)."""
    return lambda lines: any(text in line for line in lines[2:-2])


def row_matches(pattern: str) -> Check:
    regex = re.compile(pattern)
    return lambda lines: any(regex.search(line) for line in lines[2:-2])


def bar_says(word: str) -> Check:
    """The freshness bar (one of the last lines) starts with `word` ("cached", "updated")."""
    return lambda lines: any(line.strip().startswith(word) for line in lines[-4:])


def both(*checks: Check) -> Check:
    return lambda lines: all(c(lines) for c in checks)


def probe(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return {}


def base_env(tmp: Path) -> dict[str, str]:
    return {
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "XDG_STATE_HOME": str(tmp / "state"),
        "KOOMAP_PROBE_FILE": str(tmp / "probe.json"),
        "TERM": "xterm-256color",
        **({"KOOMAP_PROBE_EXPERIMENT": EXPERIMENT} if EXPERIMENT else {}),
    }


def switch(
    pane: Pane,
    keys: list[str],
    check: Check,
    record: dict[str, list[float]],
    name: str,
    cpu_name: str | None = None,
    first: Check | None = None,
    probe_file: Path | None = None,
    then: Check | None = None,
) -> list[str]:
    """Send `keys`; record the time to the screen passing `check` (and to `first`, the first
    frame that shows the new view, when given), and the console's CPU time meanwhile. With
    `probe_file`, also the time spent in `Stylesheet.apply` and the `FooterKey._watch_compact`
    calls over the switch (read 150 ms after the rows appeared: the probe writes every 50 ms).
    With `then`, also the time to the screen passing it (recorded as "<name> (fresh)")."""
    before = probe(probe_file) if probe_file else {}
    cpu0 = pane.cpu()
    since = pane.send(*keys)
    if first is not None:
        seconds, _ = pane.wait(first, since)
        record.setdefault(name + " (first frame)", []).append(seconds * 1000)
    seconds, lines = pane.wait(check, since)
    record.setdefault(name, []).append(seconds * 1000)
    if then is not None:  # e.g. the fresh answer after rows shown from the cache
        seconds, _ = pane.wait(then, since)
        record.setdefault(name + " (fresh)", []).append(seconds * 1000)
    if cpu_name:
        record.setdefault(cpu_name, []).append((pane.cpu() - cpu0) * 1000)
    if probe_file and before:
        time.sleep(0.15)
        after = probe(probe_file)
        for key, label in (
            ("css_apply_ms", "Stylesheet.apply ms"),
            ("watch_compact_calls", "FooterKey._watch_compact calls"),
        ):
            record.setdefault(f"{name}: {label}", []).append(after[key] - before[key])
    return lines


def command(pane: Pane, word: str) -> None:
    """Open the command line and type `word` (untimed; Enter is the timed key)."""
    pane.send(":")
    pane.wait(
        lambda lines: any(":usage" in line and ":q" in line for line in lines), time.monotonic()
    )
    pane.send("-l", word)
    pane.wait(
        lambda lines: (
            any(f":{word}" in line or f"{word}" == line.strip() for line in lines[-6:])
            or any(line.rstrip().endswith(word) for line in lines)
        ),
        time.monotonic(),
    )


# -- demo ------------------------------------------------------------------------------------

DEMO_WS = "城市更新_一期"
DEMO_LAST_TASK = "西区_倾斜建模"


def demo_run(record: dict[str, list[float]]) -> None:
    with tempfile.TemporaryDirectory(prefix="felt-", ignore_cleanup_errors=True) as name:
        tmp = Path(name)
        pane = Pane("demo")
        try:
            argv = [sys.executable, str(PROBE), "--demo", "--audit-file", str(tmp / "audit.jsonl")]
            since = pane.start(argv, base_env(tmp))
            seconds, _ = pane.wait(both(crumb("workspaces"), row_text(DEMO_WS)), since)
            record.setdefault("demo: launch -> workspace rows", []).append(seconds * 1000)
            time.sleep(0.5)
            switch(
                pane,
                ["Enter"],
                both(crumb("tasks"), row_text(DEMO_LAST_TASK)),
                record,
                "demo: Enter -> task rows",
                "demo: CPU per switch, Enter -> tasks",
                first=crumb("tasks"),
                probe_file=tmp / "probe.json",
            )
            time.sleep(0.5)
            command(pane, "usage")
            switch(
                pane,
                ["Enter"],
                both(crumb("usage"), row_text("Real3D")),
                record,
                ":usage Enter -> usage rows",
                "demo: CPU per switch, :usage",
                first=crumb("usage"),
                probe_file=tmp / "probe.json",
            )
            time.sleep(0.5)
            switch(
                pane,
                ["Escape"],
                both(crumb("tasks"), row_text(DEMO_LAST_TASK)),
                record,
                "Esc -> previous view (usage -> tasks)",
                "demo: CPU per switch, Esc",
                probe_file=tmp / "probe.json",
            )
            time.sleep(0.5)
            switch(
                pane,
                ["Escape"],
                both(crumb("workspaces"), row_text(DEMO_WS)),
                record,
                "Esc -> previous view (tasks -> workspaces)",
            )
            # Views opened again on sources read before: the cached rows at once, then the
            # fresh answer (the bar goes from "cached … — refreshing…" to "updated …").
            time.sleep(0.5)
            switch(
                pane,
                ["Enter"],
                both(crumb("tasks"), row_text(DEMO_LAST_TASK)),
                record,
                "demo: Enter again -> task rows",
                "demo: CPU per switch, Enter again",
                first=crumb("tasks"),
                then=both(row_text(DEMO_LAST_TASK), bar_says("updated")),
            )
            time.sleep(0.5)
            command(pane, "usage")
            switch(
                pane,
                ["Enter"],
                both(crumb("usage"), row_text("Real3D")),
                record,
                ":usage again -> usage rows",
                "demo: CPU per switch, :usage again",
                first=crumb("usage"),
                then=both(row_text("Real3D"), bar_says("updated")),
            )
            info = probe(tmp / "probe.json")
            record.setdefault("demo: Stylesheet.apply ms (whole run)", []).append(
                info.get("css_apply_ms", float("nan"))
            )
            record.setdefault("demo: FooterKey._watch_compact calls (whole run)", []).append(
                info.get("watch_compact_calls", float("nan"))
            )
        finally:
            pane.close()


# -- scale -----------------------------------------------------------------------------------

SCALE = {"workspaces": 4, "tasks": 500, "active": 20, "images": 100_000}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def scale_simulator(qps: float) -> Iterator[str]:
    import httpx

    port = free_port()
    cmd = [
        sys.executable, "-m", "koomap_tui.sim.cli", "--port", str(port), "--scenario", "scale",
        "--speed", "1", "--qps-limit", f"{qps:g}",
        "--scale-workspaces", str(SCALE["workspaces"]), "--scale-tasks", str(SCALE["tasks"]),
        "--scale-active", str(SCALE["active"]), "--scale-images", str(SCALE["images"]),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    "simulator died: " + (proc.stderr.read().decode()[-500:] if proc.stderr else "")
                )
            try:
                if httpx.get(base + "/_sim/status", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("simulator not ready")
            time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)


def scale_config(tmp: Path, base: str, qps: float) -> Path:
    from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK

    path = tmp / "config.toml"
    path.write_text(
        'default_profile = "bench"\n\n[profiles.bench]\n'
        f'endpoint = "{base}"\nauth = "aksk"\nproject_id = "{DEMO_PROJECT_ID}"\n'
        f'ak = "{DEMO_AK}"\nsk = "{DEMO_SK}"\nqps = {qps:g}\nenvironment = "BENCH"\n'
    )
    path.chmod(0o600)
    return path


def scale_run(record: dict[str, list[float]], base: str, qps: float, tag: str) -> None:
    with tempfile.TemporaryDirectory(prefix="felt-", ignore_cleanup_errors=True) as name:
        tmp = Path(name)
        pane = Pane(f"scale{int(qps)}")
        try:
            config = scale_config(tmp, base, qps)
            argv = [
                sys.executable,
                str(PROBE),
                "--config",
                str(config),
                "--audit-file",
                str(tmp / "audit.jsonl"),
            ]
            since = pane.start(argv, base_env(tmp))
            seconds, _ = pane.wait(both(crumb("workspaces"), row_text("scale_ws_000")), since)
            record.setdefault(f"scale{tag}: launch -> workspace rows", []).append(seconds * 1000)
            time.sleep(0.5)
            gc_before = len(probe(tmp / "probe.json").get("gc", []))
            lines = switch(
                pane,
                ["Enter"],
                both(crumb("tasks"), tasks_loaded(SCALE["tasks"])),
                record,
                f"scale{tag}: Enter -> 500 task rows",
                f"scale{tag}: CPU per switch, Enter -> 500 tasks",
                first=crumb("tasks"),
            )
            del lines
            time.sleep(1.0)
            pauses = [ms for _, _gen, ms in probe(tmp / "probe.json").get("gc", [])[gc_before:]]
            record.setdefault(f"scale{tag}: longest GC pause, 500-task load (ms)", []).append(
                max(pauses, default=0.0)
            )
            if tag:
                return
            time.sleep(0.5)
            command(pane, "images")
            switch(
                pane,
                ["Enter"],
                both(crumb("data"), lambda lines: any("image sets" in x for x in lines[:3])),
                record,
                "scale: :images Enter -> view",
            )
            time.sleep(0.5)
            switch(pane, ["3"], row_text("_scale_"), record, "scale: 3 -> satellite image rows")
            time.sleep(1.0)
            gc_before = len(probe(tmp / "probe.json").get("gc", []))
            last = f"{SCALE['images']}"
            switch(
                pane,
                ["G"],
                row_matches(rf"^\s*{last} \S+_scale_0+_"),
                record,
                "scale: G -> last of 100,000 images",
                "scale: CPU per switch, G",
                first=row_matches(rf"^\s*{last} "),
            )
            time.sleep(2.0)
            info = probe(tmp / "probe.json")
            pauses = [ms for _, _gen, ms in info.get("gc", [])[gc_before:]]
            record.setdefault("scale: longest GC pause after G (ms)", []).append(
                max(pauses, default=0.0)
            )
            record.setdefault("scale: peak RSS after G (MB; pages read so far only)", []).append(
                pane.peak_rss_mb()
            )
        finally:
            pane.close()


def tasks_loaded(total: int) -> Check:
    """The tasks view holds all `total` rows: the summary counts them and a row is shown."""
    return lambda lines: (
        any(f"total {total}" in line for line in lines[:3])
        and any("scale_task_" in line for line in lines[3:-2])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["demo", "scale"])
    parser.add_argument("--label", default="", help="tag written into every record")
    parser.add_argument(
        "--no-qps20", action="store_true", help="scale: skip the runs at 20 qps (quicker A/B runs)"
    )
    args = parser.parse_args()
    record: dict[str, list[float]] = {}
    load_before = loadavg()
    errors: list[str] = []
    if args.only in (None, "demo"):
        for _ in range(args.runs):
            try:
                demo_run(record)
            except Exception as exc:  # one failed run is reported, the others still count
                errors.append(f"demo: {exc}"[:400])
    if args.only in (None, "scale"):
        with scale_simulator(20) as base:
            for _ in range(args.runs):
                try:
                    scale_run(record, base, 10, "")
                except Exception as exc:
                    errors.append(f"scale: {exc}"[:400])
            for _ in range(0 if args.no_qps20 else args.runs):
                try:
                    scale_run(record, base, 20, " (qps 20)")
                except Exception as exc:
                    errors.append(f"scale20: {exc}"[:400])
    for step, values in record.items():
        print(
            json.dumps(
                {
                    "figure": "felt_latency",
                    "step": step,
                    "label": args.label,
                    "runs": len(values),
                    "p50": round(percentile(values, 0.5), 1),
                    "p95": round(percentile(values, 0.95), 1),
                    "values": [round(v, 1) for v in values],
                    "load_before": load_before,
                    "load_after": loadavg(),
                },
                ensure_ascii=False,
            ),
            flush=True,
        )
    for error in errors:
        print(json.dumps({"figure": "felt_latency", "error": error}, ensure_ascii=False))


if __name__ == "__main__":
    main()
