"""Fixtures of the scaffold suite: a throwaway checkout to run `nox -s new-service` in."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from harness import paths

ROOT = paths.repo_root(Path(__file__))


def git(*args: str, cwd: Path) -> str:
    """Run git in cwd; its stdout."""
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=120
    ).stdout.strip()


@pytest.fixture
def checkout_dir(tmp_path: Path) -> Path:
    """An empty directory to clone into; override for a fixed one (tests.nested)."""
    return tmp_path


@pytest.fixture
def checkout(checkout_dir: Path) -> Path:
    """A clone of this repository at HEAD with its uncommitted work; override to test another.

    It keeps HEAD's commit and origin URL, so images built from it are the ones this
    checkout builds (same GIT_SHA and labels), and `main` as the contract base.
    """
    dest = checkout_dir / "annadata"
    git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(dest), cwd=checkout_dir)
    try:
        git("remote", "set-url", "origin", git("remote", "get-url", "origin", cwd=ROOT), cwd=dest)
    except subprocess.CalledProcessError:
        git("remote", "remove", "origin", cwd=dest)
    # A developer's uncommitted edits go along: the suite tests this tree, not only HEAD.
    wanted = work_tree(ROOT)
    for name in wanted:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)
    for name in work_tree(dest) - wanted:
        (dest / name).unlink()
    return dest


def work_tree(root: Path) -> set[str]:
    """The files git sees in root: tracked and untracked, not ignored."""
    listed = git("ls-files", "--cached", "--others", "--exclude-standard", cwd=root)
    return {name for name in listed.splitlines() if (root / name).is_file()}
