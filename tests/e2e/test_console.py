"""The real `koomap-tui --demo` in a real terminal (tmux), at 80x24 and at 200x50.

What is checked is what an operator reads off the screen (`capture-pane -p`) after pressing
keys, plus how the process ends: exit status 0 and a terminal left as it was found.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import shlex
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from koomap_tui.api.auth import AkSkAuth
from koomap_tui.api.client import KooMapClient
from koomap_tui.sim.tenants import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from tests.e2e.conftest import SIZES, console_argv, console_env
from tests.e2e.terminal import Terminal, ended

Launch = Callable[..., Terminal]

TASK_STATES = (
    "INIT", "PENDING", "STARTING", "START_FAILED", "RUNNING", "SUCCESS", "FAILED", "STOPPING",
    "STOP_SUCCESS", "ARCHIVED", "BUNDLE_SUCCESS",
)  # fmt: skip
STATE_WORD = re.compile(r"(?<![A-Z_])(" + "|".join(TASK_STATES) + r")(?![A-Z_])")
ENDPOINT = re.compile(r"@ (127\.0\.0\.1:\d+)")


def state_words(screen: str) -> set[str]:
    return set(STATE_WORD.findall(screen))


def workspaces_screen(term: Terminal) -> str:
    """Wait for the start screen with its rows loaded (the pinned workspaces come first)."""
    return term.wait_for(
        lambda s: "› workspaces" in s and "城市更新_一期" in s and "river_corridor" in s
    )


def open_workspace(term: Terminal, name: str) -> str:
    """Cursor down to the workspace's row, Enter, and wait for its task table."""
    screen = workspaces_screen(term)
    lines = screen.splitlines()
    header = next(i for i, line in enumerate(lines) if " Name " in line)
    row = next(i for i, line in enumerate(lines) if name in line and i > header)
    term.keys("Home")
    for _ in range(row - header - 1):
        term.keys("Down")
    term.keys("Enter")
    return term.wait_for(lambda s: "total " in s and name in s and bool(state_words(s)))


def filter_to(term: Terminal, name: str) -> str:
    """`/` + the task's name + Enter leaves that one row, under the cursor."""
    term.type("/")
    term.wait_for("filter by name")
    term.type(name)
    term.keys("Enter")

    def closed(screen: str) -> bool:
        # While the filter box is open the name is on three lines: summary, box and row.
        lines = [line for line in screen.splitlines() if name in line]
        return f"/{name}]" in screen and len(lines) == 2

    return term.wait_for(closed)


def row_of(screen: str, name: str) -> str:
    return next((line for line in screen.splitlines() if name in line), "")


# -- workspaces, tasks, detail -----------------------------------------------------------------
def test_workspaces_then_tasks_with_state_words_then_detail(launch: Launch) -> None:
    term = launch()
    screen = workspaces_screen(term)
    for name in ("survey_east_2024", "城市更新_一期", "river_corridor", "sandbox_empty"):
        assert name in screen
    assert "DEMO" in screen  # the badge says this is not a real cloud

    screen = open_workspace(term, "城市更新_一期")
    assert "total 9" in screen
    # Finished tasks keep their state however fast the demo clock runs.
    words = state_words(screen)
    assert {"FAILED", "START_FAILED", "SUCCESS"} <= words, words
    assert len(words) >= 4, words
    assert "西区_倾斜建模" in screen  # Chinese names render (wide glyphs)

    first = term.capture().splitlines()
    header = next(i for i, line in enumerate(first) if " Name " in line and "State" in line)
    task_name = first[header + 1].split()[0]
    term.keys("Enter")
    screen = term.wait_for(lambda s: "Modeling params" in s)
    assert task_name in screen and "Created" in screen
    term.keys("Escape")
    term.wait_for(lambda s: "total 9" in s and "Modeling params" not in s)


# -- stop: confirmation, pending mark, new state -----------------------------------------------
async def _ids(base_url: str, workspace: str, task: str) -> tuple[str, str]:
    auth = AkSkAuth(DEMO_AK, SecretStr(DEMO_SK), project_id=DEMO_PROJECT_ID)
    async with KooMapClient(base_url, auth, max_retries=0) as client:
        spaces = await client.list_common_workspace(workspace_name=workspace, limit=50)
        ws = next(w for w in spaces.data if w.workspace_name == workspace)
        tasks = await client.list_tasks_in_workspace(ws.workspace_id, task_name=task, limit=50)
        return ws.workspace_id, next(t for t in tasks.tasks if t.task_name == task).task_id


