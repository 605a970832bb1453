"""tests/data holds verbatim copies of the API reference; they must not drift from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reference import CHECKOUT, reference_candidates, reference_dir

DATA = CHECKOUT / "tests" / "data"


@pytest.mark.parametrize("name", ["states.json", "endpoints.json"])
def test_the_copy_in_tests_data_is_verbatim_when_the_reference_is_present(name: str) -> None:
    reference = reference_dir()
    if reference is None:
        looked = ", ".join(str(p) for p in reference_candidates())
        pytest.skip(f"no API reference beside this checkout (looked in {looked})")
    assert (DATA / name).read_bytes() == (reference / name).read_bytes()


def test_the_reference_is_looked_for_beside_the_checkout_and_beside_a_worktrees_main(
    tmp_path: Path,
) -> None:
    main, worktree = tmp_path / "ci" / "main", tmp_path / "wt" / "mine"
    (main / ".git" / "worktrees" / "mine").mkdir(parents=True)
    worktree.mkdir(parents=True)
    assert reference_dir(main) is None
    (tmp_path / "ci" / "shared" / "koomap-api").mkdir(parents=True)
    assert reference_dir(main) == tmp_path / "ci" / "shared" / "koomap-api"
    (worktree / ".git").write_text(f"gitdir: {main / '.git' / 'worktrees' / 'mine'}\n")
    assert reference_dir(worktree) == tmp_path / "ci" / "shared" / "koomap-api"
