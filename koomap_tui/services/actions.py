"""Run one operator action: policy check, pending marker, API call, audit record.

Every mutating call of the console goes through `ActionRunner.run`, so read-only mode, the
state policy, the "never twice while pending" rule and the audit trail live in one place.
Mutating calls are never retried: when the connection drops after the request may have left,
the outcome is recorded as unknown and the operator is told to look before trying again.

No action without its record: an "intent" record is written before the request is sent and the
outcome after it, joined by one `action_id`. When a record cannot be written the runner enters
the "audit failing" state (`audit_error`): nothing more is sent until `retry_audit` finds the
log writable again, and an action whose intent could not be written is not sent at all.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from koomap_tui.api.errors import KooMapError, TransportError
from koomap_tui.domain.policy import Decision, Kind, Op, check, is_mutating
from koomap_tui.services.audit import AuditLog, AuditRecord
from koomap_tui.services.audit import Outcome as AuditOutcome

PENDING_TIMEOUT = 120.0

log = logging.getLogger(__name__)

_AUDIT_OUTCOME: dict[str, AuditOutcome] = {
    "ok": "ok",
    "error": "error",
    "unknown": "unknown",
    "denied": "denied",
    "busy": "denied",
}


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
    #: The call's outcome is unknown (the connection dropped): polls since then that still
    #: showed `from_state`. The first such poll may have been fetched before the outcome was
    #: known; the second one started after it, so it proves the action changed nothing (yet).
    unknown_polls: int | None = None

    def expired(self, now: float, timeout: float = PENDING_TIMEOUT) -> bool:
        return now - self.since > timeout


@dataclass(frozen=True)
class Doubt:
    """An action whose outcome was unknown and which a fresh poll showed had no effect."""

    op: Op
    state: str

    @property
    def warning(self) -> str:
        return f"{self.op.value} may not have reached KooMap"


#: Polls after an unknown outcome showing no change before the mark gives way to the truth.
UNKNOWN_POLLS = 2


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
        #: Items shown in their true state with a warning: an unknown outcome changed nothing
        #: that a fresh poll could see. They do not block the action from being tried again.
        self.doubts: dict[tuple[Kind, str], Doubt] = {}
        #: Why the audit log cannot be written, while it cannot ("audit failing" state).
        self.audit_error: str | None = None
        #: Told of every outcome record once it is written (the history keeps them); must be
        #: cheap (it runs on the event loop) and its failures never reach the action.
        self.on_record: Callable[[AuditRecord], None] | None = None

    @property
    def audit_failing(self) -> bool:
        return self.audit_error is not None

    async def retry_audit(self) -> bool:
        """Probe the audit log; leave the "audit failing" state when it is writable again."""
        if self.audit is None:
            self.audit_error = None
            return True
        try:
            await self.audit.aprobe()
        except OSError as exc:
            self._audit_failed(exc)
            return False
        self.audit_error = None
        return True

    def _audit_failed(self, exc: OSError) -> None:
        reason = exc.strerror or str(exc)
        where = self.audit.path if self.audit is not None else "the audit log"
        self.audit_error = f"cannot write {where}: {reason}"
        log.error("audit log failing: %s", self.audit_error)

    def decide(self, target: Target, op: Op) -> Decision:
        if (target.kind, target.id) in self.pending:
            p = self.pending[(target.kind, target.id)]
            return Decision(False, f"an action is already in flight ({p.verb}); wait for it")
        if self.audit_error is not None and is_mutating(op):
            return Decision(False, f"audit log failing ({self.audit_error}); nothing is sent")
        return check(target.kind, target.state, op, read_only=self.read_only, attrs=target.attrs)

    def now(self) -> float:
        return self._clock()

    def pending_for(self, kind: Kind, item_id: str) -> Pending | None:
        return self.pending.get((kind, item_id))

    def doubt_for(self, kind: Kind, item_id: str) -> Doubt | None:
        return self.doubts.get((kind, item_id))

    def watching(self, kind: Kind, item_id: str) -> bool:
        """Whether polls of this item must be shown to `observe` (a mark or a warning on it)."""
        return (kind, item_id) in self.pending or (kind, item_id) in self.doubts

    def observe(self, kind: Kind, item_id: str, state: str | None) -> None:
        """A poll saw the item: clear its pending mark once its state moved (or it is gone).

        After an unknown outcome, a fresh poll that still shows the old state turns the mark
        into a doubt: the true state is shown with a warning and the action may be tried again.
        """
        key = (kind, item_id)
        d = self.doubts.get(key)
        if d is not None and (state is None or state != d.state):
            del self.doubts[key]
        p = self.pending.get(key)
        if p is None:
            return
        if state is None or state != p.from_state:
            del self.pending[key]
        elif p.unknown_polls is not None:
            p.unknown_polls += 1
            if p.unknown_polls >= UNKNOWN_POLLS:
                del self.pending[key]
                self.doubts[key] = Doubt(p.op, p.from_state)

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
            action_id = uuid.uuid4().hex
            if not await self._intent(operation, target, action_id):
                outcomes.append(
                    Outcome(
                        target,
                        "denied",
                        f"not sent: the audit record could not be written ({self.audit_error})",
                    )
                )
                continue
            self.doubts.pop((target.kind, target.id), None)
            if mark_pending and is_mutating(op):
                self.pending[(target.kind, target.id)] = Pending(
                    op, target.state, self._clock(), verb or f"{op.value}…"
                )
                if on_marked is not None:
                    on_marked(target)
            outcome = await self._call(target, call, capture)
            if not outcome.ok and outcome.status != "unknown":
                self.pending.pop((target.kind, target.id), None)
            mark = self.pending.get((target.kind, target.id))
            if outcome.status == "unknown" and mark is not None:
                mark.unknown_polls = 0
            if not await self._record(operation, outcome, action_id):
                outcome = replace(
                    outcome,
                    message=f"{outcome.message} (the outcome was not audited: {self.audit_error})",
                )
            outcomes.append(outcome)
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

    async def _intent(self, operation: str, target: Target, action_id: str) -> bool:
        """Write the "intent" record; False (and the failing state) when it could not be."""
        if self.audit is None:
            return True
        try:
            await self.audit.arecord(
                profile=self.profile,
                operator=self.operator,
                operation=operation,
                targets=[target.id],
                outcome="intent",
                detail={"state": target.state},
                action_id=action_id,
            )
        except OSError as exc:
            self._audit_failed(exc)
            return False
        return True

    async def _record(self, operation: str, outcome: Outcome, action_id: str | None = None) -> bool:
        if self.audit is None:
            return True
        error = outcome.error
        try:
            record = await self.audit.arecord(
                profile=self.profile,
                operator=self.operator,
                operation=operation,
                targets=[outcome.target.id],
                outcome=_AUDIT_OUTCOME.get(outcome.status, "error"),
                request_id=outcome.request_id,
                error_code=error.code if error is not None else None,
                detail=None if outcome.ok else outcome.message,
                action_id=action_id,
            )
        except OSError as exc:
            self._audit_failed(exc)
            return False
        if self.on_record is not None:
            try:
                self.on_record(record)
            except Exception:
                log.exception("audit listener failed")
        return True
