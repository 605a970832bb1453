"""Snapshot diff: added/removed/changed by key, for dicts, pydantic models and dataclasses."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict

from koomap_tui.domain.diff import Diff, apply, diff, index_by, record_fields


class Params(BaseModel):
    accuracy: str
    limit: str


class Task(BaseModel):
    model_config = ConfigDict(extra="allow")

    task_id: str
    task_status: str
    task_progress: float | None = None
    modeling_params: Params | None = None


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    name: str
    size: int


def _task(i: int, status: str = "RUNNING", progress: float = 0.1, **extra: object) -> Task:
    return Task.model_validate(
        {
            "task_id": f"t{i}",
            "task_status": status,
            "task_progress": progress,
            "modeling_params": {"accuracy": "High", "limit": "4000"},
            **extra,
        }
    )


def test_added_removed_changed_with_pydantic_models() -> None:
    old = index_by([_task(1), _task(2), _task(3)], lambda t: t.task_id)
    new = index_by(
        [_task(4), _task(1), _task(2, "SUCCESS", 1.0), _task(5)],
        lambda t: t.task_id,
    )
    d = diff(old, new)
    assert d.added == ("t4", "t5")
    assert d.removed == ("t3",)
    assert d.changed == {"t2": frozenset({"task_status", "task_progress"})}
    assert d.touched == ("t4", "t5", "t2")
    assert len(d) == 4 and d


def test_fresh_but_equal_objects_are_not_changed() -> None:
    old = {i: _task(i) for i in range(50)}
    new = {i: _task(i) for i in range(50)}  # new objects, same content (a normal poll)
    assert not diff(old, new)
    assert diff(old, new) == Diff()


def test_nested_model_change_is_reported_by_top_level_field() -> None:
    old = {1: _task(1)}
    changed = _task(1)
    changed = changed.model_copy(update={"modeling_params": Params(accuracy="Low", limit="4000")})
    assert diff(old, {1: changed}).changed == {1: frozenset({"modeling_params"})}


def test_pydantic_extra_fields_count() -> None:
    old = {1: _task(1, new_field="a")}
    new = {1: _task(1, new_field="b")}
    assert diff(old, new).changed == {1: frozenset({"new_field"})}


def test_fields_restricts_the_comparison() -> None:
    old = {1: _task(1, progress=0.1), 2: _task(2)}
    new = {1: _task(1, progress=0.5), 2: _task(2, "FAILED")}
    assert diff(old, new, fields=["task_status"]).changed == {2: frozenset({"task_status"})}
    both = diff(old, new, fields=("task_status", "task_progress"))
    assert both.changed == {1: frozenset({"task_progress"}), 2: frozenset({"task_status"})}


def test_dicts_and_missing_keys() -> None:
    old = {"a": {"x": 1, "y": 2}, "b": {"x": 1}}
    new = {"a": {"x": 1, "y": 3}, "b": {"x": 1, "z": 0}}
    assert diff(old, new).changed == {"a": frozenset({"y"}), "b": frozenset({"z"})}
    assert diff(old, new, fields=["x"]).changed == {}
    assert diff(old, new, fields=["z"]).changed == {"b": frozenset({"z"})}


def test_dataclasses_with_slots() -> None:
    old = {1: Row(1, "a", 10), 2: Row(2, "b", 20)}
    new = {1: Row(1, "a", 11), 2: Row(2, "b", 20)}
    assert diff(old, new).changed == {1: frozenset({"size"})}
    assert record_fields(Row(1, "a", 1)) == {"id": 1, "name": "a", "size": 1}


def test_plain_values_change_as_a_whole() -> None:
    d = diff({"a": "RUNNING", "b": "INIT"}, {"a": "SUCCESS", "b": "INIT"})
    assert d.changed == {"a": frozenset()}


def test_custom_fields_of() -> None:
    old = {1: ("RUNNING", 0.1)}
    new = {1: ("RUNNING", 0.2)}

    def fields(v: object) -> dict[str, object]:
        assert isinstance(v, tuple)
        return {"status": v[0], "progress": v[1]}

    assert diff(old, new, fields_of=fields).changed == {1: frozenset({"progress"})}


def test_empty_snapshots() -> None:
    assert diff({}, {}) == Diff()
    assert diff({1: "a"}, {}).removed == (1,)
    assert diff({}, {1: "a"}).added == (1,)


def test_apply_patches_a_cache() -> None:
    old = {i: _task(i) for i in range(5)}
    new = {i: _task(i) for i in range(1, 7)}
    new[3] = _task(3, "SUCCESS")
    cache = dict(old)
    untouched = cache[2]
    apply(cache, new, diff(old, new))
    assert cache == new
    assert cache[2] is untouched  # unchanged rows are not replaced


@given(
    st.dictionaries(st.integers(0, 30), st.integers(0, 3)),
    st.dictionaries(st.integers(0, 30), st.integers(0, 3)),
)
def test_diff_then_apply_reproduces_new(old: dict[int, int], new: dict[int, int]) -> None:
    d = diff(old, new)
    assert set(d.added) == new.keys() - old.keys()
    assert set(d.removed) == old.keys() - new.keys()
    assert set(d.changed) == {k for k in old.keys() & new.keys() if old[k] != new[k]}
    cache = dict(old)
    apply(cache, new, d)
    assert cache == new
