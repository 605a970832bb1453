"""Keys typed in a burst: each is handled to the end, by whatever has focus once the previous
one is done (issue 11; docs/architecture.md, "Keys arrive in bursts").

Textual 8.2 forwards a raw key by POSTING it to the focused widget's queue and goes on with the
next raw key at once; the bindings of the focus chain run only when the key has bubbled back to
the App, posted again. A burst is therefore routed whole before the first key's action has run:
in `/sta⏎` every letter reaches the table before `/` has focused the filter, and `s` starts the
task. `KeyRouter` replaces that forwarding for keys:

* a raw key is dispatched in the App's own task along the focus chain (focused widget, its
  ancestors, the screen, the App and its bindings), the way Textual's bubbling would, honouring
  `stop()` and `prevent_default()`; when it returns, every handler and the action it triggered
  have run;
* then the router *settles*: until the consequences of that key (a focus change, a screen pushed
  or popped, a message such as `Input.Submitted` bubbling to a screen that dismisses itself)
  have been processed, later keys and pastes are held in order and replayed one by one after.

Settling works in rounds: a probe is posted to every message pump of the focus chain (the
focused widget up to the screen), and when all have run, a marker to the App. Settling ends
when the screen is mounted, the screen stack and focus did not change during the round, and
either no pump had a message waiting before or behind its probe, or such unchanged rounds have
followed each other as many times as the chain is deep (a message the key caused has then
climbed it; what is still queued is a poll or a repaint). `MAX_ROUNDS` ends settling in any
case: keys are never dropped nor held for ever; at worst they reach what has focus then, as
they would without the router.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from textual import events
from textual._context import active_message_pump  # Textual private: pinned textual<9
from textual.dom import DOMNode
from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from textual.app import App

MAX_ROUNDS = 24


class RoutedKey(events.Key, bubble=False):
    """A raw key the router carries along the focus chain itself (so it must not bubble by
    posting); handlers see an `events.Key` and are found under the same names."""

    __slots__ = ()


RoutedKey.handler_name = events.Key.handler_name  # `on_key` / `_on_key`, not `on_routed_key`


def _queued(pump: MessagePump) -> int:
    return pump._message_queue.qsize()  # Textual private: pinned textual<9


class KeyRouter:
    """Owned by the App; `receive` takes every raw key and paste (see the module's doc)."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.held: deque[events.Key | events.Paste] = deque()
        self.settling = False
        self.rounds = 0  # rounds of the current settling
        self.stable_rounds = 0  # of those, the last ones with focus and screen stack unchanged
        self.handled = 0  # keys and pastes handled so far
        self.rounds_total = 0  # for tests and measurements
        self.valve_releases = 0  # settlings ended by MAX_ROUNDS rather than by a quiet round

    # -- intake ----------------------------------------------------------------------------
    async def receive(self, event: events.Key | events.Paste) -> None:
        if self.settling or self.held:
            self.held.append(event)
            return
        await self._handle(event)

    async def _handle(self, event: events.Key | events.Paste) -> None:
        app = self.app
        if app._closing:
            return
        self.handled += 1
        if isinstance(event, events.Paste):
            (app.focused or app.screen)._forward_event(event)
        else:
            await self._dispatch_key(event)
        self._settle()

    # -- one key along the focus chain -----------------------------------------------------
    async def _dispatch_key(self, event: events.Key) -> None:
        """What `App.on_event` does with a raw key, then the bubbling, synchronously."""
        app = self.app
        if not app.app_focus:
            app.app_focus = True
        screen = app.screen
        if screen.maximized is not None and event.key == "escape" and app.escape_to_minimize:
            screen.minimize()
            return
        if app.focused is not None:
            screen._clear_tooltip()
        if await app._check_bindings(event.key, priority=True):
            return
        key = RoutedKey(event.key, event.character)
        key.time = event.time
        key._set_forwarded()  # the App then treats it as bubbled up, not as new input
        node: DOMNode | None = app.focused or screen
        while node is not None:
            if node is app or not (node._closing or node._closed):
                key._no_default_action = False  # as Message._bubble_to does for each parent
                token = active_message_pump.set(node)
                try:
                    await node._dispatch_message(key)
                finally:
                    active_message_pump.reset(token)
                if key._stop_propagation:
                    return
            if node is app or not (node.is_parent_active and node.is_attached):
                return
            node = node._parent if isinstance(node._parent, DOMNode) else None

    # -- settling --------------------------------------------------------------------------
    def _pumps_to_probe(self) -> list[MessagePump]:
        """The focus chain up to the screen: where a key's messages bubble (`Input.Submitted`,
        a table's `Selected`, `Button.Pressed`) and where a screen pushes, pops or focuses.
        Other widgets (the footer recomposing, a summary line) cannot move the focus, and
        waiting for them would cost every key a repaint of the whole screen."""
        app = self.app
        try:
            screen = app.screen
        except Exception:  # no screen (starting or closing): nothing to wait for
            return []
        focused = screen.focused
        if focused is None:
            return [screen]
        chain: list[MessagePump] = []
        node: DOMNode | None = focused
        while isinstance(node, DOMNode) and node is not app:
            chain.append(node)
            if node is screen:
                break
            node = node._parent if isinstance(node._parent, DOMNode) else None
        return chain

    def _snapshot(self) -> tuple[object, ...]:
        app = self.app
        return (tuple(id(s) for s in app.screen_stack), id(app.focused))

    def _settle(self) -> None:
        self.settling = True
        self.rounds = 0
        self.stable_rounds = 0
        self._round()

    def _round(self) -> None:
        app = self.app
        self.rounds += 1
        self.rounds_total += 1
        pumps = self._pumps_to_probe()
        snapshot = self._snapshot()
        busy = any(_queued(p) for p in pumps)
        pending = 0

        def done() -> None:
            app.call_later(self._round_done, snapshot, busy, len(pumps))

        def probed(pump: MessagePump) -> None:
            nonlocal pending, busy
            busy = busy or bool(_queued(pump))  # something arrived behind the probe
            pending -= 1
            if pending == 0:
                done()

        for pump in pumps:
            if pump.call_later(probed, pump):
                pending += 1
        if pending == 0:
            done()

    async def _round_done(self, snapshot: tuple[object, ...], busy: bool, depth: int) -> None:
        app = self.app
        if app._closing:
            self.held.clear()
            self.settling = False
            return
        try:
            mounted = app.screen.is_mounted
        except Exception:
            mounted = True
        moved = not mounted or snapshot != self._snapshot()
        self.stable_rounds = 0 if moved else self.stable_rounds + 1
        # A message a key caused climbs the focus chain at least a pump per round: once as many
        # rounds as the chain is deep have passed with focus and screens unchanged, what is
        # still queued there is other work (a poll, a repaint), not this key's doing.
        settled = not moved and (not busy or self.stable_rounds > depth)
        if not settled and self.rounds < MAX_ROUNDS:
            self._round()
            return
        if not settled:
            self.valve_releases += 1
        self.settling = False
        if self.held:
            await self._handle(self.held.popleft())
