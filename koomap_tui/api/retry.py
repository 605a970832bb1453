"""When and how long to wait before repeating a read.

Only reads are ever repeated: a stop or delete that timed out may have happened, and repeating it
blindly can hit a different item state (or, for create calls, make a duplicate).  The client
decides *whether* an operation is retry-safe; this module decides *whether this failure* is worth
another attempt and *how long* to wait.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from koomap_tui.api.errors import KooMapError, ServerError, ThrottledError, TransportError


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, honouring the server's ``Retry-After`` up to a cap."""

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    #: A server asking for more than this is not waited for longer than this.
    max_retry_after: float = 30.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def should_retry(self, error: KooMapError, attempt: int) -> bool:
        """``attempt`` counts the attempts already made (1 after the first failure)."""
        if attempt > self.max_retries:
            return False
        return isinstance(error, TransportError | ThrottledError | ServerError)

    def delay(self, error: KooMapError, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1``.

        Backoff is ``base * 2**(attempt-1)`` capped at ``max_delay``, with "equal jitter"
        (half fixed, half random) so several consoles of one tenant do not retry in lockstep.
        A ``Retry-After`` from the server (429 or 503) is a floor, capped at ``max_retry_after``.
        """
        backoff = min(self.max_delay, self.base_delay * 2.0 ** max(attempt - 1, 0))
        wait = backoff / 2 + self.rng.uniform(0, backoff / 2)
        if error.retry_after is not None:
            wait = max(wait, min(error.retry_after, self.max_retry_after))
        return wait
