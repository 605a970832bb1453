"""What the spurs view keeps of one task between sessions, and the survey file it imports.

The API can list neither a task's images nor its control points (SPEC §5.7), so the console
remembers the image codes the operator has worked on and the points imported from the survey
file, per task, in a small JSON file (docs/spurs-and-subtasks.md). `Workbench` holds both lists
and that file; the poll source reads the lists from it and the view changes them through it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from koomap_tui.domain.gcp_import import (
    ControlPoint,
    GcpImportError,
    RowError,
    parse_gcp_bytes,
    workbench_from_json,
    workbench_to_json,
)

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
class Change:
    """What a change of the image codes did."""

    changed: bool
    unsaved: str | None = None  # changed here, but the file could not be written: why


@dataclass(frozen=True)
class ImportResult:
    """What an import did. The list changed only when `unreadable` and `refused` are empty."""

    imported: int = 0  # points in the list now
    replaced: int = 0  # points the import replaced
    unreadable: str | None = None  # the file could not be read: why
    refused: tuple[str, ...] = ()  # the bad rows, at most MAX_SHOWN_ERRORS and "… and N more"
    problems: int = 0  # bad rows in all
    unsaved: str | None = None  # imported, but the workbench file could not be written: why


class Workbench:
    """The image codes and control points of one task, and the file that keeps them.

    The one owner of both lists. Every change is saved at once; the file failing never raises
    here (the lists stay usable for the session), the methods return what to warn about.
    """

    def __init__(
        self,
        path: Path | None,
        points: Iterable[ControlPoint] = (),
        images: Iterable[str] = (),
    ) -> None:
        self.path = path  # None: nothing is kept (the demo)
        self.points = list(points)
        self.images = list(dict.fromkeys(images))

    def load(self) -> str | None:
        """Read the saved lists; for a file that cannot be read back, empty lists and why."""
        if self.path is None:
            return None
        try:
            self.points, self.images = load_workbench(self.path)
        except (OSError, GcpImportError) as exc:
            self.points, self.images = [], []
            return f"{self.path}: {exc}"
        return None

    def save(self) -> str | None:
        """Write both lists; why the file could not be written, or None."""
        if self.path is None:
            return None
        try:
            save_workbench(self.path, self.points, self.images)
        except OSError as exc:
            return f"{self.path}: {exc}"
        return None

    def remember(self, code: str) -> Change:
        """Add an image code at the end, unless it is known already."""
        if code in self.images:
            return Change(False)
        self.images.append(code)
        return Change(True, self.save())

    def forget(self, code: str) -> Change:
        """Drop an image code (a typo); nothing changes in the cloud."""
        if code not in self.images:
            return Change(False)
        self.images.remove(code)
        return Change(True, self.save())

    def import_file(self, path: Path) -> ImportResult:
        """Replace the control points with a survey file's, all or nothing."""
        try:
            points = read_gcp_file(path)
        except OSError as exc:
            return ImportResult(unreadable=str(exc.strerror or exc))
        except GcpImportError as exc:
            return ImportResult(refused=tuple(import_error_lines(exc)), problems=exc.total)
        replaced = len(self.points)
        self.points = points
        return ImportResult(imported=len(points), replaced=replaced, unsaved=self.save())
