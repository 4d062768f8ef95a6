"""The pre-push hook, for real: in a clone with the hook installed, pushing to a local bare
repository is refused with the lint finding for a broken Dockerfile, and allowed when clean.

The clone shares this checkout's nox venvs (the hook runs `nox -R`, which reuses them and
installs nothing), so the test needs `nox -t quick` to have run here first, as the gate does.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from harness import paths

ROOT = paths.repo_root(Path(__file__))
BROKEN = (
    "services/worker/Dockerfile",
    "ARG PYTHON_IMAGE=python:3.11-slim",
    "ARG PYTHON_IMAGE=python",
)
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "hook test", "GIT_AUTHOR_EMAIL": "hook@example.invalid",
    "GIT_COMMITTER_NAME": "hook test", "GIT_COMMITTER_EMAIL": "hook@example.invalid",
}  # fmt: skip


def _run(*argv: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=600)
    if check:
        assert done.returncode == 0, f"{' '.join(argv)}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture
def clone(tmp_path: Path) -> tuple[Path, Path]:
    """(a clone of HEAD with the pre-push hook installed, an empty bare repository)."""
    if not (ROOT / ".nox" / "lint").is_dir():
        pytest.fail("the hook reuses this checkout's venvs: run `nox -t quick` first")
    bare, work = tmp_path / "remote.git", tmp_path / "work"
    _run("git", "init", "--quiet", "--bare", str(bare), cwd=tmp_path)
    _run("git", "clone", "--quiet", str(ROOT), str(work), cwd=tmp_path)
    (work / ".nox").symlink_to(ROOT / ".nox")
    _run("pre-commit", "install", "--hook-type", "pre-push", cwd=work)
    _run("git", "remote", "add", "target", str(bare), cwd=work)
    return work, bare


def _branches(bare: Path) -> str:
    return _run("git", "branch", "--list", cwd=bare).stdout


def test_a_broken_dockerfile_is_refused_and_a_clean_commit_goes_through(clone):
    work, bare = clone
    path, good, bad = BROKEN
    dockerfile = work / path
    dockerfile.write_text(dockerfile.read_text().replace(good, bad))
    _run("git", "commit", "--quiet", "-am", "unpinned base image", cwd=work)
    refused = _run("git", "push", "target", "HEAD:refs/heads/main", cwd=work, check=False)
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert f"{path}:5: ANN003 ARG PYTHON_IMAGE has no pinned default" in output
    assert _branches(bare) == ""  # nothing reached the remote

    _run("git", "reset", "--quiet", "--hard", "HEAD~1", cwd=work)
    readme = work / "README.md"
    readme.write_text(readme.read_text() + "\nA clean change.\n")
    _run("git", "commit", "--quiet", "-am", "a clean change", cwd=work)
    pushed = _run("git", "push", "target", "HEAD:refs/heads/main", cwd=work, check=False)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert "quick gate" in pushed.stdout + pushed.stderr  # the hook ran, and passed
    assert "main" in _branches(bare)
