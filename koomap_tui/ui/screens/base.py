"""Conventions every console screen shares.

* Polling: a screen names its sources; the hub runs their pollers only while the screen shows.
* Actions: a screen lists its rows of the action catalogue (`ACTIONS`, `domain.catalog`) and
  says what they apply to (`selection`, `parent_targets`). Everything else is derived here:
  the bindings, the footer dimming a key the selection's state does not allow, the refusal text
  when it is pressed anyway (lazygit's "disabled reason"), the help rows, the confirmation, the
  call through `ActionRunner.run` and the outcome notices.

A key press is judged once, on the selection at that instant (the table's cursor row or marks
as they are when the key is handled), and the same targets are then acted on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, cast

from textual import events, work
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen

from koomap_tui.domain.catalog import Action, Confirm, Scope, offered
from koomap_tui.domain.policy import Decision, Kind
from koomap_tui.domain.states import KIND_NOUN
from koomap_tui.services.actions import Outcome, Target
from koomap_tui.services.poller import Poller, PollSource
from koomap_tui.ui.format import inert
from koomap_tui.ui.outcomes import report_outcomes
from koomap_tui.ui.screens.help import HelpRow
from koomap_tui.ui.widgets.dialogs import ConfirmDialog, TypedConfirmDialog
from koomap_tui.ui.widgets.freshness import FreshnessBar
from koomap_tui.ui.widgets.header_bar import HeaderBar

if TYPE_CHECKING:
    from koomap_tui.ui.app import KooMapApp


# Focus cycling and copy, which Textual gives every screen: not the console's keys.
TEXTUAL_ACTIONS = frozenset(
    binding.action for binding in Screen.BINDINGS if isinstance(binding, Binding)
)


def action_bindings(actions: Iterable[Action]) -> list[Binding]:
    """One binding per action name (a name may serve several kinds, e.g. download)."""
    seen: dict[str, Action] = {}
    for action in actions:
        if offered(action):
            seen.setdefault(action.name, action)
    return [Binding(a.key, f"act('{a.name}')", a.label, show=a.show) for a in seen.values()]


def names_of(targets: list[Target]) -> str:
    shown = ", ".join(inert(t.label or t.id) for t in targets[:3])
    return shown + (f" and {len(targets) - 3} more" if len(targets) > 3 else "")


class Gate(NamedTuple):
    """A key's judgement: the catalogue row, the decision, and the targets it allows."""

    action: Action | None
    decision: Decision
    targets: list[Target]


