"""KooMapApp: screens, global bindings, themes, command palette, watches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from koomap_tui.domain.states import state_key
from koomap_tui.services.sources.real3d import WatchedTasksSource
from koomap_tui.ui import navigation
from koomap_tui.ui.context import ConsoleContext
from koomap_tui.ui.keyboard import KeyRouter
from koomap_tui.ui.polling import PollerHub, PollUpdated

if TYPE_CHECKING:
    from koomap_tui.ui.screens.help import HelpRow

log = logging.getLogger(__name__)

EXIT_GRACE_SECONDS = 3.0
# Kitty keyboard off, main screen, cursor shown, focus events, bracketed paste and mouse off.
RESTORE_SEQUENCES = (
    b"\x1b[<u\x1b[?1049l\x1b[?25h\x1b[?1004l\x1b[?2004l\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l"
)


def arm_exit_watchdog(
    seconds: float, status: int, before_exit: Callable[[], None] | None = None
) -> None:
    """End the process with `status` unless it has ended by itself within `seconds`."""

    def expire() -> None:
        log.warning("clean exit took over %.0f s after a signal; ending the process", seconds)
        if before_exit is not None:
            with contextlib.suppress(Exception):
                before_exit()
        with contextlib.suppress(Exception):
            logging.shutdown()
        os._exit(status)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()


@dataclass
class Watch:
    workspace_id: str
    task_id: str
    name: str
    state: str


class KooMapApp(App[None]):
    TITLE = "koomap-tui"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("q", "quit", "Quit", show=False),
        Binding("question_mark", "help", "Help (this list)", key_display="?", show=False),
        Binding("colon", "command_mode", "Command mode", key_display=":", show=False),
        Binding("ctrl+t", "cycle_theme", "Next theme", show=False),
    ]

    def __init__(self, ctx: ConsoleContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.hub = PollerHub(ctx.fast_interval, ctx.slow_interval)
        self.watches: dict[str, Watch] = {}
        self._watch_source: WatchedTasksSource | None = None
        self.current_workspace: tuple[str, str] | None = None  # (id, name)
        # What was said, even after a toast expired (tests and a slow reader both need it).
        self.recent_notices: deque[tuple[str, str]] = deque(maxlen=200)
        self.keys = KeyRouter(self)
        self.workspace_names: dict[str, str] = {}  # id → name, for the palette (ui/commands.py)

    async def on_event(self, event: events.Event) -> None:
        # Raw keys and pastes go through the router: one at a time, each to what has focus once
        # the previous one is handled (ui/keyboard.py).
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self.keys.receive(event)
            return
        await super().on_event(event)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Our stylesheets use $state-* and $freshness-*: give every theme (Textual's own too)
        # a value for them.
        from koomap_tui.ui.themes import theme_variable_defaults

        return {**super().get_theme_variable_defaults(), **theme_variable_defaults()}

    # -- start and stop --------------------------------------------------------------------
    async def on_mount(self) -> None:
        from koomap_tui.ui.themes import register_all

        self._install_signal_handlers()
        self.set_interval(10.0, self._prune_footer_watchers)
        await self.ctx.client.__aenter__()

        names = register_all(self)
        self.theme = self.ctx.theme if self.ctx.theme in names else "koomap-dark"
        for warning in self.ctx.warnings:
            self.notify(str(warning), title="Configuration", severity="warning", timeout=12)
        if self.ctx.tls_off:
            self.notify(
                "TLS certificate verification is OFF (--insecure).",
                title="Insecure connection",
                severity="error",
                timeout=10,
            )
        self._watch_source = WatchedTasksSource(self.ctx.client, self)
        poller = self.hub.get(self._watch_source)
        poller.subscribe(self._on_watch_update)
        self.hub.shown(self._watch_source.key)
        if self.ctx.workspace_id:
            from koomap_tui.ui.screens.tasks import TasksScreen

            self.push_screen(TasksScreen(self.ctx.workspace_id))
            self._read_workspace_names()  # no workspaces view yet: the palette still offers them
        else:
            from koomap_tui.ui.screens.workspaces import WorkspacesScreen

            self.push_screen(WorkspacesScreen())

    @work(exit_on_error=False, group="workspace-names")
    async def _read_workspace_names(self) -> None:
        client = self.ctx.client
        names: dict[str, str] = {}
        try:
            async for ws in client.paginate(client.list_common_workspace, max_items=500):
                names[ws.workspace_id] = ws.workspace_name or ""
        except Exception as error:  # the palette then offers none; the views say why
            log.warning(
                "reading the workspace list for the palette failed: %s", type(error).__name__
            )
            return
        if not self.workspace_names:
            self.workspace_names = names

    async def on_unmount(self) -> None:
        await self.hub.stop_all()
        # Partial files stay and resume on the next start.
        with contextlib.suppress(Exception):
            await self.ctx.downloads.aclose()
        with contextlib.suppress(Exception):
            await self.ctx.client.__aexit__(None, None, None)

    def _prune_footer_watchers(self) -> None:
        """Work around a Textual leak: each Footer recompose (every `refresh_bindings`, so every
        poll) data-binds new FooterKeys to the footer's `compact` reactive, and the watcher list
        drops closed keys only when `compact` changes, which never happens. Without this the
        console grows by ~6 MB a minute under fast polling (tests/reliability/test_soak.py)."""
        from textual.widgets import Footer

        for screen in self.screen_stack:
            for footer in screen.query(Footer).results():
                for watchers in getattr(footer, "__watchers", {}).values():
                    watchers[:] = [
                        (node, callback)
                        for node, callback in watchers
                        if not (node._closing or node._closed)
                    ]

    def _install_signal_handlers(self) -> None:
        """SIGHUP (SSH dropped) and SIGTERM exit through Textual, which restores the terminal."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._exit_on_signal, sig)

    def _exit_on_signal(self, sig: int) -> None:
        # Once the terminal is gone, Textual's writer thread can die on EIO and its bounded queue
        # then blocks the shutdown for ever (about 1 hang-up in 8). The audit log is written
        # per action, so nothing is lost by ending the process if the clean exit stalls.
        arm_exit_watchdog(EXIT_GRACE_SECONDS, 128 + sig, self._restore_terminal_directly)
        self.exit()

    def _restore_terminal_directly(self) -> None:
        """What Textual's driver does on exit, bypassing its (possibly stuck) writer thread,
        so that after SIGTERM the shell behind is usable."""
        import termios

        driver = self._driver
        attrs = getattr(driver, "attrs_before", None)
        fileno = getattr(driver, "fileno", None)
        if attrs is None or not isinstance(fileno, int):
            return
        termios.tcsetattr(fileno, termios.TCSANOW, attrs)
        os.write(fileno, RESTORE_SEQUENCES)

    # -- global actions --------------------------------------------------------------------
    def help_rows(self) -> list[HelpRow]:
        """What `?` lists: the screen's own keys, then the console's, then the focused widget's
        (a table's movement, mark and open keys: the least looked for).

        Console screens answer `help_rows()` with or without their focused widget's rows
        appended, so those are taken out by value and put last; any other screen (a form, the
        command line) lists its active bindings."""
        from koomap_tui.ui.screens.base import ConsoleScreen
        from koomap_tui.ui.screens.help import HelpRow, rows_from_screen

        screen = self.screen
        own: list[HelpRow]
        focused: list[HelpRow] = []
        if isinstance(screen, ConsoleScreen):
            focused = [HelpRow(*row) for row in screen.focused_help_rows()]
            own = [row for row in map(HelpRow._make, screen.help_rows()) if row not in focused]
        else:
            own = rows_from_screen(screen)
        console = [
            HelpRow(b.key_display or b.key, b.description, True)
            for b in self.BINDINGS
            if isinstance(b, Binding)
        ]
        console.append(HelpRow("ctrl+p", "Command palette", True))
        listed = {row.description for row in own + console}
        return own + console + [row for row in focused if row.description not in listed]

    def action_help(self) -> None:
        from koomap_tui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.help_rows()))

    def action_command_mode(self) -> None:
        from koomap_tui.ui.screens.command import CommandBar

        if not isinstance(self.screen, CommandBar):
            self.push_screen(CommandBar(), self._run_command)

    def _run_command(self, command: str | None) -> None:
        from koomap_tui.ui.navigation import navigate

        if command:
            navigate(self, command)

    def action_cycle_theme(self) -> None:
        names = sorted(
            n
            for n in self.available_themes
            if n.startswith(("koomap", "high", "colour", "terminal"))
        )
        if names:
            i = names.index(self.theme) if self.theme in names else -1
            self.theme = names[(i + 1) % len(names)]
            self.notify(f"theme: {self.theme}")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        from koomap_tui.ui.commands import console_commands

        yield from console_commands(self, screen)
        yield from super().get_system_commands(screen)

    def _fatal_error(self) -> None:
        """Never a traceback (Textual's shows local variables) on the operator's screen."""
        from rich.text import Text

        from koomap_tui.crash import one_line, write_crash_report

        error = sys.exc_info()[1] or self._exception or RuntimeError("unknown error")
        log.error("internal error: %s", type(error).__name__, exc_info=error)
        report = write_crash_report(error)
        self.bell()
        self._exit_renderables.append(Text(one_line(error, report)))
        self._close_messages_no_wait()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        # Notifications quote task names and API messages: never let Rich interpret them.
        self.recent_notices.append((title, message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # -- views -----------------------------------------------------------------------------
    def navigate(self, command: str) -> bool:
        """Switch to the named view (`:name`); screens switch views through this, never by
        importing the navigation table (which imports them)."""
        return navigation.navigate(self, command)

    def go_back(self) -> None:
        """Esc from a view: pop it; from the root task table, up to the workspaces."""
        navigation.go_back(self)

    # -- watches ---------------------------------------------------------------------------
    def toggle_watch(self, workspace_id: str, task_id: str, name: str, state: str) -> bool:
        """Watch or unwatch a task; returns whether it is now watched."""
        if task_id in self.watches:
            del self.watches[task_id]
            return False
        self.watches[task_id] = Watch(workspace_id, task_id, name, state)
        if self._watch_source is not None:
            self.hub.pollers[self._watch_source.key].refresh_now()
        return True

    def _on_watch_update(self, update: Any) -> None:
        self.post_message(PollUpdated(update))

    def on_poll_updated(self, message: PollUpdated) -> None:
        update = message.update
        if self._watch_source is None or update.source != self._watch_source.key:
            return
        for task_id, task in update.items.items():
            watch = self.watches.get(task_id)
            if watch is None:
                continue
            state = state_key(task.task_status)
            if state != watch.state:
                self.notify(
                    f"{watch.name}: {watch.state} → {state}",
                    title="Watched task changed",
                    severity="error" if state in ("FAILED", "START_FAILED") else "information",
                    timeout=8,
                )
                if self.ctx.bell:
                    self.bell()
                watch.state = state
