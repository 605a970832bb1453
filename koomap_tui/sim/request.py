"""What a handler sees of one authenticated request."""

from __future__ import annotations

from typing import Any

from koomap_tui.sim.params import Query, json_body
from koomap_tui.sim.store import TenantStore


class Raw:
    """A pre-serialised JSON answer (list pages assemble cached record bytes)."""

    __slots__ = ("body", "status")

    def __init__(self, body: bytes, status: int = 200) -> None:
        self.body = body
        self.status = status


class Req:
    __slots__ = ("body", "headers", "method", "now", "params", "path", "query", "store", "user")

    def __init__(
        self,
        method: str,
        path: str,
        query: Query,
        headers: dict[str, str],
        body: bytes,
        params: dict[str, str],
    ) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.params = params
        self.store: TenantStore = None  # type: ignore[assignment]
        self.user = ""
        self.now = 0.0

    def json(self, *, required: bool = False) -> dict[str, Any]:
        return json_body(self.body, required=required) or {}
