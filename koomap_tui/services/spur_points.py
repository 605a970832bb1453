"""The control points of the spurs view: one key per point (its coordinates), and the rows the
view shows, each point imported from the survey file and/or known from the spurs placed with it.

A spur carries no point name, only coordinates, so a spur and an imported point are the same
control point when their four numbers are equal (ShowSpurCount asks by the same four).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from koomap_tui.api.models import SpurInfoDetail
from koomap_tui.domain.gcp_import import ControlPoint

GroupKey = tuple[Decimal, Decimal, Decimal, Decimal]


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def spur_key(spur: SpurInfoDetail) -> GroupKey | None:
    values = (spur.longitude, spur.latitude, spur.height, spur.accuracy)
    if any(v is None for v in values):
        return None
    return tuple(_dec(v) for v in values)  # type: ignore[return-value]


def point_key(point: ControlPoint) -> GroupKey:
    return (_dec(point.x), _dec(point.y), _dec(point.height), _dec(point.accuracy))


@dataclass(frozen=True)
class PointRow:
    """A control point: spurred somewhere (grouped by coordinates) and/or imported."""

    key: GroupKey
    name: str | None
    longitude: str
    latitude: str
    height: str
    accuracy: str
    count: int | None  # ShowSpurCount: images of the whole task spurred with it
    known: int  # spurs of it on the images this screen knows
    imported: bool

    @property
    def row_id(self) -> str:
        return "|".join(str(v) for v in self.key)


def point_rows(
    points: list[ControlPoint],
    groups: Mapping[GroupKey, Mapping[str, str]],
    counts: Mapping[GroupKey, int],
    spurs: Iterable[SpurInfoDetail],
) -> list[PointRow]:
    """Imported points first, in file order; then the points only known from spurs."""
    names = {point_key(p): p for p in points}
    known: dict[GroupKey, int] = {}
    for spur in spurs:
        key = spur_key(spur)
        if key is not None:
            known[key] = known.get(key, 0) + 1
    coords: dict[GroupKey, Mapping[str, str]] = {
        key: {"longitude": p.x, "latitude": p.y, "height": p.height, "accuracy": p.accuracy}
        for key, p in names.items()
    }
    for key, c in groups.items():
        coords.setdefault(key, c)
    rows = []
    for key, c in coords.items():
        imported = names.get(key)
        rows.append(
            PointRow(
                key=key,
                name=imported.name if imported else None,
                longitude=c["longitude"],
                latitude=c["latitude"],
                height=c["height"],
                accuracy=c["accuracy"],
                count=counts.get(key),
                known=known.get(key, 0),
                imported=imported is not None,
            )
        )
    return rows


@dataclass(frozen=True)
class ImageRow:
    """An image code known here, and how many spurs it has (None: not read yet, or the read
    failed and `error` says why)."""

    code: str
    spurs: int | None
    error: str | None = None


@dataclass(frozen=True)
class SpurReading:
    """What a cycle of the spurs source read besides the spurs: the spurs per image (or why an
    image could not be read), the coordinates of each control point spurred or imported, and
    ShowSpurCount's count of each."""

    per_image: Mapping[str, int] = field(default_factory=dict)
    image_errors: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[GroupKey, Mapping[str, str]] = field(default_factory=dict)
    counts: Mapping[GroupKey, int] = field(default_factory=dict)

    def image_rows(self, codes: Iterable[str]) -> list[ImageRow]:
        return [ImageRow(c, self.per_image.get(c), self.image_errors.get(c)) for c in codes]

    def point_rows(
        self, points: list[ControlPoint], spurs: Iterable[SpurInfoDetail]
    ) -> list[PointRow]:
        return point_rows(points, self.groups, self.counts, spurs)
