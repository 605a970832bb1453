"""State presentation facts: labels from the reference, glyphs, slugs, active/terminal sets."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from koomap_tui.domain.states import (
    ACTIVE_STATES,
    GLYPHS,
    IMAGE_STATUS_LABELS,
    SLUGS,
    STATES,
    Category,
    Kind,
    is_active,
    is_terminal,
    state_info,
    state_key,
)

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

CONTRACT_SLUGS = [
    "init",
    "pending",
    "starting",
    "start-failed",
    "running",
    "success",
    "failed",
    "stopping",
    "stop-success",
    "stop-failed",
    "archived",
    "bundle-success",
    "uploading",
    "upload-success",
    "upload-failed",
    "start-running",
    "preparing",
    "available",
    "deleting",
    "processing",
    "done",
    "import-failed",
    "migrating-in",
    "migrate-in-failed",
    "migrating-out",
    "migrate-out-failed",
    "delete-failed-in-use",
    "delete-failed-network",
    "unknown",
]

# Code points with an emoji presentation in common terminals (drawn two cells wide).
EMOJI_RISK = set("✔✖⏸⏹⏺⏳⌛⚠⬆⬇▶◀⤴⤵✅❌⭐")


def _spec() -> dict[str, list[dict[str, object]]]:
    data = json.loads(STATES_JSON.read_text(encoding="utf-8"))
    return {r: data["resources"][r]["states"] for r in RESOURCE_KIND}


@pytest.mark.parametrize("resource", sorted(RESOURCE_KIND))
def test_labels_match_states_json(resource: str) -> None:
    kind = RESOURCE_KIND[resource]
    spec = _spec()[resource]
    assert {state_key(s["name"]) for s in spec} == set(STATES[kind])
    for s in spec:
        info = state_info(kind, s["name"])
        assert info.label_en == s["label_en"]
        assert info.label_zh == s["label_zh"]


def test_slug_set_is_the_contract_list_and_every_slug_is_used() -> None:
    assert set(SLUGS) == set(CONTRACT_SLUGS)
    used = {info.slug for rows in STATES.values() for info in rows.values()}
    used.add(state_info(Kind.REAL3D_TASK, "NEW_STATE").slug)
    assert used == set(CONTRACT_SLUGS)


def test_glyphs_are_single_cell_non_emoji() -> None:
    for slug, glyph in GLYPHS.items():
        assert len(glyph) == 1, slug
        assert unicodedata.east_asian_width(glyph) not in {"W", "F"}, slug
        assert glyph not in EMOJI_RISK, slug
        assert unicodedata.category(glyph) != "Mn"


@pytest.mark.parametrize("kind", [k for k in Kind if k is not Kind.WORKSPACE])
def test_glyphs_are_distinct_within_a_kind(kind: Kind) -> None:
    glyphs = [info.glyph for info in STATES[kind].values()]
    assert len(set(glyphs)) == len(glyphs)


def test_state_info_fields() -> None:
    info = state_info(Kind.REAL3D_TASK, "RUNNING")
    assert (info.label_en, info.label_zh, info.glyph) == ("Running", "运行中", "●")
    assert info.category is Category.ACTIVE
    assert info.theme_var == "state-running"
    assert state_info(Kind.SATELLITE_TASK, "START_RUNNING").slug == "start-running"
    assert state_info(Kind.FOLDER, 0).slug == "processing"
    assert state_info(Kind.SATELLITE_IMAGE, "7").category is Category.BLOCKED


def test_unknown_state_gets_unknown_row() -> None:
    info = state_info(Kind.SUBTASK, "TELEPORTING")
    assert info.slug == "unknown"
    assert info.category is Category.UNKNOWN
    assert info.label_en == "TELEPORTING"
    assert info.glyph == "?"


def test_active_states() -> None:
    assert ACTIVE_STATES[Kind.REAL3D_TASK] == {"PENDING", "STARTING", "RUNNING", "STOPPING"}
    assert ACTIVE_STATES[Kind.SUBTASK] == {
        "UPLOADING",
        "PENDING",
        "STARTING",
        "RUNNING",
        "STOPPING",
    }
    assert ACTIVE_STATES[Kind.SATELLITE_TASK] == {"START_RUNNING", "RUNNING", "STOPPING"}
    assert ACTIVE_STATES[Kind.PRODUCT] == {"preparing", "deleting"}
    assert ACTIVE_STATES[Kind.REFINE_PRODUCT] == {"preparing", "deleting"}
    assert ACTIVE_STATES[Kind.FOLDER] == {"0"}
    assert ACTIVE_STATES[Kind.SATELLITE_IMAGE] == {"1", "3", "6"}
    assert ACTIVE_STATES[Kind.WORKSPACE] == frozenset()


def test_active_states_agree_with_states_json_kind() -> None:
    for resource in ("real3d_task", "real3d_subtask", "satellite_task"):
        kind = RESOURCE_KIND[resource]
        for s in _spec()[resource]:
            assert is_active(kind, s["name"]) is (s["kind"] == "active"), s["name"]


def test_is_terminal() -> None:
    assert is_terminal(Kind.REAL3D_TASK, "SUCCESS")
    assert is_terminal(Kind.REAL3D_TASK, "INIT")
    assert not is_terminal(Kind.REAL3D_TASK, "RUNNING")
    assert not is_terminal(Kind.FOLDER, 0)
    assert is_terminal(Kind.FOLDER, 1)
    # unknown states keep being watched
    assert not is_terminal(Kind.REAL3D_TASK, "NEW_STATE")


def test_image_status_labels() -> None:
    assert IMAGE_STATUS_LABELS["1"] == ("迁入中", "Migrating in (importing)")
    assert IMAGE_STATUS_LABELS["7"][0] == "删除失败(影像正在被任务使用)"
    assert set(IMAGE_STATUS_LABELS) == {"0", "1", "2", "3", "4", "6", "7", "8"}
