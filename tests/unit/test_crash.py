"""An internal error ends in one line for the operator and a private, redacted report."""

from __future__ import annotations

import stat
from pathlib import Path

from koomap_tui.crash import one_line, write_crash_report

SECRET = "SimDemoSecretKey0000000000000000000000001"


def _boom(sk: str) -> None:
    raise RuntimeError(f"signing failed for X-Auth-Token: {sk}")


def test_report_is_private_redacted_and_the_line_names_it(tmp_path: Path) -> None:
    try:
        _boom(SECRET)
    except RuntimeError as exc:
        report = write_crash_report(exc, tmp_path)
        line = one_line(exc, report)
    assert report is not None and report.exists()
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    text = report.read_text()
    assert "Traceback" in text and "_boom" in text
    assert SECRET not in text
    assert SECRET not in line and str(report) in line and "RuntimeError" in line


def test_unwritable_directory_still_gives_a_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    error = ValueError("bad")
    report = write_crash_report(error, blocker / "sub")
    assert report is None
    assert "no crash report could be written" in one_line(error, report)