def slow_down_stop(screen: str, workspace: str, task: str, latency_ms: int) -> None:
    """Make the simulator answer this task's stop call slowly, via its admin API.

    The pending mark is shown from `y` until a poll sees the new state; on loopback that is a
    few milliseconds, too short to read off a screen, so the answer is held back a little.
    """
    match = ENDPOINT.search(screen)
    assert match, screen
    base_url = f"http://{match.group(1)}"
    ws_id, task_id = asyncio.run(_ids(base_url, workspace, task))
    prefix = f"/v1/real3d/{ws_id}/tasks/{task_id}/stop"
    answer = httpx.post(
        f"{base_url}/_sim/faults", json={"latency_ms": latency_ms, "path_prefix": prefix}
    )
    assert answer.status_code == 200, answer.text


def test_stop_asks_then_marks_pending_then_shows_new_state(launch: Launch, tmp_path: Path) -> None:
    term = launch()
    slow_down_stop(workspaces_screen(term), "survey_east_2024", "east_block_fine", 1500)
    open_workspace(term, "survey_east_2024")
    screen = filter_to(term, "east_block_fine")
    assert "RUNNING" in row_of(screen, "east_block_fine")

    term.type("x")
    screen = term.wait_for("Yes (y)")
    assert "No (n)" in screen and "east_block_fine" in screen
    assert "RUNNING" in row_of(screen, "east_block_fine") or "Yes (y)" in screen
    term.type("y")
    screen = term.wait_for("⏳ stopping…", timeout=5)
    assert "Yes (y)" not in screen  # the dialog closed
    screen = term.wait_for(
        lambda s: bool({"STOPPING", "STOP_SUCCESS"} & state_words(row_of(s, "east_block_fine")))
    )
    assert "⏳" not in row_of(screen, "east_block_fine")
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [r["operation"] for r in audit if r["outcome"] == "ok"] == ["StopReal3DTask"]


# -- the terminal goes away -------------------------------------------------------------------
@pytest.mark.parametrize("size", [SIZES[0]], ids=["80x24"])  # a hang-up knows no screen size
def test_hangup_ends_the_program(launch: Launch) -> None:
    term = launch()
    workspaces_screen(term)
    console = [p for p in term.processes() if "koomap-tui" in " ".join(p.cmdline())]
    assert console
    term.tmux("kill-session")  # the pane's terminal closes: its processes get SIGHUP
    deadline = time.monotonic() + 5
    while not all(map(ended, console)) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = [p.pid for p in console if not ended(p)]
    assert not alive, f"still running after SIGHUP: {alive}"


# -- one session through every view (shared by the tests below, in order) ----------------------
# Starting the console costs seconds on a busy machine, so one program per terminal size is
# driven through the views; each test first goes where it needs to be.

# The shell compares the tty settings before and after, then shows the exit status.
QUIT_SCRIPT = (
    "before=$(stty -g); {cmd}; status=$?; after=$(stty -g);"
    ' [ "$after" = "$before" ] && echo TTY-RESTORED || echo "TTY-CHANGED $before $after";'
    ' echo "koomap-tui exited $status"; exit $status'
)


