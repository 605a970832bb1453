"""The policy table against the reference (tests/data/states.json) and the rules of SPEC §11."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from koomap_tui.domain.policy import (
    TABLE,
    Decision,
    Kind,
    Op,
    check,
    decisions,
    is_mutating,
    ops_for,
)
from koomap_tui.domain.states import STATES

STATES_JSON = Path(__file__).resolve().parents[1] / "data" / "states.json"

RESOURCE_KIND = {
    "real3d_task": Kind.REAL3D_TASK,
    "real3d_subtask": Kind.SUBTASK,
    "satellite_task": Kind.SATELLITE_TASK,
    "real3d_product": Kind.PRODUCT,
    "real3d_refine_product": Kind.REFINE_PRODUCT,
    "tilt_image_folder": Kind.FOLDER,
    "satellite_image_file": Kind.SATELLITE_IMAGE,
}

# states.json operation names -> the Op ids that implement them.
OP_MAP: dict[str, tuple[Op, ...]] = {
    "start": (Op.START,),
    "start_at_only": (Op.START_AT_ONLY,),
    "stop": (Op.STOP,),
    "update": (Op.UPDATE,),
    "delete": (Op.DELETE,),
    "archive": (Op.ARCHIVE,),
    "unarchive": (Op.UNARCHIVE,),
    "create_subtask": (Op.CREATE_SUBTASK,),
    "edit_spurs": (Op.EDIT_SPURS,),
    "update_upload_status": (Op.UPLOAD,),
    "view_products": (Op.VIEW_PRODUCTS,),
    "download": (Op.DOWNLOAD,),
    "bind_to_task (folder_code)": (Op.USE_IN_TASK,),
    "use_in_task / validate_image": (Op.USE_IN_TASK, Op.VALIDATE),
    "download (console)": (Op.DOWNLOAD,),
    "delete (console)": (Op.DELETE,),
    "export retry (console)": (Op.EXPORT,),
    "delete retry (console)": (Op.DELETE,),
}

# Cells where the table deliberately says more than states.json lists (docs/policy.md).
DEVIATIONS: set[tuple[Kind, str, Op]] = {
    # states.json transitions contain "0 -export-> 3" (console), but "0" lists no export op.
    (Kind.SATELLITE_IMAGE, "0", Op.EXPORT),
    # SPEC §11.5 download summary: a finished image set (1) is downloadable; states.json only
    # lists binding it to a task.
    (Kind.FOLDER, "1", Op.DOWNLOAD),
}


def _load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(STATES_JSON.read_text(encoding="utf-8"))
    return data


def _cells() -> list[tuple[Kind, str, str, Op, bool]]:
    cells = []
    for resource, kind in RESOURCE_KIND.items():
        for state in _load()["resources"][resource]["states"]:
            name = str(state["name"])
            for verdict, key in ((True, "allowed_operations"), (False, "denied_operations")):
                for entry in state.get(key, []):
                    for op in OP_MAP[entry["op"]]:
                        cells.append((kind, name, entry["op"], op, verdict))
    return cells


CELLS = _cells()


def test_states_json_is_a_verbatim_copy_when_the_reference_is_present() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "koomap-api" / "states.json"
    if not shared.exists():
        pytest.skip("reference checkout not present")
    assert STATES_JSON.read_bytes() == shared.read_bytes()


def test_every_states_json_op_name_is_mapped() -> None:
    names = {c[2] for c in CELLS}
    assert names <= set(OP_MAP)
    assert len(CELLS) > 200


@pytest.mark.parametrize(
    ("kind", "state", "json_op", "op", "allowed"),
    CELLS,
    ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in CELLS],
)
def test_cell_matches_states_json(
    kind: Kind, state: str, json_op: str, op: Op, allowed: bool
) -> None:
    decision = check(kind, state, op)
    assert decision.allowed is allowed, decision.reason
    if allowed:
        assert decision.reason is None
    else:
        assert decision.reason


@pytest.mark.parametrize("resource", sorted(RESOURCE_KIND))
def test_states_and_ops_cover_states_json_exactly(resource: str) -> None:
    """Every op of the kind not listed as allowed is denied (the lists are exhaustive)."""
    kind = RESOURCE_KIND[resource]
    spec = _load()["resources"][resource]
    assert set(STATES[kind]) == {str(s["name"]) for s in spec["states"]}
    for state in spec["states"]:
        name = str(state["name"])
        allowed = {op for e in state["allowed_operations"] for op in OP_MAP[e["op"]]}
        for op in ops_for(kind):
            expected = op in allowed or (kind, name, op) in DEVIATIONS
            assert check(kind, name, op).allowed is expected, (name, op)
    if "operations" in spec:
        listed = {op for name in spec["operations"] for op in OP_MAP[name]}
        assert set(ops_for(kind)) == listed


def test_deviations_really_deviate() -> None:
    for kind, state, op in DEVIATIONS:
        assert check(kind, state, op).allowed


# --- reasons -------------------------------------------------------------------------------


def test_reason_names_state_in_english_and_chinese() -> None:
    d = check(Kind.SATELLITE_IMAGE, "1", Op.DOWNLOAD)
    assert d == Decision(False, "cannot download: the image is being imported (迁入中)")
    d = check(Kind.REAL3D_TASK, "RUNNING", Op.UPDATE)
    assert d.reason == "cannot update: the task is running (运行中); stop it first"


def test_start_at_only_needs_ctrl() -> None:
    d = check(Kind.REAL3D_TASK, "INIT", Op.START_AT_ONLY, attrs={"task_type": "REAL3D-UNCTRL"})
    assert not d.allowed
    assert d.reason is not None
    assert d.reason.startswith("start AT-only needs a REAL3D-CTRL task")
    assert check(Kind.REAL3D_TASK, "INIT", Op.START_AT_ONLY, attrs={"task_type": "REAL3D-CTRL"})
    # an unknown (empty) task type does not deny: the server decides
    assert check(Kind.REAL3D_TASK, "INIT", Op.START_AT_ONLY, attrs={"task_type": ""})
    assert check(Kind.REAL3D_TASK, "SUCCESS", Op.CREATE_SUBTASK, attrs={"modeling_type": ""})
    # plain start does not care about the task type
    assert check(Kind.REAL3D_TASK, "INIT", Op.START, attrs={"task_type": "REAL3D-UNCTRL"})


def test_create_subtask_needs_nerf_and_room() -> None:
    d = check(Kind.REAL3D_TASK, "SUCCESS", Op.CREATE_SUBTASK, attrs={"modeling_type": "Mesh"})
    assert d.reason is not None and d.reason.startswith("create subtask needs a Nerf task")
    ok = check(Kind.REAL3D_TASK, "SUCCESS", Op.CREATE_SUBTASK, attrs={"modeling_type": "Nerf"})
    assert ok.allowed
    full = check(
        Kind.REAL3D_TASK,
        "SUCCESS",
        Op.CREATE_SUBTASK,
        attrs={"modeling_type": "Nerf", "subtask_count": "10"},
    )
    assert not full.allowed and "at most 10" in (full.reason or "")
    assert check(
        Kind.REAL3D_TASK, "ARCHIVED", Op.CREATE_SUBTASK, attrs={"subtask_count": "9"}
    ).allowed


def test_edit_spurs_needs_ctrl_and_bundle_success() -> None:
    assert check(
        Kind.REAL3D_TASK, "BUNDLE_SUCCESS", Op.EDIT_SPURS, attrs={"task_type": "REAL3D-CTRL"}
    )
    d = check(
        Kind.REAL3D_TASK, "BUNDLE_SUCCESS", Op.EDIT_SPURS, attrs={"task_type": "REAL3D-UNCTRL"}
    )
    assert not d.allowed
    d = check(Kind.REAL3D_TASK, "INIT", Op.EDIT_SPURS)
    assert (
        d.reason == "cannot edit spurs: the task has not been started (初始化); run AT-only first"
    )


def test_enum_members_and_ints_are_accepted_as_state() -> None:
    from enum import IntEnum, StrEnum

    class S(StrEnum):
        RUNNING = "RUNNING"

    class F(IntEnum):
        DONE = 1

    assert check(Kind.REAL3D_TASK, S.RUNNING, Op.STOP)
    assert check(Kind.FOLDER, F.DONE, Op.USE_IN_TASK)
    assert check(Kind.FOLDER, 1, Op.DOWNLOAD)
    assert not check(Kind.FOLDER, 0, Op.DOWNLOAD)


@pytest.mark.parametrize("kind", [k for k in Kind if k is not Kind.WORKSPACE])
def test_unknown_state_denies_everything(kind: Kind) -> None:
    for op in Op:
        d = check(kind, "WARP_SPEED", op)
        assert not d.allowed
    for op in ops_for(kind):
        d = check(kind, "WARP_SPEED", op)
        assert d.reason is not None and d.reason.startswith("unknown state WARP_SPEED")


def test_undocumented_image_code_5_is_unknown() -> None:
    d = check(Kind.SATELLITE_IMAGE, "5", Op.DOWNLOAD)
    assert d.reason is not None and d.reason.startswith("unknown state 5")


def test_op_outside_the_kind_is_denied_with_reason() -> None:
    d = check(Kind.PRODUCT, "available", Op.START)
    assert not d.allowed
    assert d.reason == "cannot start: not an operation on a product"


# --- downloads (SPEC §11.5) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "ok"),
    [
        (Kind.PRODUCT, {"available"}),
        (Kind.REFINE_PRODUCT, {"available"}),
        (Kind.FOLDER, {"1"}),
        (Kind.SATELLITE_IMAGE, {"0"}),
    ],
)
def test_download_only_in_ready_states(kind: Kind, ok: set[str]) -> None:
    for state in STATES[kind]:
        assert check(kind, state, Op.DOWNLOAD).allowed is (state in ok), state


@pytest.mark.parametrize(
    ("kind", "state", "text"),
    [
        (Kind.SATELLITE_IMAGE, "1", "is being imported (迁入中)"),
        (Kind.SATELLITE_IMAGE, "3", "is being exported (迁出中)"),
        (Kind.SATELLITE_IMAGE, "6", "is being deleted (删除中)"),
        (Kind.SATELLITE_IMAGE, "2", "failed to import (迁入失败)"),
        (Kind.FOLDER, "0", "is being processed (处理中)"),
        (Kind.FOLDER, "2", "failed to import (导入失败)"),
        (Kind.PRODUCT, "preparing", "is being prepared (准备中)"),
        (Kind.REFINE_PRODUCT, "deleting", "is being deleted (删除中)"),
    ],
)
def test_download_blocked_reason(kind: Kind, state: str, text: str) -> None:
    d = check(kind, state, Op.DOWNLOAD)
    assert not d.allowed
    assert d.reason is not None and d.reason.startswith("cannot download: the ")
    assert text in d.reason


def test_transitional_image_states_block_everything() -> None:
    for state in ("1", "3", "6"):
        assert not any(d.allowed for _, d in decisions(Kind.SATELLITE_IMAGE, state))


# --- read-only mode -----------------------------------------------------------------------


def test_read_only_denies_every_mutating_op_everywhere() -> None:
    for kind, rules in TABLE.items():
        states = list(STATES[kind]) or [None]
        for state in states:
            for op in rules:
                d = check(kind, state, op, read_only=True)
                if is_mutating(op):
                    assert not d.allowed
                    assert d.reason is not None and d.reason.startswith("read-only mode: ")
                else:
                    assert d == check(kind, state, op)


def test_read_only_keeps_downloads() -> None:
    assert check(Kind.PRODUCT, "available", Op.DOWNLOAD, read_only=True).allowed
    assert not check(Kind.PRODUCT, "available", Op.DELETE, read_only=True).allowed


def test_mutating_classification() -> None:
    assert not is_mutating(Op.DOWNLOAD)
    assert not is_mutating(Op.VIEW_PRODUCTS)
    assert not is_mutating(Op.VALIDATE)
    for op in (Op.START, Op.STOP, Op.DELETE, Op.UPDATE, Op.PIN, Op.UNPIN, Op.RENAME, Op.CREATE):
        assert is_mutating(op)


# --- workspaces (SPEC §11.4) -------------------------------------------------------------


def test_workspace_rules() -> None:
    w = Kind.WORKSPACE
    assert check(w, None, Op.RENAME)
    assert check(w, None, Op.UPDATE)
    assert check(w, None, Op.CREATE, attrs={"workspace_count": "499"})
    assert not check(w, None, Op.CREATE, attrs={"workspace_count": "500"})
    assert check(w, None, Op.PIN, attrs={"star": "0", "pinned_count": "3"})
    d = check(w, None, Op.PIN, attrs={"star": "0", "pinned_count": "4"})
    assert not d.allowed and "at most 4" in (d.reason or "")
    assert not check(w, None, Op.PIN, attrs={"star": "1", "pinned_count": "1"})
    assert check(w, None, Op.UNPIN, attrs={"star": "1"})
    assert not check(w, None, Op.UNPIN, attrs={"star": "0"})
    assert check(w, None, Op.DELETE, attrs={"star": "0", "task_count": "0"})
    d = check(w, None, Op.DELETE, attrs={"star": "1", "task_count": "0"})
    assert d.reason == "cannot delete: the workspace is pinned (已置顶); unpin it first"
    d = check(w, None, Op.DELETE, attrs={"star": 0, "task_count": 3})
    assert d.reason == "cannot delete: the workspace still holds 3 tasks; delete them first"
    # without facts the server decides (SPEC §2.1: do not rely on can_delete)
    assert check(w, None, Op.DELETE)
    assert not check(w, None, Op.DELETE, read_only=True)


def test_decisions_lists_every_op_of_the_kind_in_order() -> None:
    listed = decisions(Kind.REAL3D_TASK, "INIT")
    assert [op for op, _ in listed] == list(ops_for(Kind.REAL3D_TASK))
    allowed = {op for op, d in listed if d.allowed}
    assert allowed == {Op.START, Op.START_AT_ONLY, Op.UPDATE, Op.DELETE}
    assert all(d.reason for _, d in listed if not d.allowed)


def test_decision_is_truthy_only_when_allowed() -> None:
    assert Decision(True)
    assert not Decision(False, "x")
