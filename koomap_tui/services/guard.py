"""Read-only mode enforced at the service boundary, not only by dimmed keys.

The policy check in `ActionRunner` already refuses mutating operations in read-only mode, but a
screen that calls the client directly (a form, a bulk tool, a future feature) would bypass it.
`ReadOnlyClient` wraps the `KooMapClient` the whole console shares: every operation the client
marks as not read-only (`OPERATIONS[name].read_only is False`) raises `ReadOnlyError` before any
byte leaves the machine, so nothing can mutate, whatever path the call takes.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any

from koomap_tui.api.client import OPERATIONS, KooMapClient
from koomap_tui.api.errors import PermissionDeniedError

READ_ONLY_CODE = "CLIENT.READ_ONLY"

#: Client method names that change something on the server (everything not marked read-only).
MUTATING_METHODS: frozenset[str] = frozenset(
    name for name, op in OPERATIONS.items() if not op.read_only
)


class ReadOnlyError(PermissionDeniedError):
    """A mutating operation was attempted in read-only mode; nothing was sent."""

    def __init__(self, operation: str) -> None:
        super().__init__(
            READ_ONLY_CODE,
            f"{operation} refused: the console runs in read-only mode (nothing was sent)",
            None,
            None,
            operation,
        )


class ReadOnlyClient:
    """A `KooMapClient` stand-in that forwards reads and refuses every mutating operation."""

    def __init__(self, inner: KooMapClient) -> None:
        self._inner = inner

    @property
    def inner(self) -> KooMapClient:
        return self._inner

    def __getattr__(self, name: str) -> Any:
        if name in MUTATING_METHODS:
            return _refuser(OPERATIONS[name].operation_id)
        if name.startswith("_"):
            raise AttributeError(name)  # private helpers (e.g. _send) are no back door
        return getattr(self._inner, name)

    async def __aenter__(self) -> ReadOnlyClient:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)

    def __repr__(self) -> str:
        return f"ReadOnlyClient({self._inner!r})"


def _refuser(operation: str) -> Callable[..., Coroutine[Any, Any, Any]]:
    async def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise ReadOnlyError(operation)

    refuse.__name__ = f"refuse_{operation}"
    return refuse


def guard(client: KooMapClient, read_only: bool) -> Any:
    """The client the console should use: wrapped when read-only, as is otherwise."""
    return ReadOnlyClient(client) if read_only else client
