"""Start-up cost: what the console imports before its first frame, checked in a fresh interpreter.

Without `--demo` nothing of the simulator's stack (koomap_tui.sim, Starlette, uvicorn) may be
imported, and the API's response/request models are built on first use (pydantic
`defer_build`), not at import. benchmarks/import_time.py measures the time; this guards the rule.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

#: Every module `cli.run_console` imports before the app starts, without --demo.
CONSOLE_PATH = (
    "koomap_tui.cli",
    "koomap_tui.session",
    "koomap_tui.config",
    "koomap_tui.services.actions",
    "koomap_tui.services.audit",
    "koomap_tui.ui.context",
    "koomap_tui.ui.app",
)


def fresh_interpreter(code: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_console_path_without_demo_imports_no_simulator_stack() -> None:
    found = fresh_interpreter(
        f"""
        import json, sys
        for name in {CONSOLE_PATH!r}:
            __import__(name)
        from koomap_tui.cli import build_parser
        build_parser().parse_args(["--profile", "prod"])
        stack = [m for m in sys.modules
                 if m.startswith("koomap_tui.sim") or m.split(".")[0] in ("starlette", "uvicorn")]
        print(json.dumps({{"stack": stack, "textual": "textual" in sys.modules}}))
        """
    )
    assert found["textual"] is True  # the probe did import the console itself
    assert found["stack"] == []


def test_the_console_path_skips_the_httpx_command_line_client() -> None:
    found = fresh_interpreter(
        f"""
        import json, sys
        for name in {CONSOLE_PATH!r}:
            __import__(name)
        import httpx
        cli_stack = sorted(m for m in sys.modules if m.split(".")[0] in ("click", "pygments"))
        client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(204)))
        print(json.dumps({{"cli_stack": cli_stack, "httpx": "httpx" in sys.modules,
                           "status": client.get("http://127.0.0.1/").status_code,
                           "main": callable(httpx.main)}}))
        """
    )
    assert found["httpx"] is True
    assert found["cli_stack"] == []  # httpx._main (click, pygments) was not imported
    assert found["status"] == 204 and found["main"] is True  # httpx itself works as before


def test_api_models_are_built_on_first_use() -> None:
    found = fresh_interpreter(
        f"""
        import json
        for name in {CONSOLE_PATH!r}:
            __import__(name)
        from koomap_tui.api import models
        from pydantic import BaseModel
        built = sorted(
            name for name, obj in vars(models).items()
            if isinstance(obj, type) and issubclass(obj, BaseModel)
            and obj.__pydantic_complete__
            and issubclass(obj, (models._base.WireModel, models._base.RequestModel))
        )
        task = models.Real3DTask.model_validate({{"task_id": "t1", "task_status": "RUNNING"}})
        print(json.dumps({{"built": built, "task": task.task_id,
                           "after_use": models.Real3DTask.__pydantic_complete__}}))
        """
    )
    assert found["built"] == []
    assert found["task"] == "t1"
    assert found["after_use"] is True
