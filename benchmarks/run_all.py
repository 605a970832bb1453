"""Run every benchmark, each in a fresh interpreter, and write the results as markdown.

    .venv/bin/python benchmarks/run_all.py            # full run (idle CPU over 30 s)
    .venv/bin/python benchmarks/run_all.py --quick    # idle 5 s, fewer repeats and sizes

Writes benchmarks/results.md, benchmarks/results.json, and replaces the results section of
docs/performance.md (between the `results:begin` / `results:end` markers). Figures (f) and (g)
come from other engineers' scripts, run here when present: benchmarks/poll_cost.py and
benchmarks/sim_throughput.py (each prints JSON objects, one per line).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
EXTERNAL = {
    "poll_cost": "(f) requests per poll cycle (500 tasks, 20 running)",
    "sim_throughput": "(g) simulator throughput",
}
SIZES = [1_000, 10_000, 50_000, 100_000]
#: VirtualTable, Textual's stock DataTable, and textual-fastdatatable (optional extra `bench`).
IMPLS = ("virtual", "stock", "fast")
NAMES = {"virtual": "VirtualTable", "stock": "stock DataTable", "fast": "textual-fastdatatable"}


def run_script(script: str, *args: str, timeout: float) -> list[dict[str, Any]]:
    """Run one benchmark script in a new interpreter; its JSON lines, or an error record."""
    command = [sys.executable, str(HERE / f"{script}.py"), *args]
    started = time.perf_counter()
    print("$", " ".join(command[1:]), file=sys.stderr, flush=True)
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return [{"figure": script, "error": f"timeout after {timeout:.0f} s", "args": args}]
    records = []
    for line in done.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    if done.returncode != 0 or not records:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [{"figure": script, "error": f"exit {done.returncode}: {tail}", "args": args}]
    elapsed = time.perf_counter() - started
    for record in records:
        record.setdefault("run_s", round(elapsed, 1))
    print("  ", json.dumps(records[-1]), file=sys.stderr, flush=True)
    return records


class Runner:
    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        self.results: list[dict[str, Any]] = []
        # Seconds per row of the stock table's first paint, to estimate the skipped sizes.
        self.stock_per_row: float | None = None

    def stock_allowed(self, rows: int, limit: int, repeats: int = 1) -> dict[str, Any] | None:
        """None when the stock table should run at `rows`, else a 'skipped' record."""
        if rows <= limit:
            return None
        estimate = ""
        if self.stock_per_row is not None:
            estimate = f" (est. > {self.stock_per_row * rows * repeats:.0f} s)"
        return {"skipped": f"skipped{estimate}", "rows": rows}

    def add(self, figure: str, impl: str, rows: int, *args: str, timeout: float = 900) -> None:
        limit = self.options.stock_max_rows
        if figure == "poll_apply":
            limit = self.options.stock_poll_max_rows
        if impl == "stock":
            polls = self.options.stock_polls if figure == "poll_apply" else 1
            skipped = self.stock_allowed(rows, limit, polls)
            if skipped is not None:
                self.results.append({"figure": figure, "impl": impl, **skipped})
                return
        records = run_script(figure, "--impl", impl, "--rows", str(rows), *args, timeout=timeout)
        for record in records:
            record.setdefault("impl", impl)
            record.setdefault("rows", rows)
        self.results.extend(records)
        if figure == "first_paint" and impl == "stock" and "ms" in records[-1]:
            self.stock_per_row = records[-1]["ms"] / 1000 / rows

    def run(self) -> None:
        o = self.options
        sizes = [1_000, 10_000, 50_000] if o.quick else SIZES
        for impl in IMPLS:
            for rows in sizes:
                self.add("first_paint", impl, rows)
        for impl in IMPLS:
            polls = str(o.stock_polls if impl == "stock" else o.polls)
            for rows in sizes:
                self.add("poll_apply", impl, rows, "--polls", polls)
            if impl == "fast":  # no sort+churn run: the peer can only remount (see _common)
                continue
            for rows in sizes:  # the harder diff: rows move under a sort, rows come and go
                sort = ["--sort", "task_status", "--churn", "10"]
                self.add("poll_apply", impl, rows, "--polls", polls, *sort)
        presses = "60" if o.quick else "200"
        for impl in IMPLS:
            for rows in [10_000, 50_000] if o.quick else SIZES:
                self.add("cursor_latency", impl, rows, "--presses", presses)
        self.add("cursor_latency", "virtual", 50_000, "--presses", presses, "--no-table-freeze")
        self.results.extend(run_script("scroll_floor", "--steps", presses, timeout=300))
        idle = ["--quick"] if o.quick else ["--seconds", str(o.idle_seconds)]
        for impl in IMPLS:
            self.add("idle_cpu", impl, o.idle_rows, *idle)
        for impl in IMPLS:
            for rows in sizes:
                self.add("peak_rss", impl, rows)
        self.add("peak_rss", "virtual", 50_000, "--slim")
        for rows in sizes:  # what the console really holds in a big list: satellite images
            self.add("peak_rss", "virtual", rows, "--images")
        # What the operator waits for in a real terminal, and the start-up imports.
        runs = "5"
        self.results.extend(run_script("felt_latency", "--runs", runs, timeout=1800))
        self.results.extend(run_script("import_time", timeout=600))
        self.results.extend(run_script("esc_delay", timeout=300))
        # Hook for figures owned by other engineers: run them when their scripts exist.
        for script in EXTERNAL:
            if (HERE / f"{script}.py").exists():
                records = run_script(script, timeout=900)
            else:
                records = [{"error": "script not present"}]
            for record in records:
                record["source"] = script
            self.results.extend(records)


# -- markdown --------------------------------------------------------------------------------


def find(results: list[dict[str, Any]], figure: str, impl: str, rows: int, **match: Any) -> Any:
    """The record of one measurement; `match` narrows on extra fields (a skip matches any)."""
    for record in results:
        if (
            record.get("figure") == figure
            and record.get("impl") == impl
            and record.get("rows") == rows
            and (
                "skipped" in record
                or all(record.get(k, default) == v for k, (v, default) in match.items())
            )
        ):
            return record
    return None


PLAIN = {
    "gc_freeze": (False, False),
    "no_table_freeze": (False, False),
    "sort": (None, None),
    "churn": (0, 0),
}
SORTED = {**PLAIN, "sort": ("task_status", None), "churn": (10, 0)}
MODELS = {"objects": ("model", None), **PLAIN}
IMAGES = {"objects": ("images", None), **PLAIN}


def cell(record: dict[str, Any] | None, key: str, unit: str = "", digits: int = 1) -> str:
    if record is None:
        return "not run"
    if "skipped" in record:
        return str(record["skipped"])
    if "error" in record:
        return f"error: {record['error']}"
    value = record.get(key)
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    return f"{value:,}{unit}"


def ratio(virtual: dict[str, Any] | None, stock: dict[str, Any] | None, key: str) -> str:
    try:
        assert virtual is not None and stock is not None
        v, s = float(virtual[key]), float(stock[key])
    except (AssertionError, KeyError, TypeError, ValueError):
        return ""
    if v <= 0:
        return ""
    return f"{s / v:,.0f}x"


def headline(results: list[dict[str, Any]], idle_rows: int) -> list[str]:
    rows = [
        ("(a) first paint, 50,000 rows", "< 250 ms", "first_paint", 50_000, "ms", " ms", PLAIN),
        ("(a) first paint, 100,000 rows", "", "first_paint", 100_000, "ms", " ms", PLAIN),
        (
            "(b) apply a poll changing 1% of 10,000 rows (median)",
            "< 10 ms",
            "poll_apply",
            10_000,
            "median_ms",
            " ms",
            PLAIN,
        ),
        (
            "(b) same, sorted by state, plus 10 tasks added and 10 removed",
            "",
            "poll_apply",
            10_000,
            "median_ms",
            " ms",
            SORTED,
        ),
        ("(c) cursor move p50, 50,000 rows", "", "cursor_latency", 50_000, "p50_ms", " ms", PLAIN),
        (
            "(c) cursor move p95, 50,000 rows",
            "< 16 ms",
            "cursor_latency",
            50_000,
            "p95_ms",
            " ms",
            PLAIN,
        ),
        (
            "(c) cursor move p95, CPU time only",
            "",
            "cursor_latency",
            50_000,
            "cpu_p95_ms",
            " ms",
            PLAIN,
        ),
        (
            "(c) cursor move, worst press",
            "",
            "cursor_latency",
            50_000,
            "max_ms",
            " ms",
            PLAIN,
        ),
        (
            "(c) cursor move p95 / worst, without the table's GC refreeze",
            "",
            "cursor_latency",
            50_000,
            "p95_ms",
            " ms",
            {"no_table_freeze": (True, False)},
        ),
        (
            f"(d) idle CPU, {idle_rows:,} rows shown",
            "< 1% of a core",
            "idle_cpu",
            idle_rows,
            "cpu_percent",
            " %",
            PLAIN,
        ),
        (
            "(e) peak RSS, 50,000 rows (satellite images: ImageRow + CompactImage, as the console)",
            "< 150 MB",
            "peak_rss",
            50_000,
            "peak_mb",
            " MB",
            IMAGES,
        ),
        (
            "(e) peak RSS, 50,000 rows (Real3DTask models; tasks tables hold <= 500)",
            "< 150 MB",
            "peak_rss",
            50_000,
            "peak_mb",
            " MB",
            MODELS,
        ),
    ]
    out = [
        "| Figure | Target | VirtualTable | Stock DataTable (clear + add_rows) | Stock / Virtual "
        "| textual-fastdatatable (remount) | Fast / Virtual |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, target, figure, size, key, unit, match in rows:
        v = find(results, figure, "virtual", size, **match)
        s = find(results, figure, "stock", size, **match)
        f = find(results, figure, "fast", size, **match)
        digits = 2 if figure in ("poll_apply", "cursor_latency", "idle_cpu") else 1
        virtual_cell = cell(v, key, unit, digits)
        if "no_table_freeze" in match and match["no_table_freeze"][0]:
            virtual_cell += f" / {cell(v, 'max_ms', unit, digits)}"
        out.append(
            f"| {label} | {target} | {virtual_cell} | {cell(s, key, unit, digits)} "
            f"| {ratio(v, s, key)} | {cell(f, key, unit, digits)} | {ratio(v, f, key)} |"
        )
    floor = next((r for r in results if r.get("figure") == "scroll_floor"), None)
    at = next(i for i, line in enumerate(out) if "GC refreeze" in line) + 1
    out.insert(
        at,
        "| (c) reference: Textual alone repainting a one-line scroll (trivial Line-API widget), "
        f"p50 / p95 | | {cell(floor, 'p50_ms', ' ms', 2)} / {cell(floor, 'p95_ms', ' ms', 2)} "
        "| | | | |",
    )
    slim = find(results, "peak_rss", "virtual", 50_000, objects=("slim", None))
    out.append(
        f"| (e) peak RSS, 50,000 rows (9-field slots rows) | < 150 MB "
        f"| {cell(slim, 'peak_mb', ' MB')} | | | | |"
    )
    return out


def external(results: list[dict[str, Any]]) -> list[str]:
    out = []
    for script, label in EXTERNAL.items():
        records = [r for r in results if r.get("source") == script]
        out.append(f"- {label}, from `benchmarks/{script}.py`:")
        out += [f"  - {external_summary(r)}" for r in records] or ["  - not run"]
    return out


def external_summary(record: dict[str, Any]) -> str:
    if "error" in record:
        return str(record["error"])
    skip = {"figure", "run_s", "source"}
    return ", ".join(f"{k}={v}" for k, v in record.items() if k not in skip)


def felt(results: list[dict[str, Any]]) -> list[str]:
    """The felt-latency steps (benchmarks/felt_latency.py) and the start-up imports."""
    records = [r for r in results if r.get("figure") == "felt_latency"]
    out = ["| Step (real terminal, tmux 200x50) | p50 | p95 | runs | load average before / after |"]
    out.append("|---|---|---|---|---|")
    for r in records:
        if "error" in r:
            out.append(f"| error: {str(r['error'])[:160]} | | | | |")
            continue
        load = f"{r.get('load_before', ['?'])[0]} / {r.get('load_after', ['?'])[0]}"
        out.append(f"| {r['step']} | {r['p50']:,} | {r['p95']:,} | {r['runs']} | {load} |")
    esc = [r for r in results if r.get("figure") == "esc_delay" and "error" not in r]
    if esc:
        out += ["", "A lone Esc in a pty, write -> key event (benchmarks/esc_delay.py):", ""]
        out += [
            f"- {r['driver']}, ESCDELAY {r['escdelay']}: p50 {r['p50_ms']} ms, "
            f"max {r['max_ms']} ms ({r['presses']} presses)"
            for r in esc
        ]
    for r in results:
        if r.get("figure") == "import_time" and "error" not in r:
            top = ", ".join(f"{name} {ms}" for name, ms in r["top10_cumulative_ms"])
            out.append("")
            out.append(
                f"Imports, `{r['set']}` set: min {r['min_ms']} ms, median {r['median_ms']} ms over "
                f"{r['runs']} fresh interpreters (load {r['load'][0]}); simulator stack imported: "
                f"{r['sim_stack_imported'] or 'none'}; top 10 cumulative (ms): {top}"
            )
    return out


def growth(results: list[dict[str, Any]]) -> list[str]:
    specs = [
        ("first paint (ms)", "first_paint", "ms", PLAIN),
        ("first paint, CPU (ms)", "first_paint", "cpu_ms", PLAIN),
        ("apply 1% poll, median (ms)", "poll_apply", "median_ms", PLAIN),
        ("apply 1% poll, CPU (ms)", "poll_apply", "cpu_median_ms", PLAIN),
        ("same, sorted, +10/-10 rows (ms)", "poll_apply", "median_ms", SORTED),
        ("same, sorted, +10/-10 rows, CPU (ms)", "poll_apply", "cpu_median_ms", SORTED),
        ("cursor p50 (ms)", "cursor_latency", "p50_ms", PLAIN),
        ("cursor p95 (ms)", "cursor_latency", "p95_ms", PLAIN),
        ("cursor p95, CPU (ms)", "cursor_latency", "cpu_p95_ms", PLAIN),
        ("cursor p95 within the page (ms)", "cursor_latency", "page_p95_ms", PLAIN),
        ("cursor p95 scrolling (ms)", "cursor_latency", "scroll_p95_ms", PLAIN),
        ("peak RSS (MB)", "peak_rss", "peak_mb", MODELS),
        ("of which row models (MB)", "peak_rss", "rows_objects_mb", MODELS),
        ("of which app + table (MB)", "peak_rss", "table_mb", MODELS),
        ("peak RSS, satellite images (MB)", "peak_rss", "peak_mb", IMAGES),
        ("of which images, source and poller dicts (MB)", "peak_rss", "rows_objects_mb", IMAGES),
        ("first paint: GC refreeze after it (ms)", "first_paint", "gc_refreeze_ms", PLAIN),
    ]
    header = "| Figure | " + " | ".join(f"{n:,} rows" for n in SIZES) + " |"
    out = [header, "|---|" + "---|" * len(SIZES)]
    virtual_only = {"peak RSS, satellite images (MB)", "first paint: GC refreeze after it (ms)"}
    virtual_only.add("of which images, source and poller dicts (MB)")
    for label, figure, key, match in specs:
        for impl in ("virtual",) if label in virtual_only else IMPLS:
            cells = []
            for size in SIZES:
                record = find(results, figure, impl, size, **match)
                digits = 2 if figure in ("poll_apply", "cursor_latency") else 1
                cells.append(cell(record, key, "", digits))
            name = NAMES[impl]
            out.append(f"| {label}, {name} | " + " | ".join(cells) + " |")
    return out


def machine_lines() -> list[str]:
    sys.path.insert(0, str(HERE))
    from _common import machine

    info = machine()
    try:
        with open("/proc/loadavg") as handle:
            load = handle.read().split()[:3]
    except OSError:
        load = ["?"]
    return [
        f"- Machine: {info['nproc']} CPUs ({info['cpu']}), {info['platform']}",
        f"- Python {info['python']}, Textual {info['textual']}",
        f"- Load average when the run ended: {' '.join(load)} (the machine is shared)",
    ]


def markdown(results: list[dict[str, Any]], options: argparse.Namespace, seconds: float) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    mode = "quick" if options.quick else "full"
    lines = [
        f"Run {stamp}, {mode} mode, {seconds:.0f} s in all; screen 200x50, headless.",
        "",
        *machine_lines(),
        "",
        *headline(results, options.idle_rows),
        "",
        "What the operator waits for (benchmarks/felt_latency.py, benchmarks/import_time.py):",
        "",
        *felt(results),
        "",
        "Growth with the number of rows:",
        "",
        *growth(results),
        "",
        "Figures measured by other engineers' scripts (run by this runner when present):",
        "",
        *external(results),
        "",
    ]
    errors = [r for r in results if "error" in r and "source" not in r]
    if errors:
        lines += ["Errors:", ""]
        lines += [f"- {r.get('figure')} {r.get('args', '')}: {r['error']}" for r in errors]
        lines.append("")
    return "\n".join(lines)


KEPT = "<!-- written by hand below; run_all.py keeps it -->"


def kept_section() -> str:
    """The hand-written part of results.md (before/after comparisons), carried over."""
    path = HERE / "results.md"
    if not path.exists():
        return ""
    old = path.read_text()
    return "\n" + KEPT + old.split(KEPT, 1)[1] if KEPT in old else ""


def update_doc(text: str) -> None:
    if not DOC.exists():
        return
    doc = DOC.read_text()
    if BEGIN not in doc or END not in doc:
        return
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="idle 5 s, fewer sizes and repeats")
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--idle-rows", type=int, default=10_000)
    parser.add_argument("--polls", type=int, default=5, help="polls per VirtualTable run")
    parser.add_argument("--stock-polls", type=int, default=2, help="polls per stock run")
    parser.add_argument(
        "--stock-max-rows", type=int, default=50_000, help="largest stock table to build"
    )
    parser.add_argument(
        "--stock-poll-max-rows",
        type=int,
        default=10_000,
        help="largest stock table to clear and refill per poll",
    )
    parser.add_argument("--no-doc", action="store_true", help="do not touch docs/performance.md")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the markdown from results.json"
    )
    options = parser.parse_args()
    if options.quick:
        options.polls = min(options.polls, 3)
        options.stock_polls = 1
    started = time.perf_counter()
    if options.report_only:
        results = json.loads((HERE / "results.json").read_text())
    else:
        runner = Runner(options)
        runner.run()
        results = runner.results
    text = markdown(results, options, time.perf_counter() - started)
    (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (HERE / "results.md").write_text("# Benchmark results\n\n" + text + kept_section())
    if not options.no_doc:
        update_doc(text)
    print(text)


if __name__ == "__main__":
    main()
