"""KooMapApp: screens, global bindings, themes, command palette, watches.

App-wide services live here, outside the screens: the history store is fed by a tap on every
poller (ui/polling.py) and says "since you were last here"; the `--on-change` command runs for
watched tasks; the last view, workspace and theme are remembered; `y` copies the selected id.
"""

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
from textual.theme import Theme

from koomap_tui.domain.states import state_key
from koomap_tui.services.downloads import DownloadState
from koomap_tui.services.on_change import RunResult, change_now
from koomap_tui.services.sources.real3d import WatchedTasksSource
from koomap_tui.ui import navigation
from koomap_tui.ui.context import ConsoleContext
from koomap_tui.ui.format import inert
from koomap_tui.ui.keyboard import KeyRouter
from koomap_tui.ui.polling import PollerHub, PollUpdated
from koomap_tui.ui.screens.base import ConsoleScreen
from koomap_tui.ui.screens.listview import ListScreen
from koomap_tui.ui.widgets.downloads_panel import DownloadProgressed
from koomap_tui.ui.widgets.header_bar import HeaderBar

if TYPE_CHECKING:
    from koomap_tui.services.history import AwayChange
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


#: Sources whose items the history keeps (Real3D tasks, subtasks, satellite tasks).
HISTORY_SOURCES = ("real3d:", "subtasks:", "satellite:", "watches", "fleet")
#: Views that can open at start without a selected task (see `_open_start_view`).
START_VIEWS = frozenset({"ws", "tasks", "sat", "images", "usage", "audit"})
#: How many away changes the "since you were last here" notice names before "and N more".
AWAY_LISTED = 8


#: Order of the away notice: what needs a look first.
AWAY_ORDER = ("failed", "stopped", "finished", "changed")


