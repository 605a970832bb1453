"""The whole console fed hostile names and messages by a (mock) server: nothing crashes, no
escape sequence reaches the terminal, Rich markup in a name is shown literally."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from koomap_tui.api.client import KooMapClient
from koomap_tui.services.actions import ActionRunner
from koomap_tui.ui.app import KooMapApp
from koomap_tui.ui.context import ConsoleContext
from tests.property.strategies import NASTY
from tests.ui.helpers import open_workspace, screen_text, table, wait_for

ACTIVE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
NAMES = [n for n in NASTY if n.strip()][:14]
PAGE = {"offset": 0, "limit": 100, "total": len(NAMES)}
STATES = ["RUNNING", "FAILED", "SUCCESS", "BRAND_NEW_STATE", "\x1b[31mRED"]


def task(i: int, name: str) -> dict[str, Any]:
    return {
        "task_id": f"{i:032x}",
        "task_name": name,
        "task_status": STATES[i % len(STATES)],
        "task_type": "REAL3D-\x1b[2J",
        "modeling_type": "[b]Mesh[/b]",
        "task_progress": "0.5" if i % 2 else None,
        "fail_message": f"[bold red]{name}[/] \x1b]0;title\x07",
        "create_time": "2026-01-01T00:00:00Z" if i % 3 else None,
        "AT_progress": "0.1",
    }


def handler(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/v1/workspaces":
        data = [{"workspace_id": f"w{i}", "workspace_name": n} for i, n in enumerate(NAMES)]
        body: Any = {"data": data, "page": PAGE}
    elif path.endswith("/tasks/overview"):
        body = {"total_count": 99, "running_count": -1, "success_count": 0, "failed_count": 0,
                "archived_count": 0}  # fmt: skip
    elif re.fullmatch(r"/v1/real3d/[^/]+/tasks", path):
        body = {"tasks": [task(i, n) for i, n in enumerate(NAMES)], "page": PAGE}
    else:
        error = {"error_code": "KMP.\x1b[31m1", "error_msg": "[bold]boom[/] \x1b[2J\u202eevil"}
        return httpx.Response(400, content=json.dumps(error).encode())
    return httpx.Response(200, content=json.dumps(body).encode())


def visible(app: KooMapApp) -> str:
    strips = app.screen._compositor.render_strips()
    return "".join(seg.text for strip in strips for seg in strip)


async def test_hostile_names_render_inert_everywhere() -> None:
    client = KooMapClient(
        "http://koomap.invalid", None, transport=httpx.MockTransport(handler), max_retries=0
    )
    ctx = ConsoleContext(
        client=client,
        runner=ActionRunner(None, profile="t", operator="t"),
        fast_interval=0.5,
        slow_interval=1.0,
    )
    app = KooMapApp(ctx)
    async with app.run_test(size=(180, 45)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkspacesScreen")
        await wait_for(pilot, lambda: table(pilot).total_row_count == len(NAMES))
        await pilot.pause(0.5)
        seen = [visible(app)]
        assert "[bold red]markup[/]" in seen[0]  # markup shown as typed
        await open_workspace(pilot, "\u202egnp.exe")  # its name goes into the header too
        await pilot.pause(0.5)
        seen.append(visible(app))
        for _ in range(len(NAMES)):
            await pilot.press("down")
        await pilot.press("enter")  # task detail with the hostile fail message
        await pilot.pause(0.5)
        seen.append(visible(app))
        seen.extend(f"{n.title} {n.message}" for n in app._notifications)
        assert app._exception is None and app.is_running
        text = screen_text(pilot)
    for screen in seen:
        assert not ACTIVE.search(screen), repr(ACTIVE.search(screen))
    assert "\\x1b" in "".join(seen)  # escapes are shown, as text
    assert text


async def test_one_malformed_task_keeps_the_good_rows_and_never_crashes() -> None:
    """Per-row parsing (issue 12 item 8): a wrong type in one task keeps that row aside (with
    its field) instead of rejecting the page; the hostile value never acts on the terminal."""

    def broken(request: httpx.Request) -> httpx.Response:
        if re.fullmatch(r"/v1/real3d/[^/]+/tasks", request.url.path):
            bad = [task(0, "ok"), {**task(1, "bad"), "task_progress": "[red]x\x1b[2J"}]
            return httpx.Response(200, content=json.dumps({"tasks": bad, "page": PAGE}).encode())
        return handler(request)

    client = KooMapClient(
        "http://koomap.invalid", None, transport=httpx.MockTransport(broken), max_retries=0
    )
    ctx = ConsoleContext(
        client=client, runner=ActionRunner(None, profile="t", operator="t"), fast_interval=0.5
    )
    app = KooMapApp(ctx)
    async with app.run_test(size=(180, 45)) as pilot:
        await wait_for(pilot, lambda: table(pilot).total_row_count == len(NAMES))
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TasksScreen")
        # The good row, and the bad one shown marked in its place (issue 12 §3.8, UI).
        await wait_for(pilot, lambda: table(pilot).total_row_count == 2)
        await wait_for(pilot, lambda: "unreadable: task_progress" in visible(app))
        assert not any("CLIENT.MALFORMED" in n.message for n in app._notifications)
        assert not ACTIVE.search(visible(app))
        assert app._exception is None and app.is_running