@pytest.fixture(scope="module", params=SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def tour(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Terminal]:
    term = Terminal(*request.param)
    try:
        tmp = tmp_path_factory.mktemp("tour")
        term.start([QUIT_SCRIPT.format(cmd=shlex.join(console_argv(tmp)))], console_env(tmp))
        open_workspace(term, "survey_east_2024")
        yield term
    finally:
        term.close()


def command(term: Terminal, text: str) -> str:
    term.type(":")
    term.wait_for("Tab completes")
    term.type(text)
    term.keys("Enter")
    return term.wait_gone("Tab completes")


def fresh_task_table(term: Terminal) -> str:
    """:ws, then Enter on survey_east_2024: a task table opened the way an operator opens it."""
    command(term, "ws")
    return open_workspace(term, "survey_east_2024")


HELP_TABLE = re.compile(r"Key +Action +Now")


def test_help_says_why_actions_are_disabled(tour: Terminal) -> None:
    fresh_task_table(tour)
    filter_to(tour, "east_block_fine")  # RUNNING: start, edit and delete are not allowed
    tour.type("?")
    screen = tour.wait_for(HELP_TABLE)
    assert "Keys" in screen and "available" in screen
    assert "✗ cannot start: the task is running" in screen
    assert "✗ cannot delete: the task is running" in screen
    tour.keys("Escape")
    tour.wait_for(lambda s: not HELP_TABLE.search(s))


# The view, the module that implements it, and words only that view shows (not the header's
# breadcrumb: at 80 columns it gives way to the workspace name).
VIEWS = [
    ("images", "images", ("Image sets", "Products")),
    ("sat", "satellite", ("unfinished", "Fail message")),
    ("sub", "subtasks", ("Refinement subtasks of east_block_fine",)),
    ("spurs", "spurs", ("Spurs of east_block_fine", "Control points")),
    ("usage", "usage", ("usage items", "Usage per item")),
    ("audit", "audit", ("audit",)),
    ("tasks", "tasks", ("total ", "[filter:")),
    ("ws", "workspaces", ("5 workspaces", "Enter opens its tasks")),
]


@pytest.mark.parametrize(("view", "module", "words"), VIEWS, ids=[v[0] for v in VIEWS])
def test_every_view_is_reachable_by_command(
    tour: Terminal, view: str, module: str, words: tuple[str, ...]
) -> None:
    if importlib.util.find_spec(f"koomap_tui.ui.screens.{module}") is None:
        pytest.skip(f"the :{view} view is not in this build (koomap_tui/ui/screens/{module}.py)")
    if view in ("sub", "spurs"):  # they act on the task under the table's cursor
        fresh_task_table(tour)
        filter_to(tour, "east_block_fine")
    command(tour, view)
    screen = tour.wait_for(lambda s: all(word in s for word in words))
    assert "not available" not in screen and "Traceback" not in screen


def test_command_mode_completes_and_rejects_unknown_names(tour: Terminal) -> None:
    fresh_task_table(tour)
    tour.type(":")
    screen = tour.wait_for("Tab completes")
    assert ":ws" in screen and ":tasks" in screen and ":audit" in screen
    # "s" alone is ambiguous (sub, spurs, sat); Tab takes the suggestion, "sub".
    tour.type("s")
    tour.wait_for(lambda s: any("sub" in line and ":sub" not in line for line in s.splitlines()))
    tour.keys("Tab", "Enter")
    tour.wait_gone("Tab completes")
    tour.wait_for("Refinement subtasks of")
    command(tour, "nowhere")
    tour.wait_for("unknown view ':nowhere'")
    command(tour, "ws")
    tour.wait_for("5 workspaces")


def test_tasks_view_keeps_every_row_after_visiting_another_view(tour: Terminal) -> None:
    first = fresh_task_table(tour)
    names = {n for n in ("east_block_fine", "east_block_mesh", "east_block_draft") if n in first}
    command(tour, "images")
    tour.wait_for("Image sets")
    command(tour, "tasks")
    tour.wait_for(lambda s: "[filter:" in s and all(n in s for n in names), timeout=5)


def test_q_quits_with_status_0_and_restores_the_terminal(tour: Terminal) -> None:
    fresh_task_table(tour)
    tour.type("q")
    # The status as the pane's shell saw it: tmux 3.3a now and then never marks the pane dead
    # (its shell stays an unreaped zombie), so the pane's own exit status cannot be waited for.
    screen = tour.wait_for(re.compile(r"koomap-tui exited \d+"), history=True)
    assert "koomap-tui exited 0" in screen, screen
    assert "TTY-RESTORED" in screen
    # The console's screen is gone: nothing of it is left in the pane.
    assert "koomap " not in screen and "profile demo" not in screen
    # Back on the normal screen, mouse reporting off.
    assert tour.info("#{alternate_on} #{mouse_any_flag}") == "0 0"
