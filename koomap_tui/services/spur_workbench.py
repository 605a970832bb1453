"""What the spurs view keeps of one task between sessions, and the survey file it imports.

The API can list neither a task's images nor its control points (SPEC §5.7), so the console
remembers the image codes the operator has worked on and the points imported from the survey
file, per task, in a small JSON file (docs/spurs-and-subtasks.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from koomap_tui.api.models import SpurInfoDetail
from koomap_tui.domain.gcp_import import (
    ControlPoint,
    GcpImportError,
    RowError,
    parse_gcp_bytes,
    workbench_from_json,
    workbench_to_json,
)
from koomap_tui.services.sources.spurs import GroupKey, point_key, spur_key

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_SHOWN_ERRORS = 8


def workbench_path(task_id: str, gcp_dir: str | Path | None, demo: bool) -> Path | None:
    """The task's file; None in the demo, whose simulated tasks are not worth remembering."""
    if gcp_dir:
        base = Path(gcp_dir)
    elif demo:
        return None
    else:
        import platformdirs

        base = Path(platformdirs.user_data_dir("koomap-tui", appauthor=False)) / "gcp"
    safe = "".join(c for c in task_id if c.isalnum() or c in "-_")
    return base / f"{safe or 'task'}.json"


def load_workbench(path: Path) -> tuple[list[ControlPoint], list[str]]:
    """Points and image codes saved for the task (none when there is no file yet).

    Raises OSError or GcpImportError for a file that cannot be read back."""
    if not path.exists():
        return [], []
    points, images = workbench_from_json(path.read_text(encoding="utf-8"))
    return points, list(dict.fromkeys(images))


def save_workbench(path: Path, points: list[ControlPoint], images: list[str]) -> None:
    """Written to a private file and renamed over the old one, so a crash never leaves half."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(workbench_to_json(points, images), "utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def read_gcp_file(path: Path) -> list[ControlPoint]:
    """The control points of a survey file; raises OSError, or GcpImportError naming bad rows.

    The size is checked before reading, so a wrong path to a huge file costs nothing."""
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise GcpImportError([RowError(0, "the file is larger than 10 MiB")])
    return parse_gcp_bytes(path.read_bytes())


def import_error_lines(exc: GcpImportError, limit: int = MAX_SHOWN_ERRORS) -> list[str]:
    lines = [str(e) for e in exc.errors[:limit]]
    if exc.total > len(lines):
        lines.append(f"… and {exc.total - len(lines)} more")
    return lines


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
