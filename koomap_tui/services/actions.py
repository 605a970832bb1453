"""Run one operator action: policy check, pending marker, API call, audit record.

Every mutating call of the console goes through `ActionRunner.run`, so read-only mode, the
state policy, the "never twice while pending" rule and the audit trail live in one place.
Mutating calls are never retried: when the connection drops after the request may have left,
the outcome is recorded as unknown and the operator is told to look before trying again.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from koomap_tui.api.errors import KooMapError, TransportError
from koomap_tui.domain.policy import Decision, Kind, Op, check, is_mutating
from koomap_tui.services.audit import AuditLog

PENDING_TIMEOUT = 120.0
AuditOutcome = Literal["ok", "error", "unknown", "denied"]


@dataclass(frozen=True)
class Target:
    """One item an action applies to, with the state the operator saw."""

    kind: Kind
    id: str
    state: str
    label: str = ""
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Pending:
    op: Op
    from_state: str
    since: float
    verb: str

    def expired(self, now: float, timeout: float = PENDING_TIMEOUT) -> bool:
        return now - self.since > timeout


@dataclass(frozen=True)
class Outcome:
    """What happened to one target."""

    target: Target
    status: str  # ok | error | unknown | denied | busy
    message: str
    request_id: str | None = None
    error: KooMapError | None = None
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class ActionRunner:
    """Policy-gated, audited execution of operations; holds the pending markers."""

    def __init__(
        self,
        audit: AuditLog | None,
        *,
        profile: str,
        operator: str,
        read_only: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.audit = audit
        self.profile = profile
        self.operator = operator
        self.read_only = read_only
        self._clock = clock
        self.pending: dict[tuple[Kind, str], Pending] = {}

    def decide(self, target: Target, op: Op) -> Decision:
        if (target.kind, target.id) in self.pending:
            p = self.pending[(target.kind, target.id)]
            return Decision(False, f"an action is already in flight ({p.verb}); wait for it")
        return check(target.kind, target.state, op, read_only=self.read_only, attrs=target.attrs)

    def now(self) -> float:
        return self._clock()

    def pending_for(self, kind: Kind, item_id: str) -> Pending | None:
        return self.pending.get((kind, item_id))

    def observe(self, kind: Kind, item_id: str, state: str | None) -> None:
        """A poll saw the item: clear its pending mark once its state moved (or it is gone)."""
        p = self.pending.get((kind, item_id))
        if p is not None and (state is None or state != p.from_state):
            del self.pending[(kind, item_id)]

    def expired(self) -> list[tuple[Kind, str]]:
        now = self._clock()
        return [k for k, p in self.pending.items() if p.expired(now)]

    async def run(
        self,
        op: Op,
        targets: list[Target],
        call: Callable[[Target], Awaitable[Any]],
        *,
        operation: str,
        mark_pending: bool = True,
        capture: Callable[[], Any] | None = None,
        on_marked: Callable[[Target], None] | None = None,
        verb: str | None = None,
    ) -> list[Outcome]:
        """Run `call` for each allowed target, one after the other, recording each outcome.

        `capture` returns a context manager collecting request ids (the client's
        `capture_request_ids`); it is optional so that tests can run without a client. `verb` is
        the pending mark shown on the row while in flight (the catalogue's `pending`).
        """
        outcomes: list[Outcome] = []
        for target in targets:
            decision = self.decide(target, op)
            if not decision.allowed:
                outcome = Outcome(target, "denied", decision.reason or "not allowed")
                outcomes.append(outcome)
                await self._record(operation, outcome)
                continue
            if mark_pending and is_mutating(op):
                self.pending[(target.kind, target.id)] = Pending(
                    op, target.state, self._clock(), verb or f"{op.value}…"
                )
                if on_marked is not None:
                    on_marked(target)
            outcome = await self._call(target, call, capture)
            if not outcome.ok and outcome.status != "unknown":
                self.pending.pop((target.kind, target.id), None)
            outcomes.append(outcome)
            await self._record(operation, outcome)
        return outcomes

    async def _call(
        self,
        target: Target,
        call: Callable[[Target], Awaitable[Any]],
        capture: Callable[[], Any] | None,
    ) -> Outcome:
        ids: list[str] = []
        try:
            if capture is not None:
                with capture() as captured:
                    result = await call(target)
                ids = list(captured)
            else:
                result = await call(target)
        except TransportError as exc:
            if exc.maybe_sent:
                return Outcome(
                    target, "unknown", "unknown: connection lost after sending", error=exc
                )
            return Outcome(target, "error", str(exc), error=exc)
        except KooMapError as exc:
            return Outcome(target, "error", str(exc), request_id=exc.request_id, error=exc)
        return Outcome(target, "ok", "ok", request_id=ids[-1] if ids else None, result=result)

    async def _record(self, operation: str, outcome: Outcome) -> None:
        if self.audit is None:
            return
        error = outcome.error
        await self.audit.arecord(
            profile=self.profile,
            operator=self.operator,
            operation=operation,
            targets=[outcome.target.id],
            outcome=cast(AuditOutcome, outcome.status if outcome.status != "busy" else "denied"),
            request_id=outcome.request_id,
            error_code=error.code if error is not None else None,
            detail=None if outcome.ok else outcome.message,
        )
