"""Ground control points (GCPs) from a CSV/TXT file: parse, validate, all-or-nothing.

The KooMap API has no operation that lists or imports GCPs (SPEC §5.7): the cloud console keeps
them as "production material". The operator console therefore reads them from the survey file
itself and keeps them locally as the list of points still to be spurred. A file is accepted only
as a whole: one bad row rejects the file, because a half-imported control network is worse than
none (the operator would spur an incomplete set without noticing).

Format: one point per line, columns ``name, x, y, height, accuracy`` (x = longitude, y =
latitude, both WGS84 as ShowSpurCount expects). Columns are separated by commas, tabs or runs of
spaces; the separator is chosen once per file from its first data line. A header line is
optional (recognised because its coordinate columns are not numbers). Blank lines and lines
starting with ``#`` are skipped. The ranges are those of AddSpurPoint / ShowSpurCount (SPEC §5.2):
coordinates in [-10000000, 10000000], accuracy in (0, 100) exclusive.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

COORD_LIMIT = Decimal(10_000_000)
ACCURACY_MIN = Decimal(0)
ACCURACY_MAX = Decimal(100)
MAX_NAME_LENGTH = 64
MAX_POINTS = 10_000
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_REPORTED_ERRORS = 50
COLUMNS = ("name", "x", "y", "height", "accuracy")

# Plain decimal notation only: no "nan", "inf", underscores or hex, which float() would accept.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class ControlPoint:
    """One GCP. Numbers keep the file's own text, which is what travels to the API."""

    name: str
    x: str
    y: str
    height: str
    accuracy: str
    line: int = 0

    @property
    def key(self) -> tuple[Decimal, Decimal, Decimal]:
        """Coordinates as numbers: "114.50" and "114.5" are the same point."""
        return (Decimal(self.x), Decimal(self.y), Decimal(self.height))


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class GcpImportError(ValueError):
    """The file was rejected; `errors` names every bad row (up to MAX_REPORTED_ERRORS)."""

    def __init__(self, errors: list[RowError], total: int | None = None) -> None:
        self.errors = errors
        self.total = total if total is not None else len(errors)
        first = "; ".join(str(e) for e in errors[:3])
        more = f" (and {self.total - 3} more)" if self.total > 3 else ""
        super().__init__(f"nothing imported: {first}{more}")


def decode(data: bytes) -> str:
    """Text of a GCP file: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030.

    Survey software on Chinese Windows still writes GBK; GB18030 is its superset.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise GcpImportError([RowError(0, "the file is not UTF-8 or GBK text")]) from exc


def _split(line: str, sep: str | None) -> list[str]:
    if sep is None:
        return line.split()
    return [field.strip() for field in line.split(sep)]


def _separator(line: str) -> str | None:
    if "," in line:
        return ","
    if "\t" in line:
        return "\t"
    return None


def _number(text: str) -> Decimal | None:
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


def _is_header(fields: list[str]) -> bool:
    return len(fields) >= 2 and all(_number(f) is None for f in fields[1:5])


def _show(text: str) -> str:
    return _CONTROL.sub("?", text)[:40]


def _check_row(fields: list[str]) -> tuple[ControlPoint | None, list[str]]:
    problems: list[str] = []
    if len(fields) != len(COLUMNS):
        return None, [
            f"expected {len(COLUMNS)} columns ({', '.join(COLUMNS)}), found {len(fields)}"
        ]
    name, *numbers = fields
    if not name:
        problems.append("the point name is empty")
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(f"the point name is longer than {MAX_NAME_LENGTH} characters")
    elif _CONTROL.search(name):
        problems.append("the point name contains control characters")
    values: list[Decimal] = []
    for column, text in zip(COLUMNS[1:], numbers, strict=True):
        value = _number(text)
        if value is None:
            problems.append(f"{column} {_show(text)!r} is not a number")
            continue
        values.append(value)
        if column == "accuracy":
            if not ACCURACY_MIN < value < ACCURACY_MAX:
                problems.append(f"accuracy {text} is out of range (0, 100)")
        elif not -COORD_LIMIT <= value <= COORD_LIMIT:
            problems.append(f"{column} {text} is out of range [-10000000, 10000000]")
    if problems:
        return None, problems
    x, y, height, accuracy = numbers
    return ControlPoint(name, x, y, height, accuracy), []


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """Numbered field lists of the data lines (header, blanks and comments dropped)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    rows: list[tuple[int, list[str]]] = []
    sep: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not rows and sep is None:
            sep = _separator(line)
            fields = _split(line, sep)
            if _is_header(fields):
                continue
            rows.append((number, fields))
            continue
        rows.append((number, _split(line, sep)))
    return rows


