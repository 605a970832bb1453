"""`--workspace NAME|ID`: find a workspace by its id or by its exact name.

The operator knows workspaces by name; the API wants ids. An id (32 hex characters) is looked up
as such first; otherwise, or when no workspace has that id, the name is matched exactly (any case)
among the workspaces the name filter returns. No match, or two workspaces of that name, is an
error that lists what was close, never a guess.
"""

from __future__ import annotations

import difflib
import re

from koomap_tui.api.client import KooMapClient
from koomap_tui.api.models import Workspace

_ID = re.compile(r"^[0-9a-fA-F]{32}$")


class WorkspaceNotFound(LookupError):
    """No workspace, or more than one, answers to what the operator typed."""


async def resolve_workspace(client: KooMapClient, ref: str) -> Workspace:
    text = ref.strip()
    if not text:
        raise WorkspaceNotFound("empty workspace name")
    if _ID.match(text):
        page = await client.list_common_workspace(workspace_ids=[text.lower()], limit=10)
        for ws in page.data:
            if ws.workspace_id.lower() == text.lower():
                return ws
    if len(text) > 64:
        raise WorkspaceNotFound(f"no workspace named {text[:64]!r}…")
    page = await client.list_common_workspace(workspace_name=text, limit=100)
    exact = [ws for ws in page.data if (ws.workspace_name or "").lower() == text.lower()]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        ids = ", ".join(ws.workspace_id for ws in exact)
        raise WorkspaceNotFound(f"several workspaces are named {text!r} ({ids}); give the id")
    names = [ws.workspace_name or "" for ws in page.data]
    if not names:
        everything = await client.list_common_workspace(limit=100)
        names = [ws.workspace_name or "" for ws in everything.data]
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(repr(n) for n in close)}?)" if close else ""
    raise WorkspaceNotFound(f"no workspace named or with id {text!r}{hint}")
