"""How every screen tells the operator what an action did: one notice per outcome kind."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from koomap_tui.services.actions import Outcome
from koomap_tui.ui.format import inert

Notify = Callable[..., Any]


def report_outcomes(
    notify: Notify,
    operation: str,
    outcomes: Iterable[Outcome],
    done: str | None = None,
    *,
    check_what: str = "the item",
) -> None:
    """Success in one line (`done`, or "<operation> done: labels"); each failure on its own,
    with the KooMap code; an unknown outcome (connection lost after sending) as a warning that
    tells the operator to look before trying again; a refusal with its reason."""
    outcomes = list(outcomes)
    ok = [o for o in outcomes if o.ok]
    if ok:
        labels = ", ".join(inert(o.target.label) for o in ok[:5])
        more = f" and {len(ok) - 5} more" if len(ok) > 5 else ""
        notify(done or f"{operation} done: {labels}{more}", timeout=4)
    for outcome in outcomes:
        label = inert(outcome.target.label)
        if outcome.status == "error" and outcome.error is not None:
            notify(
                f"{label}: {inert(outcome.error)}",
                title=f"{operation} failed",
                severity="error",
                timeout=10,
            )
        elif outcome.status == "unknown":
            notify(
                f"{label}: connection lost after sending; the request may have been applied."
                f" Check {check_what} before trying again.",
                title=f"{operation}: outcome unknown",
                severity="warning",
                timeout=15,
            )
        elif not outcome.ok:
            notify(f"{label}: {outcome.message}", severity="warning")