def validate_rows(rows: list[tuple[int, list[str]]]) -> list[ControlPoint]:
    """Check every row and the set as a whole; raise `GcpImportError` if anything is wrong."""
    errors: list[RowError] = []
    points: list[ControlPoint] = []
    names: dict[str, int] = {}
    coords: dict[tuple[Decimal, Decimal, Decimal], tuple[str, int]] = {}
    if len(rows) > MAX_POINTS:
        raise GcpImportError([RowError(0, f"more than {MAX_POINTS} points in one file")])
    for number, fields in rows:
        point, problems = _check_row(fields)
        errors.extend(RowError(number, p) for p in problems)
        if point is None:
            continue
        folded = point.name.casefold()
        if folded in names:
            first = names[folded]
            message = f"duplicate point name {_show(point.name)!r} (first on line {first})"
            errors.append(RowError(number, message))
            continue
        if point.key in coords:
            other, where = coords[point.key]
            message = f"same coordinates as {_show(other)!r} on line {where}"
            errors.append(RowError(number, message))
            continue
        names[folded] = number
        coords[point.key] = (point.name, number)
        points.append(
            ControlPoint(point.name, point.x, point.y, point.height, point.accuracy, number)
        )
    if not errors and not points:
        errors.append(RowError(0, "the file holds no control points"))
    if errors:
        raise GcpImportError(errors[:MAX_REPORTED_ERRORS], len(errors))
    return points


def parse_gcp_text(text: str) -> list[ControlPoint]:
    """Every point of the file, or `GcpImportError` naming each bad line (nothing imported)."""
    return validate_rows(_rows(text))


def parse_gcp_bytes(data: bytes) -> list[ControlPoint]:
    if len(data) > MAX_FILE_BYTES:
        raise GcpImportError(
            [RowError(0, f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")]
        )
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise GcpImportError([RowError(0, "the file contains NUL bytes: not a text file")])
    return parse_gcp_text(decode(data))


# -- the per-task JSON the console keeps (GCPs and the image codes the operator worked on) --


def workbench_to_json(points: list[ControlPoint], images: list[str]) -> str:
    doc = {
        "version": 1,
        "points": [
            {"name": p.name, "x": p.x, "y": p.y, "height": p.height, "accuracy": p.accuracy}
            for p in points
        ],
        "images": list(images),
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


def workbench_from_json(text: str) -> tuple[list[ControlPoint], list[str]]:
    """Read back what `workbench_to_json` wrote; a damaged file raises `GcpImportError`.

    Points are validated with the same rules as an imported file, so a hand-edited JSON cannot
    smuggle in a value the file import would have refused.
    """
    try:
        doc = json.loads(text)
        images = [str(i) for i in doc.get("images", []) if str(i).strip()]
        rows = [
            (n, [str(row[c]) for c in COLUMNS])
            for n, row in enumerate(doc.get("points", []), start=1)
        ]
    except (ValueError, AttributeError, KeyError, TypeError) as exc:
        raise GcpImportError([RowError(0, f"unreadable workbench file: {exc}")]) from exc
    if not rows:
        return [], images
    return validate_rows(rows), images
