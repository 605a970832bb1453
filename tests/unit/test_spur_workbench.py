"""The spurs view's per-task file and survey import, without a screen."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from koomap_tui.api.models import SpurInfoDetail
from koomap_tui.domain.gcp_import import ControlPoint, GcpImportError
from koomap_tui.services.spur_points import point_rows
from koomap_tui.services.spur_workbench import (
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
