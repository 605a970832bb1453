"""Fake IAM `POST /v3/auth/tokens`: password identity, project scope, 201 + X-Subject-Token."""

from __future__ import annotations

import json
import time
from typing import Any

from koomap_tui.sim.core import Simulator
from koomap_tui.sim.tenants import Tenant

Answer = tuple[int, dict[str, str], bytes]


def _error(status: int, title: str, message: str) -> Answer:
    body = {"error": {"code": status, "title": title, "message": message}}
    return status, {"content-type": "application/json"}, json.dumps(body).encode()


def _iso_micro(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1e6):06d}Z"


def issue(sim: Simulator, body: bytes) -> Answer:
    try:
        data: Any = json.loads(body or b"null")
        identity = data["auth"]["identity"]
        user = identity["password"]["user"]
        name, password, domain = user["name"], user["password"], user["domain"]
        scope = data["auth"].get("scope") or {}
    except (ValueError, KeyError, TypeError):
        return _error(400, "Bad Request", "The request body is malformed.")
    if "password" not in (identity.get("methods") or []):
        return _error(400, "Bad Request", "Only the password method is supported.")
    tenant: Tenant | None = None
    for candidate in sim.tenants.values():
        domain_ok = (
            domain.get("name") == candidate.domain or domain.get("id") == candidate.domain_id
        )
        if candidate.user == name and candidate.password == password and domain_ok:
            tenant = candidate
    if tenant is None:
        return _error(401, "Unauthorized", "The username or password is wrong.")
    project = scope.get("project") if isinstance(scope, dict) else None
    if not isinstance(project, dict):
        return _error(400, "Bad Request", "KooMap needs a project-scoped token.")
    if project.get("id") != tenant.project_id and project.get("name") != tenant.project_name:
        return _error(401, "Unauthorized", "The project in the scope is not accessible.")
    token, expires = sim.issue_token(tenant)
    now = time.time()
    answer = {
        "token": {
            "expires_at": _iso_micro(expires),
            "issued_at": _iso_micro(now),
            "methods": ["password"],
            "catalog": [],
            "project": {
                "id": tenant.project_id,
                "name": tenant.project_name,
                "domain": {"id": tenant.domain_id, "name": tenant.domain},
            },
            "user": {
                "id": tenant.domain_id[:16] + tenant.project_id[:16],
                "name": tenant.user,
                "domain": {"id": tenant.domain_id, "name": tenant.domain},
            },
            "roles": [{"id": "0", "name": "KooMap FullAccess"}],
        }
    }
    headers = {"content-type": "application/json", "x-subject-token": token}
    return 201, headers, json.dumps(answer).encode()
