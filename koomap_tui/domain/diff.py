"""Snapshot diff between two polls, keyed by id.

The poller diffs each fresh list against the previous one and posts only the difference, so a
screen updates the few rows that changed instead of clearing and rebuilding its table. With
10,000 items and 1% changed, the unchanged 99% must cost next to nothing: records are compared
first by identity, then by their field dicts (a C-level dict comparison), and only changed
records are inspected field by field.

Generic over the record type: dicts, pydantic models (their ``__dict__`` plus extras),
dataclasses, or anything with a ``fields_of`` function supplied by the caller.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

FieldsOf = Callable[[Any], Mapping[str, object] | None]

_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class Diff(Generic[K]):
    """What changed between two snapshots.

    `added` keeps the order of the new snapshot, `removed` the order of the old one. `changed`
    maps a key to the names of its changed fields; the set is empty when the records have no
    fields to compare (plain values), meaning "the value as a whole changed".
    """

    added: tuple[K, ...] = ()
    removed: tuple[K, ...] = ()
    changed: Mapping[K, frozenset[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    @property
    def touched(self) -> tuple[K, ...]:
        """Keys whose row must be (re)drawn: added first, then changed."""
        return self.added + tuple(self.changed)

    def __len__(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)


def record_fields(value: object) -> Mapping[str, object] | None:
    """The comparable fields of a record, or None for a plain value."""
    if isinstance(value, Mapping):
        return value
    attrs: dict[str, Any] | None = getattr(value, "__dict__", None)
    if attrs is not None:
        extra = getattr(value, "__pydantic_extra__", None)
        if extra:
            return {**attrs, **extra}
        return attrs
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return None


def _changed_fields(
    old: object,
    new: object,
    fields: tuple[str, ...] | None,
    extract: FieldsOf,
) -> frozenset[str] | None:
    """Names of the fields that differ, or None when the records are equal."""
    if fields is not None:
        return _changed_selected(old, new, fields)
    a = extract(old)
    b = extract(new)
    if a is None or b is None:
        return None if old == new else frozenset()
    if a == b:
        return None
    names = {name for name in a.keys() | b.keys() if a.get(name, _MISSING) != b.get(name, _MISSING)}
    return frozenset(names) if names else None


def _get(record: object, name: str) -> object:
    if isinstance(record, Mapping):
        return record.get(name, _MISSING)
    return getattr(record, name, _MISSING)


def _changed_selected(old: object, new: object, fields: tuple[str, ...]) -> frozenset[str] | None:
    names = frozenset(name for name in fields if _get(old, name) != _get(new, name))
    return names or None


def _same_by_eq(a: object, b: object) -> bool:
    return a == b


def _same_by_attrs(a: object, b: object) -> bool:
    # A pydantic model's __eq__ is Python code; comparing the field dicts is a C-level loop.
    try:
        if a.__dict__ != b.__dict__:
            return False
    except AttributeError:
        return a == b
    return getattr(a, "__pydantic_extra__", None) == getattr(b, "__pydantic_extra__", None)


def _same_by_getter(getter: Callable[[Any], object]) -> Callable[[object, object], bool]:
    def same(a: object, b: object) -> bool:
        try:
            return getter(a) == getter(b)
        except (AttributeError, KeyError):
            return False  # let the field-by-field path decide

    return same


def _pick_same(
    sample: object, selected: tuple[str, ...] | None, custom: FieldsOf | None
) -> Callable[[object, object], bool]:
    """Choose, once per diff, the cheapest equality test that suits the records."""
    if custom is not None:
        return lambda a, b: custom(a) == custom(b)
    is_mapping = isinstance(sample, Mapping)
    if selected is not None:
        if not selected:
            return lambda a, b: True
        getter = itemgetter(*selected) if is_mapping else attrgetter(*selected)
        return _same_by_getter(getter)
    if not is_mapping and hasattr(sample, "__dict__"):
        return _same_by_attrs
    return _same_by_eq


def diff(
    old: Mapping[K, V],
    new: Mapping[K, V],
    fields: Iterable[str] | None = None,
    *,
    fields_of: FieldsOf | None = None,
) -> Diff[K]:
    """Compare two snapshots keyed by id.

    `fields` restricts the comparison to those attribute/key names (e.g. the visible columns);
    otherwise every field is compared. `fields_of` overrides how a record's fields are read.
    """
    selected = tuple(fields) if fields is not None else None
    if old.keys() == new.keys():
        added: tuple[K, ...] = ()
        removed: tuple[K, ...] = ()
    else:
        added = tuple(k for k in new if k not in old)
        removed = tuple(k for k in old if k not in new)
    changed: dict[K, frozenset[str]] = {}
    if not new:
        return Diff(added, removed, changed)
    same = _pick_same(next(iter(new.values())), selected, fields_of)
    extract = fields_of if fields_of is not None else record_fields
    old_get = old.get
    for key, new_value in new.items():
        old_value = old_get(key, _MISSING)
        if old_value is _MISSING or old_value is new_value or same(old_value, new_value):
            continue
        names = _changed_fields(old_value, new_value, selected, extract)
        if names is not None:
            changed[key] = names
    return Diff(added, removed, changed)


def index_by(items: Iterable[V], key: Callable[[V], K]) -> dict[K, V]:
    """Build a snapshot mapping from a fetched list (later duplicates win)."""
    return {key(item): item for item in items}


def apply(target: MutableMapping[K, V], new: Mapping[K, V], change: Diff[K]) -> None:
    """Bring `target` (e.g. a screen's row cache) to `new` by touching only what changed."""
    for key in change.removed:
        target.pop(key, None)
    for key in change.touched:
        target[key] = new[key]
