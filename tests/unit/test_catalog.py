"""The action catalogue against the policy table: what is offered, and the words it supplies."""

from __future__ import annotations

from koomap_tui.domain.catalog import CATALOG, Confirm, Scope, offered, row
from koomap_tui.domain.policy import TABLE, Kind, Op


def test_every_row_is_an_operation_the_policy_knows_and_some_state_allows() -> None:
    for action in CATALOG:
        assert action.op in TABLE[action.kind], action
        assert offered(action), action


def test_no_row_where_the_console_cannot_act() -> None:
    # Image sets are OBS directories (no listing), satellite images have no delete API.
    kinds_ops = {(a.kind, a.op) for a in CATALOG}
    assert (Kind.FOLDER, Op.DOWNLOAD) not in kinds_ops
    assert (Kind.SATELLITE_IMAGE, Op.DELETE) not in kinds_ops


def test_one_row_per_kind_operation_and_name_and_one_key_per_name() -> None:
    rows = [(a.kind, a.op, a.name) for a in CATALOG]
    assert len(rows) == len(set(rows))
    keys: dict[str, str] = {}
    for action in CATALOG:  # a name is the same key on every view ("d" deletes everywhere)
        assert keys.setdefault(action.name, action.key) == action.key, action


def test_destructive_rows_ask_and_parent_rows_never_mark_pending() -> None:
    for action in CATALOG:
        if action.op is Op.DELETE:
            assert action.confirm in (Confirm.TYPED, Confirm.YES) and action.dangerous, action
        if action.scope is Scope.PARENT:
            assert not action.mark_pending, action
        if action.call is None:
            assert action.op is Op.DOWNLOAD, action


def test_offered_follows_the_policy_table() -> None:
    start = row(Kind.REAL3D_TASK, Op.START)
    assert offered(start)
    orphan = start.__class__(**{**start.__dict__, "kind": Kind.FOLDER})
    assert not offered(orphan)  # no rule for starting an image set
    assert "{names}" in start.question and start.ask("a, b", 2) == "Start 2 tasks (a, b)?"