class ConsoleScreen(Screen[None]):
    """Base class: polling lifecycle, catalogue actions, breadcrumb."""

    ACTIONS: ClassVar[tuple[Action, ...]] = ()
    POLL_ERROR_TITLE: ClassVar[str] = "Poll failed"
    BREADCRUMB: ClassVar[str] = ""
    #: A view of one workspace (its tasks, a task and its lists) names it in the header.
    workspace_id: str | None = None

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
            if self.workspace_id is not None and header.workspace is None:  # named once
                header.workspace = self.kapp.workspace_label(self.workspace_id)
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

    # -- actions -----------------------------------------------------------------------------
    def selection(self) -> list[Target]:
        """What row actions apply to, read now: the marked rows, else the cursor row."""
        return []

    def cursor_id(self) -> str | None:
        """The id of the item under the cursor: what `y` copies (a target that is not it is
        confirmed)."""
        return None

    def parent_targets(self) -> list[Target]:
        """What parent-scoped actions (create…) apply to: the workspace, the task."""
        return []

    def hidden_ids(self) -> set[str]:
        """Ids of selected items the operator cannot see (marked, filtered out)."""
        return set()

    def shown_kinds(self) -> set[Kind]:
        return {a.kind for a in self.ACTIONS}

    def no_target_reason(self, action: Action) -> str:
        return "nothing selected"

    def extra_denial(self, action: Action, targets: list[Target]) -> str | None:
        """A refusal the state table cannot know (a name in use, nothing to generate from)."""
        return None

    def question_note(self, action: Action, targets: list[Target]) -> str:
        """What the confirmation adds for this view (what else goes away)."""
        return ""

    def call_args(self) -> dict[str, Any]:
        """Arguments every call of this view needs (the workspace, the parent task)."""
        return {}

    def target_args(self, target: Target) -> dict[str, Any]:
        """Arguments of one target's call over `call_args` (views of many workspaces)."""
        return {}

    def open_form(
        self, action: Action, targets: list[Target], proceed: Callable[[dict[str, Any]], None]
    ) -> None:
        """Collect a FORM action's arguments and call `proceed(params)` when submitted."""
        self.notify(f"{action.label}: no form here", severity="warning")

    def after_action(
        self, action: Action, outcomes: list[Outcome], params: Mapping[str, Any]
    ) -> None:
        """What a view does with an outcome beyond the notice (focus the new row…)."""

    def targets_changed(self, targets: Iterable[Target]) -> None:
        """Repaint the rows of `targets` (their pending mark came or went)."""

    def observe(self, kind: Kind, item_id: str, state: str | None) -> None:
        """A poll saw the item (`state` None: it is gone): its pending mark may clear, or turn
        into a doubt, which is said at once, on whatever view saw it."""
        runner = self.kapp.ctx.runner
        was_pending = runner.pending_for(kind, item_id) is not None
        runner.observe(kind, item_id, state)
        doubt = runner.doubt_for(kind, item_id)
        if was_pending and doubt is not None:
            self.notify(
                f"{item_id} is still {doubt.state}; the action may be tried again",
                title=doubt.warning,
                severity="warning",
            )

    def refresh_data(self) -> None:
        if self.kapp.ctx.runner.audit_failing:  # the banner says "press r to retry"
            self.kapp.retry_audit()
        pollers = self.kapp.hub.pollers
        for key, _ in self._subscriptions:
            if key in pollers:
                pollers[key].refresh_now()

    def resolve(self, name: str) -> Action | None:
        """The catalogue row behind `name` for what is shown now; None when not offered."""
        rows = [a for a in self.ACTIONS if a.name == name and offered(a)]
        rows = [a for a in rows if a.kind in self.shown_kinds()]
        if len(rows) > 1:
            with contextlib.suppress(NoMatches):
                kinds = {t.kind for t in self.selection()}
                rows = [a for a in rows if a.kind in kinds] or rows
        return rows[0] if rows else None

    def gate(self, name: str) -> Gate:
        """Judge `name` on the selection as it is now: asks the policy once per target."""
        action = self.resolve(name)
        if action is None:
            nouns = ", ".join(f"{KIND_NOUN[k]}s" for k in sorted(self.shown_kinds()))
            return Gate(None, Decision(False, f"cannot {name} {nouns} from the console"), [])
        try:
            if action.scope is Scope.PARENT:
                targets = self.parent_targets()
            else:
                targets = [t for t in self.selection() if t.kind is action.kind]
                if not action.bulk and len(targets) > 1:
                    cursor = self.cursor_id()
                    targets = [t for t in targets if t.id == cursor] or targets[:1]
        except NoMatches:  # the footer asks before compose has finished
            return Gate(action, Decision(False, "still loading"), [])
        if not targets:
            return Gate(action, Decision(False, self.no_target_reason(action)), [])
        runner = self.kapp.ctx.runner
        decisions = [runner.decide(t, action.op) for t in targets]
        allowed = [t for t, d in zip(targets, decisions, strict=True) if d.allowed]
        if not allowed:
            return Gate(action, decisions[0], [])
        denial = self.extra_denial(action, allowed)
        if denial is not None:
            return Gate(action, Decision(False, denial), [])
        return Gate(action, Decision(True), allowed)

    def _gated_name(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action == "act" and parameters:
            return str(parameters[0])
        return action if any(a.name == action for a in self.ACTIONS) else None

    def refresh_gates(self) -> None:
        """Re-dim footer keys only when a gate decision changed.

        `refresh_bindings` rebuilds the whole footer, which profiling showed to cost more than
        the rest of a poll cycle; the decisions themselves are cheap.
        """
        names = dict.fromkeys(a.name for a in self.ACTIONS)
        signature = tuple((gate.action, gate.decision.allowed) for gate in map(self.gate, names))
        if signature != getattr(self, "_gate_signature", None):
            self._gate_signature = signature
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.unoffered(self):
            return False  # does nothing here: neither the footer nor the key offers it
        name = self._gated_name(action, parameters)
        if name is None:
            return True
        gate = self.gate(name)
        if gate.action is None:
            return False  # not offered on this view (or this tab): no key at all
        return True if gate.decision.allowed else None

    def on_key(self, event: events.Key) -> None:
        """A catalogue key: judged and acted on here, once, on the selection of this instant."""
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            name = self._gated_name(binding.action.partition("(")[0], _params(binding.action))
            if name is None:
                continue
            event.stop()
            event.prevent_default()
            self.press(name, binding.description)
            return

    def action_act(self, name: str) -> None:
        self.press(name, name)

    def press(self, name: str, title: str = "") -> None:
        gate = self.gate(name)
        if gate.action is None or not gate.decision.allowed:
            reason = gate.decision.reason or "not allowed"
            self.notify(reason, title=title or name, severity="warning")
            return
        self.begin(gate.action, gate.targets)

    def begin(
        self, action: Action, targets: list[Target], params: dict[str, Any] | None = None
    ) -> None:
        """Confirm as the catalogue says (and whenever a target is not the cursor row), then run."""
        params = dict(params or {})
        if action.confirm is Confirm.FORM and "form_done" not in params:

            def submitted(values: dict[str, Any]) -> None:
                self.begin(action, targets, {**values, "form_done": True})

            self.open_form(action, targets, submitted)
            return
        cursor = self.cursor_id()
        elsewhere = action.scope is Scope.ROW and any(t.id != cursor for t in targets)
        if action.confirm in (Confirm.NONE, Confirm.FORM) and not elsewhere:
            self.execute(action, targets, params)
            return
        question = action.ask(names_of(targets), len(targets)) + self.question_note(action, targets)
        if elsewhere:
            hidden = len(self.hidden_ids() & {t.id for t in targets})
            question += f"\n\n{len(targets)} marked row(s): " + ", ".join(
                inert(t.label or t.id) for t in targets
            )
            if hidden:
                question += f"\n{hidden} of them hidden by the filter."

        def run(_: object) -> None:
            self.execute(action, targets, params)

        if action.confirm is Confirm.TYPED:
            single = len(targets) == 1
            noun = KIND_NOUN[action.kind]
            expected = (
                (targets[0].label or targets[0].id)
                if single
                else f"{action.name} {len(targets)} {noun}s"
            )
            prompt = f"{question} Type its name:" if single else f"{question} Type '{expected}':"
            self.ask(TypedConfirmDialog(prompt, expected), run)
        else:
            self.ask(ConfirmDialog(question, danger=action.dangerous), run)

    def ask(self, dialog: Screen[Any], then: Callable[[Any], object]) -> None:
        """Show `dialog`; `then(answer)` when it is answered yes (or with a value)."""

        def answered(answer: Any) -> None:
            if answer:
                then(answer)

        self.app.push_screen(dialog, answered)

    @work(exclusive=False, exit_on_error=False, group="actions")
    async def execute(self, action: Action, targets: list[Target], params: dict[str, Any]) -> None:
        await self.perform(action, targets, params)

    async def perform(
        self, action: Action, targets: list[Target], params: dict[str, Any]
    ) -> list[Outcome]:
        ctx = self.kapp.ctx
        args = {**self.call_args(), **params}
        call = action.call
        assert call is not None, action
        outcomes: list[Outcome] = await ctx.runner.run(
            action.op,
            targets,
            lambda t: call(ctx.client, t.id, {**args, **self.target_args(t)}),
            operation=action.operation,
            capture=ctx.client.capture_request_ids,
            mark_pending=action.mark_pending,
            on_marked=lambda t: self.targets_changed([t]),
            verb=args.get("pending", action.pending),
        )
        self.targets_changed(targets)
        labels = ", ".join(inert(o.target.label) for o in outcomes if o.ok)
        done = args.get("done") or f"{action.done}: {labels}"
        noun = KIND_NOUN[action.kind]
        report_outcomes(self.notify, action.operation, outcomes, done, check_what=f"the {noun}")
        self.after_action(action, outcomes, args)
        self.refresh_data()
        return outcomes

    # -- help ------------------------------------------------------------------------------
    def help_rows(self) -> list[HelpRow]:
        """Every binding of this screen: one row per action with its keys joined ("↑/k");
        catalogue actions say whether and why they are disabled; one not offered here is left
        out. Hidden bindings are listed too: help is where the keys the footer has no room for
        are found."""
        return self._binding_rows(self)

    def focused_help_rows(self) -> list[HelpRow]:
        """The focused widget's keys (a table's movement, mark and open keys)."""
        return [] if self.focused is None else self._binding_rows(self.focused)

    def unoffered(self, node: Any) -> frozenset[str]:
        """Actions of `node`'s bindings that do nothing on this screen: left out of help, and
        (the screen's own) refused by `check_action`, so neither footer nor key offers them."""
        return frozenset()

    def _binding_rows(self, node: Any) -> list[HelpRow]:
        keys: dict[str, list[str]] = {}
        described: dict[str, Binding] = {}
        skipped = TEXTUAL_ACTIONS | self.unoffered(node)
        for bindings in node._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.description and binding.action not in skipped:
                    keys.setdefault(binding.action, []).append(self.app.get_key_display(binding))
                    described.setdefault(binding.action, binding)
        rows: list[HelpRow] = []
        for action, binding in described.items():
            name = self._gated_name(action.partition("(")[0], _params(action))
            decision = Decision(True)
            if name is not None and node is self:
                gate = self.gate(name)
                if gate.action is None:
                    continue
                decision = gate.decision
            shown = "/".join(dict.fromkeys(keys[action]))
            rows.append(HelpRow(shown, binding.description, decision.allowed, decision.reason))
        return rows


def _params(action: str) -> tuple[object, ...]:
    """The parameter of "act('start')" (the only parameterised action form used here)."""
    _, _, rest = action.partition("(")
    return (rest.rstrip(")").strip("'\""),) if rest else ()
