"""GCP file import: formats, row-numbered errors, duplicates, encodings, all-or-nothing."""

from __future__ import annotations

import pytest

from koomap_tui.domain.gcp_import import (
    MAX_REPORTED_ERRORS,
    ControlPoint,
    GcpImportError,
    parse_gcp_bytes,
    parse_gcp_text,
    workbench_from_json,
    workbench_to_json,
)

GOOD_CSV = """name,x,y,height,accuracy
GCP1,114.0578123,22.5431456,41.200,0.05
GCP2,114.0581999,22.5429001,39.850,0.05
控制点3,114.06,22.54,-3.5,1
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(GcpImportError) as info:
        parse_gcp_text(text)
    return [str(e) for e in info.value.errors]


def test_good_csv_with_header_keeps_text_and_line_numbers() -> None:
    points = parse_gcp_text(GOOD_CSV)
    assert [p.name for p in points] == ["GCP1", "GCP2", "控制点3"]
    assert points[0] == ControlPoint("GCP1", "114.0578123", "22.5431456", "41.200", "0.05", 2)
    assert points[2].height == "-3.5" and points[2].line == 4


@pytest.mark.parametrize(
    "text",
    [
        "GCP1\t114.5\t22.5\t10\t0.5\nGCP2\t114.6\t22.6\t11\t0.5\n",
        "GCP1   114.5  22.5 10 0.5\n  GCP2 114.6 22.6 11 0.5  \n",
        "# surveyed 2024-03-10\n\nGCP1, 114.5, 22.5, 10, 0.5\n\nGCP2,114.6,22.6,11,0.5\r\n",
        "Name\tLon\tLat\tH\tAcc\nGCP1\t114.5\t22.5\t10\t0.5\nGCP2\t114.6\t22.6\t11\t0.5",
    ],
    ids=["tab", "spaces", "comments-blank-crlf", "tab-header"],
)
def test_separators_and_optional_header(text: str) -> None:
    points = parse_gcp_text(text)
    assert [(p.name, p.x, p.accuracy) for p in points] == [
        ("GCP1", "114.5", "0.5"),
        ("GCP2", "114.6", "0.5"),
    ]


def test_bad_rows_are_all_reported_with_their_line_numbers() -> None:
    text = (
        "name,x,y,height,accuracy\n"  # 1
        "A,1,2,3,0.5\n"  # 2
        "B,1,2,3\n"  # 3: too few columns
        "C,abc,2,3,0.5\n"  # 4: not a number
        "D,1,2,20000000,0.5\n"  # 5: height out of range
        "E,1,3,3,0\n"  # 6: accuracy 0 excluded
        "F,1,4,3,120\n"  # 7: accuracy too big
        "G,nan,4,3,1\n"  # 8: nan refused
        ",1,5,3,1\n"  # 9: empty name
    )
    assert errors_of(text) == [
        "line 3: expected 5 columns (name, x, y, height, accuracy), found 4",
        "line 4: x 'abc' is not a number",
        "line 5: height 20000000 is out of range [-10000000, 10000000]",
        "line 6: accuracy 0 is out of range (0, 100)",
        "line 7: accuracy 120 is out of range (0, 100)",
        "line 8: x 'nan' is not a number",
        "line 9: the point name is empty",
    ]


def test_limits_themselves_are_accepted() -> None:
    points = parse_gcp_text("P,-10000000,10000000,1e7,99.999\nQ,0,0,0,0.0001\n")
    assert [p.name for p in points] == ["P", "Q"]


def test_duplicate_names_case_insensitive_and_duplicate_coordinates() -> None:
    text = "GCP1,1,2,3,0.5\ngcp1,1,9,3,0.5\nOther,1.0,2.00,3,0.7\n"
    assert errors_of(text) == [
        "line 2: duplicate point name 'gcp1' (first on line 1)",
        "line 3: same coordinates as 'GCP1' on line 1",
    ]


def test_all_or_nothing_one_bad_row_rejects_the_file() -> None:
    good = [f"P{i},{i},{i},{i},0.5" for i in range(20)]
    with pytest.raises(GcpImportError) as info:
        parse_gcp_text("\n".join([*good, "BAD,1,2,3,100"]))
    assert "nothing imported" in str(info.value)
    assert [e.line for e in info.value.errors] == [21]


@pytest.mark.parametrize(
    "text", ["", "\n\n  \n", "# only a comment\n", "name,x,y,height,accuracy\n"]
)
def test_empty_files_are_refused(text: str) -> None:
    assert errors_of(text) == ["the file holds no control points"]


def test_utf8_bom_and_chinese_names() -> None:
    data = "\ufeff点名,经度,纬度,高程,精度\n控制点1,114.1,22.1,5,0.5\n".encode()
    points = parse_gcp_bytes(data)
    assert [p.name for p in points] == ["控制点1"] and points[0].line == 2


def test_gbk_and_utf16_files() -> None:
    text = "控制点1,114.1,22.1,5,0.5\n"
    assert parse_gcp_bytes(text.encode("gbk"))[0].name == "控制点1"
    assert parse_gcp_bytes(text.encode("utf-16"))[0].name == "控制点1"


def test_binary_file_is_refused() -> None:
    with pytest.raises(GcpImportError, match="not a text file"):
        parse_gcp_bytes(b"PK\x03\x04\x00\x00binary")


def test_many_errors_are_capped_but_counted() -> None:
    text = "\n".join(f"P{i},1,{i},3,500" for i in range(MAX_REPORTED_ERRORS + 10))
    with pytest.raises(GcpImportError) as info:
        parse_gcp_text(text)
    assert len(info.value.errors) == MAX_REPORTED_ERRORS
    assert info.value.total == MAX_REPORTED_ERRORS + 10
    assert f"and {MAX_REPORTED_ERRORS + 7} more" in str(info.value)


def test_control_characters_in_names_are_refused_and_shown_inert() -> None:
    errors = errors_of("P\x1b[31m,1,2,3,0.5\nQ,\x1b,2,3,0.5\n")
    assert errors[0] == "line 1: the point name contains control characters"
    assert "\x1b" not in errors[1]


def test_workbench_round_trip_and_validation() -> None:
    points = parse_gcp_text(GOOD_CSV)
    text = workbench_to_json(points, ["1790000000000000001"])
    again, images = workbench_from_json(text)
    assert [(p.name, p.x, p.y, p.height, p.accuracy) for p in again] == [
        (p.name, p.x, p.y, p.height, p.accuracy) for p in points
    ]
    assert images == ["1790000000000000001"]
    with pytest.raises(GcpImportError):
        workbench_from_json(
            '{"points": [{"name": "x", "x": "1", "y": "2", "height": "3", "accuracy": "500"}]}'
        )
    with pytest.raises(GcpImportError, match="unreadable"):
        workbench_from_json("{not json")
    assert workbench_from_json('{"images": ["7"]}') == ([], ["7"])
