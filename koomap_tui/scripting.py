"""`koomap-tui get ...` and `koomap-tui wait ...`: the console's reads, for scripts.

    koomap-tui [--demo|--profile P ...] get tasks|workspaces|sat|images [--workspace NAME|ID]
                                            [-o table|json|csv]
    koomap-tui [--demo|--profile P ...] wait TASK_ID --until SUCCESS [--timeout 2h]

Both go through the session the console uses (same profile settings, credential chain, client
with its rate limit and retries, and the read-only guard) and the console's poll sources, so a
script sees what the console shows. They only read, so, as in the console, they write no audit
records. `wait` exits 0 when the task reaches the state, 1 when it reaches a failure state or
another state it will not leave by itself (or disappears), 2 on timeout; like every command,
2 also for a usage error. docs/scripting.md has examples.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, TextIO

from koomap_tui.domain.states import STATES, Category, Kind, is_terminal, state_info, state_key

COMMANDS = ("get", "wait")
RESOURCES = ("tasks", "workspaces", "sat", "images")
FORMATS = ("table", "json", "csv")
EXIT_REACHED = 0
EXIT_FAILED = 1
EXIT_TIMEOUT = 2
EXIT_USAGE = 2

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$")


def parse_duration(text: str) -> float:
    """`2h`, `90m`, `1h30m`, `45s`, `45` -> seconds."""
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 2h, 30m, 1h30m, 45s)")
    h, m, s = (float(g) if g else 0.0 for g in match.groups())
    seconds = h * 3600 + m * 60 + s
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the timeout must be above 0")
    return seconds


def _state(text: str) -> str:
    value = text.strip().upper()
    if value not in STATES[Kind.REAL3D_TASK]:
        known = ", ".join(STATES[Kind.REAL3D_TASK])
        raise argparse.ArgumentTypeError(f"unknown task state {text!r}; one of {known}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="koomap-tui", add_help=True)
    sub = p.add_subparsers(dest="script", required=True)
    get = sub.add_parser("get", help="print tasks, workspaces, satellite tasks or image sets")
    get.add_argument("resource", choices=RESOURCES)
    get.add_argument("--workspace", help="workspace name or id (default: every workspace)")
    get.add_argument("-o", "--output", choices=FORMATS, default="table")
    wait = sub.add_parser("wait", help="wait until a Real3D task reaches a state")
    wait.add_argument("task_id")
    wait.add_argument("--until", type=_state, default="SUCCESS", help="state (default SUCCESS)")
    wait.add_argument("--timeout", type=parse_duration, default=24 * 3600.0, help="e.g. 2h")
    wait.add_argument("--workspace", help="the task's workspace name or id (default: search)")
    return p


def split_command(argv: Sequence[str], global_parser: argparse.ArgumentParser) -> int | None:
    """Index of `get`/`wait` in argv when it is the first positional word, else None.

    Global flags may come first (`--demo`, `--profile P`); which of them take a value is read
    from the global parser, so `--profile get` is a profile named "get", not the command.
    """
    takes_value = {
        opt
        for action in global_parser._actions
        if action.nargs != 0 and action.option_strings
        for opt in action.option_strings
    }
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            return None
        if word.startswith("-"):
            if word in takes_value:
                i += 1
            i += 1
            continue
        return i if word in COMMANDS else None
    return None


# ---------------------------------------------------------------------------------- output
def _time(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def _rows(resource: str, items: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for ws_name, x in items:
        if resource == "workspaces":
            rows.append(
                {
                    "id": x.workspace_id,
                    "name": x.workspace_name,
                    "description": x.workspace_description,
                    "star": bool(x.star),
                    "created": _time(x.create_time),
                    "updated": _time(x.update_time),
                }
            )
        elif resource == "tasks":
            rows.append(
                {
                    "workspace": ws_name,
                    "id": x.task_id,
                    "name": x.task_name,
                    "state": state_key(x.task_status),
                    "progress": _pct(x.task_progress),
                    "stage": f"{x.complete_stage or 0}/{x.total_stage or 0}",
                    "type": state_key(x.task_type),
                    "modeling": state_key(x.modeling_type),
                    "created": _time(x.create_time),
                    "updated": _time(x.update_time),
                    "fail_message": x.fail_message or "",
                }
            )
        elif resource == "sat":
            rows.append(
                {
                    "workspace": ws_name,
                    "id": x.task_id,
                    "name": x.task_name,
                    "state": state_key(x.task_status),
                    "progress": _pct(x.task_progress),
                    "level": state_key(x.production_level),
                    "created": _time(x.create_time),
                    "fail_message": x.fail_message or "",
                }
            )
        else:
            rows.append(
                {
                    "code": x.folder_code,
                    "name": x.folder_name,
                    "alias": x.folder_alias,
                    "state": state_info(Kind.FOLDER, x.status).label_en,
                    "created": _time(x.create_time),
                }
            )
    return rows


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # One line per row in a terminal; no formula in a spreadsheet.
    text = text.replace("\r", " ").replace("\n", " ")
    return text


def _csv_cell(value: object) -> str:
    text = _cell(value)
    if text and text[0] in "=+-@\t":
        return "'" + text
    return text


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_rows(rows: list[dict[str, Any]], fmt: str, out: TextIO, columns: Sequence[str]) -> None:
    if fmt == "json":
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(c)) for c in columns])
        return
    table = [[c.upper() for c in columns]] + [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(_width(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        cells = [text + " " * (widths[i] - _width(text)) for i, text in enumerate(line)]
        out.write("  ".join(cells).rstrip() + "\n")


COLUMNS: dict[str, tuple[str, ...]] = {
    "workspaces": ("id", "name", "description", "star", "created", "updated"),
    "tasks": (
        "workspace", "id", "name", "state", "progress", "stage", "type", "modeling",
        "created", "updated", "fail_message",
    ),
    "sat": ("workspace", "id", "name", "state", "progress", "level", "created", "fail_message"),
    "images": ("code", "name", "alias", "state", "created"),
}  # fmt: skip


# ---------------------------------------------------------------------------------- commands
async def _workspaces(client: Any, ref: str | None) -> list[Any]:
    from koomap_tui.services.fleet import list_all_workspaces
    from koomap_tui.services.resolve import resolve_workspace

    if ref:
        return [await resolve_workspace(client, ref)]
    found, _ = await list_all_workspaces(client)
    return list(found.values())


async def get(client: Any, resource: str, workspace: str | None) -> list[dict[str, Any]]:
    from koomap_tui.services.sources import Real3DTaskSource, SatelliteTaskSource

    items: list[tuple[str, Any]] = []
    if resource == "workspaces":
        items = [("", ws) for ws in await _workspaces(client, workspace)]
    elif resource in ("tasks", "sat"):
        for ws in await _workspaces(client, workspace):
            source: Any = (
                Real3DTaskSource(client, ws.workspace_id)
                if resource == "tasks"
                else SatelliteTaskSource(client, ws.workspace_id)
            )
            result = await source.fetch(None)
            items += [(ws.workspace_name or ws.workspace_id, x) for x in result.items.values()]
    else:
        offset = 0
        while True:
            page = await client.list_folder(offset=offset, limit=100)
            items += [("", f) for f in page.folders]
            offset += len(page.folders)
            if not page.folders or offset >= page.page.total:
                break
    return _rows(resource, items)


async def _find_task(client: Any, task_id: str, workspace: str | None) -> tuple[str, Any]:
    for ws in await _workspaces(client, workspace):
        page = await client.list_tasks_in_workspace(
            ws.workspace_id, task_ids=[task_id], limit=10, task_status=_ALL_STATES
        )
        for task in page.tasks:
            if task.task_id == task_id:
                return ws.workspace_id, task
    raise LookupError(f"no Real3D task with id {task_id!r}")


_ALL_STATES = list(STATES[Kind.REAL3D_TASK])


def wait_outcome(state: str, until: str) -> int | None:
    """Exit status once `state` is seen while waiting for `until`, or None to keep waiting."""
    if state == until:
        return EXIT_REACHED
    if state_info(Kind.REAL3D_TASK, state).category is Category.FAILED:
        return EXIT_FAILED
    if is_terminal(Kind.REAL3D_TASK, state) and state != "INIT":
        return EXIT_FAILED  # e.g. STOP_SUCCESS or ARCHIVED: it will not move by itself
    return None


async def wait(
    client: Any,
    task_id: str,
    until: str,
    timeout: float,
    interval: float,
    workspace: str | None,
    err: TextIO,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    deadline = clock() + timeout
    ws_id, task = await _find_task(client, task_id, workspace)
    last = None
    while True:
        state = state_key(task.task_status)
        if state != last:
            progress = f" {_pct(task.task_progress)}" if task.task_progress is not None else ""
            err.write(f"{task.task_name or task_id}: {state}{progress}\n")
            err.flush()
            last = state
        outcome = wait_outcome(state, until)
        if outcome is not None:
            if outcome != EXIT_REACHED and task.fail_message:
                err.write(f"{task.fail_message}\n")
            return outcome
        left = deadline - clock()
        if left <= 0:
            err.write(f"timed out waiting for {until} (still {state})\n")
            return EXIT_TIMEOUT
        await asyncio.sleep(min(interval, left))
        page = await client.list_tasks_in_workspace(
            ws_id, task_ids=[task_id], limit=10, task_status=_ALL_STATES
        )
        found = [t for t in page.tasks if t.task_id == task_id]
        if not found:
            err.write(f"task {task_id} is gone\n")
            return EXIT_FAILED
        task = found[0]


# ---------------------------------------------------------------------------------- entry
@contextlib.contextmanager
def _session(args: argparse.Namespace) -> Iterator[Any]:
    from koomap_tui.cli import _ask_password, demo_simulator
    from koomap_tui.session import demo_session, profile_session

    with contextlib.ExitStack() as stack:
        if args.demo:
            sim = stack.enter_context(demo_simulator(args.seed, args.speed))
            yield demo_session(sim, args)
        else:
            yield profile_session(args, ask_password=_ask_password)


async def _run(args: argparse.Namespace, cmd: argparse.Namespace, session: Any) -> int:
    async with session.client as client:
        if cmd.script == "get":
            rows = await get(client, cmd.resource, cmd.workspace or args.workspace)
            write_rows(rows, cmd.output, sys.stdout, COLUMNS[cmd.resource])
            return 0
        interval = args.interval or session.fast_interval
        return await wait(
            client,
            cmd.task_id,
            cmd.until,
            cmd.timeout,
            interval,
            cmd.workspace or args.workspace,
            sys.stderr,
        )


def run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run `get`/`wait` (argv from the command word on) with the global flags in `args`."""
    from koomap_tui.errors_text import describe
    from koomap_tui.services.resolve import WorkspaceNotFound

    cmd = build_parser().parse_args(list(argv))
    try:
        with _session(args) as session:
            return asyncio.run(_run(args, cmd, session))
    except BrokenPipeError:  # `koomap-tui get tasks | head`: the reader has had enough
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except (WorkspaceNotFound, LookupError) as exc:
        print(f"koomap-tui: {exc}", file=sys.stderr)
        return EXIT_FAILED if cmd.script == "wait" else EXIT_USAGE
    except Exception as exc:
        print(f"koomap-tui: {describe(exc)}", file=sys.stderr)
        return EXIT_USAGE


def rows_text(rows: list[dict[str, Any]], fmt: str, resource: str) -> str:
    out = io.StringIO()
    write_rows(rows, fmt, out, COLUMNS[resource])
    return out.getvalue()
