"""`koomap-tui`: parse flags, assemble the session, run the console; never a traceback.

Every failure before the console starts (bad flag, broken config, missing credentials) ends in
one clear message and exit status 2; with no credentials at all the message offers `--demo`.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import getpass
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from koomap_tui import __version__

EXIT_USAGE = 2

log = logging.getLogger("koomap_tui")


class UsageError(Exception):
    """A problem the operator can fix; its text is shown as is."""


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.5 <= value <= 3600:
        raise argparse.ArgumentTypeError("must be between 0.5 and 3600 seconds")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="koomap-tui",
        description="Keyboard-driven operations console for Huawei Cloud KooMap "
        "(Real3D production and satellite imagery).",
        epilog="For scripts: 'koomap-tui get tasks|workspaces|sat|images [--workspace NAME|ID] "
        "[-o table|json|csv]' and 'koomap-tui wait TASK_ID --until STATE [--timeout 2h]' "
        "(see 'koomap-tui get --help').",
    )
    p.add_argument("--version", action="version", version=f"koomap-tui {__version__}")
    p.add_argument(
        "--demo", action="store_true", help="start the built-in simulator and connect to it"
    )
    p.add_argument("--profile", help="configuration profile to use (default: the config's default)")
    p.add_argument("--config", type=Path, help="configuration file (default: platform config dir)")
    p.add_argument(
        "--theme",
        help="theme: koomap-dark, koomap-light, high-contrast, colour-blind, terminal-ansi",
    )
    p.add_argument("--read-only", action="store_true", help="refuse every mutating operation")
    p.add_argument(
        "--interval", type=_positive_float, help="poll interval in seconds while items run"
    )
    p.add_argument("--workspace", help="open this workspace (its name or id) directly")
    p.add_argument(
        "--insecure", action="store_true", help="do not verify TLS certificates (shows a warning)"
    )
    p.add_argument(
        "--bell", action="store_true", help="ring the terminal bell when a watched task changes"
    )
    p.add_argument(
        "--on-change",
        metavar="CMD",
        help="run CMD (split like a command line, run without a shell) for each change of a "
        "watched task, with the change as JSON on its standard input",
    )
    p.add_argument(
        "--on-change-timeout",
        type=_positive_float,
        metavar="SECONDS",
        help="kill the --on-change command after this long (default 10)",
    )
    p.add_argument("--log-file", type=Path, help="write a log (never secrets) to this file")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.add_argument("--audit-file", type=Path, help="audit log path (default: platform state dir)")
    p.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)
    p.add_argument("--speed", type=float, default=10.0, help=argparse.SUPPRESS)
    p.add_argument(
        "command",
        nargs="?",
        choices=["doctor"],
        help="doctor: check config, credentials and connectivity",
    )
    return p  # fmt: skip


def setup_logging(path: Path | None, level: str) -> None:
    from koomap_tui.logsafe import RedactingFilter

    root = logging.getLogger()
    root.handlers.clear()
    if path is None:
        root.addHandler(logging.NullHandler())
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    handler = logging.StreamHandler(os.fdopen(fd, "a", encoding="utf-8"))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)


@contextlib.contextmanager
def demo_simulator(seed: int, speed: float) -> Iterator[Any]:
    from koomap_tui.sim.server import SimServer

    live = {"live": True}  # the demo keeps producing work (sim/scenarios.py LiveDriver)
    with SimServer(
        seed=seed, scenario="demo", speed=speed, epoch="now", scenario_params=live
    ) as sim:
        yield sim


def default_audit_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir("koomap-tui")) / "audit.jsonl"


def check_audit_file(path: Path) -> None:
    """Refuse to start when the audit log cannot be written: no action without its record."""
    from koomap_tui.services.audit import AuditLog

    try:
        AuditLog(path).probe()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(
            f"the audit log {path} cannot be written ({reason}); "
            "fix it or choose another file with --audit-file"
        ) from None


def theme_names() -> list[str]:
    from koomap_tui.ui.themes import load_themes

    return sorted(load_themes())


def check_theme(name: str | None, where: str) -> None:
    if name is None:
        return
    names = theme_names()
    if name not in names:
        raise UsageError(f"unknown theme {name!r} ({where}); choose one of: {', '.join(names)}")


def on_change_command(args: argparse.Namespace, session: Any) -> Any:
    """The `--on-change` runner (the flag wins over the config's `on_change`), or None."""
    import shlex

    from koomap_tui.services.on_change import OnChangeRunner

    argv: list[str] = list(session.on_change)
    if args.on_change is not None:
        try:
            argv = shlex.split(args.on_change)
        except ValueError as exc:
            raise UsageError(f"--on-change: {exc}") from None
        if not argv:
            raise UsageError("--on-change: no program given")
    if not argv:
        return None
    return OnChangeRunner(argv, timeout=args.on_change_timeout or session.on_change_timeout)


def start_workspace(args: argparse.Namespace, session: Any) -> tuple[str | None, str | None]:
    """The workspace to open at start as (id, name): the flag, else the remembered one, else
    the config's. A name is resolved now; an unknown one is a usage error."""
    from koomap_tui.services.resolve import WorkspaceNotFound
    from koomap_tui.session import resolve_start_workspace

    ref = args.workspace or session.workspace_id
    if not ref:
        return None, None
    where = "--workspace" if args.workspace else "workspace in the configuration"
    try:
        return resolve_start_workspace(session, ref)
    except WorkspaceNotFound as exc:
        raise UsageError(f"{where}: {exc}") from None


def build_context(args: argparse.Namespace, sim: Any, history_dir: Path | None = None) -> Any:
    """Assemble client, runner and audit log for the console from flags, config and env.

    Precedence of what opens at start: flags, then what the last run remembered
    (services/remember.py), then the configuration."""
    from koomap_tui.services import remember
    from koomap_tui.services.actions import ActionRunner
    from koomap_tui.services.audit import AuditLog
    from koomap_tui.session import build_history, demo_session, profile_session
    from koomap_tui.ui.context import ConsoleContext

    if sim is not None:
        session = demo_session(sim, args)
        from koomap_tui.ui.format import use_clock

        use_clock(sim.core.clock.now)  # durations in the demo count on the simulator's clock
    else:
        session = profile_session(args, ask_password=_ask_password)
    memory: remember.RememberStore | None = None
    if session.remember:
        # The demo's simulator gets a new port each run: remember it under one name.
        endpoint = "demo" if sim is not None else session.endpoint_url
        memory = remember.RememberStore(
            remember.default_path(), remember.session_key(session.profile, endpoint)
        )
    recalled = memory.state if memory is not None else remember.Remembered()
    workspace_id, workspace_name = (
        start_workspace(args, session) if args.workspace else (None, None)
    )
    start_view = None
    if workspace_id is None:
        start_view = recalled.view
        if recalled.workspace_id:
            workspace_id, workspace_name = recalled.workspace_id, recalled.workspace_name
        elif session.workspace_id:
            workspace_id, workspace_name = start_workspace(args, session)
    audit = AuditLog(args.audit_file or default_audit_path())
    runner = ActionRunner(
        audit, profile=session.profile, operator=session.operator, read_only=session.read_only
    )
    history = None
    if sim is None:
        history = build_history(session)
    elif history_dir is not None:  # the demo: a scratch file, never the operator's history
        history = build_history(session, history_dir)
    if history is not None:
        runner.on_record = history.record_action
    return ConsoleContext(
        client=session.client,
        runner=runner,
        audit=audit,
        profile=session.profile,
        endpoint=session.endpoint,
        env_label=session.env_label,
        env_colour=session.env_colour,
        read_only=session.read_only,
        demo=sim is not None,
        tls_off=session.tls_off,
        fast_interval=args.interval or session.fast_interval,
        slow_interval=max(session.slow_interval, args.interval or 0),
        workspace_id=workspace_id,
        workspace_name=workspace_name,
        theme=args.theme or recalled.theme or session.theme,
        warnings=session.warnings,
        downloads=session.downloads,
        bell=args.bell,
        sim=sim,
        history=history,
        on_change=on_change_command(args, session),
        remember=memory,
        start_view=start_view,
    )


def _ask_password(prompt: str) -> str:
    if not sys.stdin.isatty():
        raise UsageError(
            "a password is needed but there is no terminal to ask on; set KOOMAP_PASSWORD"
        )
    return getpass.getpass(prompt)


NO_CREDENTIALS_HELP = """\
To connect to KooMap, configure credentials in one of these ways:
  - environment: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK (and HUAWEICLOUD_SDK_PROJECT_ID)
  - ~/.huaweicloud/credentials ([basic] ak = ..., sk = ...), or KooCLI's ~/.hcloud/config.json
  - a profile in {config} (see docs/configuration.md; password mode asks at start)
Or try the console on the built-in simulator: koomap-tui --demo"""


def _offer_demo(args: argparse.Namespace, problem: Exception) -> bool:
    """No credentials: say how to configure them and, on a terminal, offer the demo."""
    from koomap_tui.errors_text import describe

    try:
        from koomap_tui.config import config_path

        where = str(args.config if args.config is not None else config_path())
    except Exception:
        where = "the koomap-tui config file"
    print(f"koomap-tui: {describe(problem)}\n", file=sys.stderr)
    print(NO_CREDENTIALS_HELP.format(config=where), file=sys.stderr)
    if not sys.stdin.isatty():
        return False
    try:
        answer = input("\nStart the demo now? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def run_console(args: argparse.Namespace) -> int:
    from koomap_tui.config import CredentialsError
    from koomap_tui.ui.app import KooMapApp
    from koomap_tui.ui.driver import console_driver_class

    check_theme(args.theme, "--theme")
    check_audit_file(args.audit_file or default_audit_path())
    with contextlib.ExitStack() as stack:
        sim = stack.enter_context(demo_simulator(args.seed, args.speed)) if args.demo else None
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="koomap-demo-")))
        try:
            ctx = build_context(args, sim, scratch)
        except CredentialsError as exc:
            if args.demo or not _offer_demo(args, exc):
                return EXIT_USAGE
            args.demo = True
            sim = stack.enter_context(demo_simulator(args.seed, args.speed))
            ctx = build_context(args, sim, scratch)
        # The app closes these at exit; this covers an exit before it mounted.
        if ctx.history is not None:
            stack.callback(ctx.history.close)
        if ctx.on_change is not None:
            stack.callback(ctx.on_change.close)
        if not args.theme:
            check_theme(ctx.theme, "theme in the configuration")
        app = KooMapApp(ctx, driver_class=console_driver_class())
        # What is alive now (modules, classes, schemas, the app) lives as long as the process:
        # keep it out of every later full collection, which otherwise rescans it all (a
        # 100-200 ms frame stall after a big load; benchmarks/felt_latency.py measures it).
        gc.freeze()
        app.run()
        if app.return_code not in (None, 0):
            return int(app.return_code or 1)
    return 0


def main(argv: list[str] | None = None) -> int:
    from koomap_tui import scripting

    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    script_at = scripting.split_command(argv, parser)  # `get ...` / `wait ...`
    args = parser.parse_args(argv if script_at is None else argv[:script_at])
    try:
        setup_logging(args.log_file, args.log_level)
        if script_at is not None:
            return scripting.run(args, argv[script_at:])
        if args.command == "doctor":
            from koomap_tui.doctor import run_doctor

            return run_doctor(args)
        return run_console(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the operator gets one clear line, the log gets the detail
        from koomap_tui.errors_text import describe

        log.debug("fatal", exc_info=True)
        print(f"koomap-tui: {describe(exc)}", file=sys.stderr)
        return EXIT_USAGE
