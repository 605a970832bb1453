"""Conventions every console screen shares.

* Polling: a screen names its sources; the hub runs their pollers only while the screen shows.
* Gating: a screen maps actions to policy operations (`GATED`) and says what is selected
  (`gate_targets`). The footer dims a key the selection's state does not allow, and pressing
  it tells the operator why (lazygit's "disabled reason"), instead of silently doing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen

from koomap_tui.domain.policy import Decision, Kind, Op
from koomap_tui.domain.states import state_key
from koomap_tui.services.actions import Target
from koomap_tui.services.poller import Poller, PollSource, PollUpdate
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.header_bar import HeaderBar

if TYPE_CHECKING:
    from koomap_tui.ui.app import KooMapApp
    from koomap_tui.ui.widgets.virtual_table import VirtualTable


# Focus cycling and copy, which Textual gives every screen: not the console's keys.
TEXTUAL_ACTIONS = frozenset(
    binding.action for binding in Screen.BINDINGS if isinstance(binding, Binding)
)


class ConsoleScreen(Screen[None]):
    """Base class: polling lifecycle, policy-gated bindings, breadcrumb."""

    GATED: ClassVar[dict[str, Op]] = {}
    BREADCRUMB: ClassVar[str] = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._subscriptions: list[tuple[str, Callable[[], None]]] = []
        self._shown = False

    @property
    def kapp(self) -> KooMapApp:
        # Typed, not imported: the app imports the screens (through the view table), so a
        # screen importing the app would close an import cycle.
        return cast("KooMapApp", self.app)

    # -- polling ---------------------------------------------------------------------------
    def attach_source(self, source: PollSource[Any]) -> Poller[Any]:
        poller, unsubscribe = self.kapp.hub.attach(self, source)
        self._subscriptions.append((source.key, unsubscribe))
        if self._shown:
            self.kapp.hub.shown(source.key)
        return poller

    def detach_sources(self) -> None:
        for key, unsubscribe in self._subscriptions:
            unsubscribe()
            if self._shown:
                self.kapp.hub.hidden(key)
        self._subscriptions.clear()

    def crumb(self) -> str:
        """Where this screen is, for the header's breadcrumb (e.g. "tasks")."""
        return self.BREADCRUMB

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        for header in self.query(HeaderBar):
            header.crumb = self.crumb()
        if not self._shown:
            self._shown = True
            for key, _ in self._subscriptions:
                self.kapp.hub.shown(key)
            self._show_poller_freshness()
        self.refresh_bindings()

    def on_screen_suspend(self, event: events.ScreenSuspend) -> None:
        if self._shown:
            self._shown = False
            for key, _ in self._subscriptions:
                self.kapp.hub.hidden(key)
            # A dialog leaves this screen in view: its bar says "paused", not "polling…" and
            # then STALE for data that is only waiting for the dialog to close.
            self._show_poller_freshness()

    def _show_poller_freshness(self) -> None:
        if not self._subscriptions:
            return
        poller = self.kapp.hub.pollers.get(self._subscriptions[0][0])
        if poller is None:
            return
        facts = poller.freshness()
        if facts.last_ok is None and facts.last_error is None:
            return  # nothing fetched yet: the bar keeps "waiting for the first poll…"
        for bar in self.query(FreshnessBar):
            bar.freshness = facts

    def on_unmount(self) -> None:
        self.detach_sources()

    def apply_poll(
        self,
        update: PollUpdate[Any],
        table: VirtualTable,
        kind: Kind,
        state_of: Callable[[Any], object],
        *,
        replace: bool = False,
    ) -> bool:
        """The shared half of every list screen's poll handler.

        Shows freshness, reports a failing poll once (the last good rows stay on screen),
        clears pending marks whose item moved (repainting those rows), and applies the diff
        to `table` (`replace` loads the rows whole, e.g. the first answer). Returns False when
        the update carried an error and nothing was applied.
        """
        for bar in self.query(FreshnessBar):
            bar.freshness = update.freshness
        if update.error is not None:
            if not getattr(self, "_poll_failing", False):
                self.notify(str(update.error), title="Poll failed", severity="error")
            self._poll_failing = True
            return False
        self._poll_failing = False
        runner = self.kapp.ctx.runner
        changed = {k: update.items[k] for k in update.changed}
        for key, item in update.items.items():
            if runner.pending_for(kind, key) is not None:
                runner.observe(kind, key, state_key(state_of(item)))
                if runner.pending_for(kind, key) is None:
                    changed[key] = item
        for key in update.removed:
            runner.observe(kind, key, None)
        if replace:
            table.set_rows(update.items.items())
        else:
            table.apply_changes({k: update.items[k] for k in update.added}, changed, update.removed)
        return True

    # -- gating ----------------------------------------------------------------------------
    def gate_targets(self) -> list[Target]:
        """The items the gated actions would apply to (marked rows, else the cursor row)."""
        return []

    def decide(self, op: Op) -> Decision:
        try:
            targets = self.gate_targets()
        except NoMatches:  # the footer asks before compose has finished
            return Decision(False, "still loading")
        if not targets:
            return Decision(False, "nothing selected")
        runner = self.kapp.ctx.runner
        decisions = [runner.decide(t, op) for t in targets]
        if any(d.allowed for d in decisions):
            return Decision(True, None)
        return decisions[0]

    def refresh_gates(self) -> None:
        """Re-dim footer keys only when a gate decision changed.

        `refresh_bindings` rebuilds the whole footer, which profiling showed to cost more than
        the rest of a poll cycle; the decisions themselves are cheap.
        """
        signature = tuple(self.decide(op).allowed for op in self.GATED.values())
        if signature != getattr(self, "_gate_signature", None):
            self._gate_signature = signature
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        op = self.GATED.get(action)
        if op is None:
            return True
        return True if self.decide(op).allowed else None

    def on_key(self, event: events.Key) -> None:
        """A gated key whose action is disabled: say why instead of ignoring it."""
        for binding in self._bindings_for_key(event.key):
            op = self.GATED.get(binding.action)
            if op is None:
                continue
            decision = self.decide(op)
            if not decision.allowed:
                event.stop()
                event.prevent_default()
                self.notify(
                    decision.reason or "not allowed", title=binding.description, severity="warning"
                )
                return

    def _bindings_for_key(self, key: str) -> list[Binding]:
        return list(self._bindings.key_to_bindings.get(key, ()))

    def help_rows(self, *, focused: bool = True) -> list[tuple[str, str, bool, str | None]]:
        """Every binding of this screen, then (unless `focused=False`) of the focused widget (a
        table's movement, mark and open keys); one row per action with its keys joined
        ("↑/k"); gated ones say whether and why they are disabled. Hidden bindings are listed
        too: help is where the keys the footer has no room for are found."""
        rows = self._binding_rows(self)
        if focused and self.focused is not None:
            rows += self.focused_help_rows(exclude={row[1] for row in rows})
        return rows

    def focused_help_rows(
        self, exclude: set[str] | None = None
    ) -> list[tuple[str, str, bool, str | None]]:
        if self.focused is None:
            return []
        return [row for row in self._binding_rows(self.focused) if row[1] not in (exclude or ())]

    def _binding_rows(self, node: Any) -> list[tuple[str, str, bool, str | None]]:
        keys: dict[str, list[str]] = {}
        described: dict[str, Binding] = {}
        for bindings in node._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.description and binding.action not in TEXTUAL_ACTIONS:
                    keys.setdefault(binding.action, []).append(self.app.get_key_display(binding))
                    described.setdefault(binding.action, binding)
        rows: list[tuple[str, str, bool, str | None]] = []
        for action, binding in described.items():
            op = self.GATED.get(action)
            decision = self.decide(op) if op is not None else Decision(True, None)
            shown = "/".join(dict.fromkeys(keys[action]))
            rows.append((shown, binding.description, decision.allowed, decision.reason))
        return rows
