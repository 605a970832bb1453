"""The spurs view's per-task file and survey import, without a screen."""

from __future__ import annotations

import errno
import os
from decimal import Decimal
from pathlib import Path

import pytest

from koomap_tui.api.models import SpurInfoDetail
from koomap_tui.domain.gcp_import import ControlPoint, GcpImportError
from koomap_tui.services.spur_points import point_rows
from koomap_tui.services.spur_workbench import (
    Change,
    ImportResult,
    Workbench,
    import_error_lines,
    load_workbench,
    read_gcp_file,
    save_workbench,
    workbench_path,
)

P1 = ControlPoint("gcp1", "114.5", "30.5", "20", "0.05")
P2 = ControlPoint("gcp2", "114.6", "30.6", "21", "0.05")


def test_path_is_per_task_sanitised_and_absent_in_the_demo(tmp_path: Path) -> None:
    assert workbench_path("ab/../c d", tmp_path, demo=True) == tmp_path / "abcd.json"
    assert workbench_path("../", tmp_path, demo=False) == tmp_path / "task.json"
    assert workbench_path("t1", None, demo=True) is None


def test_save_then_load_round_trips_privately_and_drops_repeated_codes(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "t1.json"
    assert load_workbench(path) == ([], [])
    save_workbench(path, [P1, P2], ["img1", "img2", "img1"])
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    points, images = load_workbench(path)
    assert [p.name for p in points] == ["gcp1", "gcp2"]
    assert images == ["img1", "img2"]
    assert not path.with_suffix(".tmp").exists()


def test_damaged_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "t1.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(GcpImportError):
        load_workbench(path)


def test_survey_file_is_all_or_nothing_and_errors_are_capped(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("gcp1,114.5,30.5,20,0.05\n", encoding="utf-8")
    assert [p.name for p in read_gcp_file(good)] == ["gcp1"]
    bad = tmp_path / "bad.csv"
    bad.write_text("".join(f"p{i},x,30.5,20,0.05\n" for i in range(12)), encoding="utf-8")
    with pytest.raises(GcpImportError) as caught:
        read_gcp_file(bad)
    lines = import_error_lines(caught.value, limit=3)
    assert len(lines) == 4 and lines[-1].startswith("… and ")
    with pytest.raises(OSError):
        read_gcp_file(tmp_path / "missing.csv")


def _spur(spur_id: str, lon: str) -> SpurInfoDetail:
    return SpurInfoDetail.model_validate(
        {"id": spur_id, "task_id": "t1", "image_code": "img1", "point_width": 1,
         "point_height": 1, "longitude": lon, "latitude": "30.5", "height": "20",
         "accuracy": "0.05"}
    )  # fmt: skip


def test_point_rows_put_imported_first_and_count_spurs_here() -> None:
    spurred_only = (Decimal("115"), Decimal("30.5"), Decimal("20"), Decimal("0.05"))
    groups = {
        spurred_only: {"longitude": "115", "latitude": "30.5", "height": "20", "accuracy": "0.05"}
    }
    spurs = [_spur("s1", "114.50"), _spur("s2", "114.5"), _spur("s3", "115")]
    rows = point_rows([P1, P2], groups, {spurred_only: 4}, spurs)
    assert [(r.name, r.known, r.imported, r.count) for r in rows] == [
        ("gcp1", 2, True, None),
        ("gcp2", 0, True, None),
        (None, 1, False, 4),
    ]


# -- Workbench: the one owner of a task's image codes and control points --------------------

GOOD = "name,x,y,height,accuracy\ngcp1,114.5,30.5,20,0.05\ngcp2,114.6,30.6,21,0.05\n"


def values(points: list[ControlPoint]) -> list[tuple[str, ...]]:
    """What a point is, without the line of the file it came from."""
    return [(p.name, p.x, p.y, p.height, p.accuracy) for p in points]


def saved(path: Path) -> tuple[list[tuple[str, ...]], list[str]]:
    points, images = load_workbench(path)
    return values(points), images


def test_workbench_round_trips_through_its_file(tmp_path: Path) -> None:
    path = tmp_path / "gcp" / "t1.json"
    survey = tmp_path / "survey.csv"
    survey.write_text(GOOD, encoding="utf-8")
    bench = Workbench(path)
    assert bench.load() is None and (bench.points, bench.images) == ([], [])  # no file yet
    assert bench.remember("img1") == Change(True)
    assert bench.import_file(survey) == ImportResult(imported=2)
    again = Workbench(path)
    assert again.load() is None
    assert values(again.points) == values([P1, P2])
    assert again.images == ["img1"]


def test_remember_adds_a_code_once_and_saves_it(tmp_path: Path) -> None:
    path = tmp_path / "t1.json"
    bench = Workbench(path)
    assert bench.remember("img1").changed
    assert bench.remember("img2").changed
    assert bench.remember("img1") == Change(False)
    assert bench.images == ["img1", "img2"]
    assert saved(path) == ([], ["img1", "img2"])


def test_forget_drops_the_code_and_saves(tmp_path: Path) -> None:
    path = tmp_path / "t1.json"
    bench = Workbench(path, [P1], ["img1", "img2"])
    assert bench.forget("img1") == Change(True)
    assert bench.forget("never-known") == Change(False)
    assert bench.images == ["img2"]
    assert saved(path) == (values([P1]), ["img2"])


def test_import_replaces_the_points_and_counts_what_it_replaced(tmp_path: Path) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text(GOOD, encoding="utf-8")
    bench = Workbench(tmp_path / "t1.json", [ControlPoint("old", "1", "2", "3", "0.5")])
    result = bench.import_file(survey)
    assert (result.imported, result.replaced, result.refused, result.unsaved) == (2, 1, (), None)
    assert values(bench.points) == values([P1, P2])
    assert saved(tmp_path / "t1.json") == (values([P1, P2]), [])


def test_refused_import_keeps_the_old_points_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "t1.json"
    bench = Workbench(path, [P1], ["img1"])
    assert bench.save() is None
    bad = tmp_path / "bad.csv"
    bad.write_text("gcp1,114.5,30.5,20,120\ngcp2,abc,30.6,21,0.05\n", encoding="utf-8")
    result = bench.import_file(bad)
    assert result.problems == 2 and result.imported == 0
    assert "line 1: accuracy 120 is out of range (0, 100)" in result.refused
    assert "line 2: x 'abc' is not a number" in result.refused
    assert bench.points == [P1]
    assert saved(path) == (values([P1]), ["img1"])

    missing = bench.import_file(tmp_path / "missing.csv")
    assert missing.unreadable == os.strerror(errno.ENOENT) and missing.refused == ()
    assert bench.points == [P1]


def test_unreadable_saved_file_gives_a_warning_and_empty_lists(tmp_path: Path) -> None:
    path = tmp_path / "t1.json"
    path.write_text('{"points": [{"name": "p"}]}', encoding="utf-8")
    bench = Workbench(path, [P1], ["img1"])
    warning = bench.load()
    assert warning is not None and warning.startswith(f"{path}: ")
    assert "unreadable workbench file" in warning
    assert (bench.points, bench.images) == ([], [])


def test_a_file_that_cannot_be_written_is_a_message_not_an_exception(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")  # its "directory" is a file: unwritable as root too
    path = blocker / "t1.json"
    bench = Workbench(path)
    warning = bench.save()
    assert warning is not None and warning.startswith(f"{path}: ")
    change = bench.remember("img1")
    assert change.changed and change.unsaved == warning
    assert bench.images == ["img1"]  # kept for the session all the same
    survey = tmp_path / "survey.csv"
    survey.write_text(GOOD, encoding="utf-8")
    result = bench.import_file(survey)
    assert result.imported == 2 and result.unsaved == warning


def test_without_a_path_nothing_is_kept(tmp_path: Path) -> None:
    bench = Workbench(None, [P1], ["img1", "img1"])
    assert bench.images == ["img1"]
    assert bench.load() is None and bench.points == [P1]  # nothing to read back in the demo
    assert bench.save() is None
    assert bench.remember("img2") == Change(True)
    assert list(tmp_path.iterdir()) == []