def away_text(changes: list[AwayChange]) -> str:
    """One notice for what changed while no console watched: counts, then the items, failures
    first."""

    def rank(outcome: str) -> int:
        return AWAY_ORDER.index(outcome) if outcome in AWAY_ORDER else len(AWAY_ORDER)

    counts: dict[str, int] = {}
    for change in changes:
        counts[change.outcome] = counts.get(change.outcome, 0) + 1
    head = ", ".join(f"{counts[o]} {o}" for o in sorted(counts, key=rank))
    lines = [head]
    changes = sorted(changes, key=lambda c: rank(c.outcome))
    for change in changes[:AWAY_LISTED]:
        name = change.name or change.item_id
        lines.append(f"{name}: {change.before} → {change.after}")
    if len(changes) > AWAY_LISTED:
        lines.append(f"and {len(changes) - AWAY_LISTED} more (:history)")
    return "\n".join(lines)


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
        Binding("y", "copy_id", "Copy the selected id", show=False),
    ]

    def __init__(self, ctx: ConsoleContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.hub = PollerHub(ctx.fast_interval, ctx.slow_interval)
        self.watches: dict[str, Watch] = {}
        self._watch_source: WatchedTasksSource | None = None
        self._current_workspace: tuple[str, str] | None = None  # (id, name)
        self._console_loop: asyncio.AbstractEventLoop | None = None
        #: Notices the history has already given (each is said once per session).
        self._history_said: set[str] = set()
        # What was said, even after a toast expired (tests and a slow reader both need it).
        self.recent_notices: deque[tuple[str, str]] = deque(maxlen=200)
        self.keys = KeyRouter(self)
        self.workspace_names: dict[str, str] = {}  # id → name, for the palette (ui/commands.py)
        self._download_states: dict[str, DownloadState] = {}

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

        self._console_loop = asyncio.get_running_loop()
        self._install_signal_handlers()
        self.set_interval(10.0, self._prune_footer_watchers)
        await self.ctx.client.__aenter__()

        names = register_all(self)
        self.theme = self.ctx.theme if self.ctx.theme in names else "koomap-dark"
        self.theme_changed_signal.subscribe(self, self._recolour)
        if self.ctx.remember is not None:
            self.theme_changed_signal.subscribe(self, self._remember_theme)
            self.screen_change_signal.subscribe(self, self._remember_view)
        self._start_history()
        for warning in self.ctx.warnings:
            self.notify(str(warning), title="Configuration", severity="warning", timeout=12)
        if self.ctx.tls_off:
            self.notify(
                "TLS certificate verification is OFF (--insecure).",
                title="Insecure connection",
                severity="error",
                timeout=10,
            )
        self.ctx.downloads.subscribe(lambda p: self.post_message(DownloadProgressed(p)))
        self._watch_source = WatchedTasksSource(self.ctx.client, self)
        poller = self.hub.get(self._watch_source)
        poller.subscribe(self._on_watch_update)
        self.hub.shown(self._watch_source.key)
        self._open_start_view()

    def _open_start_view(self) -> None:
        """The workspace's task table (or the workspaces), then the remembered view if any."""
        view = self.ctx.start_view if self.ctx.start_view in START_VIEWS else None
        workspace = self.ctx.workspace_id
        if workspace:
            name = self.ctx.workspace_name or workspace
            self._current_workspace = (workspace, name)
        if workspace and view != "ws":
            from koomap_tui.ui.screens.tasks import TasksScreen

            self.push_screen(TasksScreen(workspace, self.ctx.workspace_name))
            self._read_workspace_names()  # no workspaces view yet: the palette still offers them
        else:
            from koomap_tui.ui.screens.workspaces import WorkspacesScreen

            self.push_screen(WorkspacesScreen())
        if view is not None and view not in ("ws", "tasks"):
            self.call_after_refresh(self.navigate, view)

    # -- history ---------------------------------------------------------------------------
    def _start_history(self) -> None:
        history = self.ctx.history
        if history is None:
            return
        history.on_away = self._away_from_writer
        history.start()
        self.hub.add_tap(self._history_tap)
        self._say_history_notice()

    def _history_tap(self, update: Any) -> None:
        """Every poll passes here, on the event loop: hand the kept kinds to the writer."""
        history = self.ctx.history
        if history is not None and update.source.startswith(HISTORY_SOURCES):
            history.observe(update)

    @work(exit_on_error=False, group="history-notice")
    async def _say_history_notice(self) -> None:
        history = self.ctx.history
        if history is None:
            return
        # Opening happens in the writer thread; wait for it off the event loop.
        await asyncio.to_thread(history.wait_ready, 30.0)
        if history.notice and history.notice not in self._history_said:
            self._history_said.add(history.notice)
            self.notify(history.notice, title="History", severity="warning", timeout=12)

    def _away_from_writer(self, changes: list[AwayChange]) -> None:
        """Called in the history's writer thread: hand over to the event loop, never wait."""
        loop = self._console_loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody to tell
            loop.call_soon_threadsafe(self._show_away, list(changes))

    def _show_away(self, changes: list[AwayChange]) -> None:
        if not changes:
            return
        failed = any(c.outcome == "failed" for c in changes)
        self.notify(
            away_text(changes),
            title="Since you were last here",
            severity="warning" if failed else "information",
            timeout=20,
        )

    def on_download_progressed(self, message: DownloadProgressed) -> None:
        """Downloads go on in the session when their view is left: say how each ended here,
        on whatever view is shown, and let that view judge its keys again (no more "already
        being downloaded")."""
        p = message.progress
        before, self._download_states[p.id] = self._download_states.get(p.id), p.state
        if before == p.state or not p.state.finished:
            return
        if p.state is DownloadState.DONE:
            where = p.paths[0].parent if len(p.paths) > 1 else (p.paths[0] if p.paths else "")
            self.notify(f"{inert(p.label)} → {where}", title="Download complete")
        elif p.state is DownloadState.FAILED:
            self.notify(inert(p.error), title="Download failed", severity="error", timeout=10)
        else:
            self.notify(f"{inert(p.label)}: cancelled (start it again to resume)")
        if isinstance(self.screen, ConsoleScreen):
            self.screen.refresh_gates()

    # -- remembered state ------------------------------------------------------------------
    @property
    def current_workspace(self) -> tuple[str, str] | None:
        """The workspace the operator is in, as (id, name); remembered for the next start."""
        return self._current_workspace

    @current_workspace.setter
    def current_workspace(self, value: tuple[str, str] | None) -> None:
        self._current_workspace = value
        if value is not None and self.ctx.remember is not None:
            self.ctx.remember.update(workspace_id=value[0], workspace_name=value[1])

    def workspace_label(self, workspace_id: str) -> str:
        """The name of `workspace_id` as the console knows it, else the id."""
        current = self._current_workspace
        if current is not None and current[0] == workspace_id:
            return current[1]
        return self.workspace_names.get(workspace_id, workspace_id)

    def _recolour(self, _theme: Theme) -> None:
        """Summary lines hold Text coloured when they were built: rebuild them in the new
        theme's colours now, not at the next poll."""
        from textual.css.query import NoMatches

        for screen in self.screen_stack:
            if isinstance(screen, ListScreen) and screen.is_mounted:
                with contextlib.suppress(NoMatches):
                    screen.update_summary()

    def _remember_theme(self, theme: Theme) -> None:
        if self.ctx.remember is not None:
            self.ctx.remember.update(theme=theme.name or self.theme)

    def _remember_view(self, screen: Screen[Any]) -> None:
        """A view came to the top (by `:name`, Enter or Esc): remember which. Views say what
        they show in `view_key` ("tasks:<id>", "usage"); dialogs and help have none."""
        # By name: `view_key` is an attribute of the views that can be reopened by name, on no
        # base class (the task detail sets it per task, a list of one workspace per workspace).
        key = getattr(screen, "view_key", None)
        if not isinstance(key, str) or self.ctx.remember is None:
            return
        view = navigation.find_view(key.split(":", 1)[0])
        if view is not None:
            self.ctx.remember.update(view=view.name)

    @work(exit_on_error=False, group="workspace-names")
    async def _read_workspace_names(self) -> None:
        names = await self.read_workspace_names()
        if not self.workspace_names:
            self.workspace_names = names

    async def read_workspace_names(self) -> dict[str, str]:
        """Every workspace's name by id, for the palette and the columns of views over several
        workspaces; {} when the list cannot be read (the views then show ids)."""
        client = self.ctx.client
        names: dict[str, str] = {}
        try:
            async for ws in client.paginate(client.list_common_workspace, max_items=500):
                names[ws.workspace_id] = ws.workspace_name or ""
        except Exception as error:
            log.warning("reading the workspace list failed: %s", type(error).__name__)
            return {}
        return names

    async def on_unmount(self) -> None:
        await self.hub.stop_all()
        if self.ctx.remember is not None:
            with contextlib.suppress(Exception):
                self.ctx.remember.update(theme=self.theme)
        # Off the loop: closing waits for the writer's last batch and for running commands.
        if self.ctx.history is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.ctx.history.close)
        if self.ctx.on_change is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.ctx.on_change.close)
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
                # By name: Textual's private watcher table, set by `setattr` under this name.
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
        # By name: only Textual's two Linux drivers (no common base holding them) have these;
        # the headless driver of the tests has not.
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

        Any other screen (a form, the command line) lists its active bindings."""
        from koomap_tui.ui.screens.help import HelpRow, rows_from_screen

        screen = self.screen
        own: list[HelpRow]
        focused: list[HelpRow] = []
        if isinstance(screen, ConsoleScreen):
            focused, own = screen.focused_help_rows(), screen.help_rows()
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
        if command:
            self.navigate(command)

    def action_copy_id(self) -> None:
        """`y`: the selected item's id to the clipboard (OSC 52: works over SSH too)."""
        screen = self.screen
        if not isinstance(screen, ConsoleScreen):
            self.notify("nothing to copy here", severity="warning")
            return
        try:
            item_id = screen.cursor_id()
        except Exception:  # a screen's selection code must not end the console
            log.exception("cursor_id failed")
            item_id = None
        if not item_id:
            self.notify("nothing selected to copy", severity="warning")
            return
        self.copy_to_clipboard(str(item_id))
        self.notify(f"copied {item_id}")

    def retry_audit(self) -> None:
        """Probe the audit log again; mutations are allowed once it can be written."""
        self.run_worker(self._retry_audit(), group="audit-retry", exclusive=True)

    async def _retry_audit(self) -> None:
        runner = self.ctx.runner
        if await runner.retry_audit():
            self.notify("audit log writable again: changes are allowed", title="Audit log")
        else:
            self.notify(
                f"{runner.audit_error}; changes stay refused",
                title="Audit log still failing",
                severity="error",
            )
        for screen in self.screen_stack:
            for header in screen.query(HeaderBar):
                header.audit_error = runner.audit_error
            if isinstance(screen, ConsoleScreen):
                screen.refresh_gates()

    def action_cycle_theme(self) -> None:
        from koomap_tui.ui.themes import state_themes

        names = state_themes(self.available_themes)
        if names:
            i = names.index(self.theme) if self.theme in names else -1
            self.theme = names[(i + 1) % len(names)]
            self.notify(f"theme: {self.theme}")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        from koomap_tui.ui.commands import console_commands

        yield from console_commands(self, screen)
        for command in super().get_system_commands(screen):
            # Textual's theme picker lists its own themes, which lack the state colours: the
            # console's "Switch theme: …" entries offer only the themes that have them.
            if command.title != "Theme":
                yield command

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
                self._run_on_change(watch, state)
                watch.state = state

    def _run_on_change(self, watch: Watch, state: str) -> None:
        runner = self.ctx.on_change
        if runner is None:
            return
        change = change_now(watch.task_id, watch.name, watch.workspace_id, watch.state, state)
        runner.submit(change, self._on_change_done)

    def _on_change_done(self, result: RunResult) -> None:
        """Called in the command's thread: a failure becomes a notice on the event loop."""
        if result.ok:
            return
        loop = self._console_loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(
                lambda: self.notify(
                    result.reason, title="On-change command failed", severity="error", timeout=10
                )
            )
