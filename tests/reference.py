"""Where the API reference (`shared/koomap-api/`) is, when this checkout has one beside it.

CI checks out the project with `shared/` beside it (`<checkout>/../shared`). A git worktree
lives elsewhere (its `.git` is a file naming the main checkout's git dir), so the reference is
beside the main checkout then. Tests that compare the copies in tests/data with the reference
skip, naming the places they looked, when there is none.
"""

from __future__ import annotations

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


def _checkouts(root: Path) -> list[Path]:
    found = [root]
    dot_git = root / ".git"
    if dot_git.is_file():  # a worktree: "gitdir: <main>/.git/worktrees/<name>"
        text = dot_git.read_text("utf-8").strip()
        if text.startswith("gitdir:"):
            git_dir = Path(text.split(":", 1)[1].strip())
            if git_dir.parent.name == "worktrees":
                found.append(git_dir.parent.parent.parent)
    return found


def reference_candidates(root: Path = CHECKOUT) -> list[Path]:
    return [checkout.parent / "shared" / "koomap-api" for checkout in _checkouts(root)]


def reference_dir(root: Path = CHECKOUT) -> Path | None:
    return next((p for p in reference_candidates(root) if p.is_dir()), None)
