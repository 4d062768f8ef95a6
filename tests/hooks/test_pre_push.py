"""The pre-push hook, for real: in a clone with the hook installed, pushing to a local bare
repository is refused with the lint finding for a broken Dockerfile, and allowed when clean;
it runs what the pushed range affects (one backend: lint and that backend's unit tests),
and everything when there is no range (a new remote: the refused push).

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
# The selection must come from the pushed range, not from a variable of the caller's shell.
ENV.pop("ANNADATA_AFFECTED_BASE", None)


def _run(*argv: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=900)
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


def _published(work: Path) -> None:
    """Put HEAD on the remote without the hook, so later pushes have a range."""
    _run("git", "push", "--quiet", "--no-verify", "target", "HEAD:refs/heads/main", cwd=work)


def _remote_main(bare: Path) -> str:
    return _run("git", "rev-parse", "main", cwd=bare).stdout.strip()


def _commit(work: Path, path: str, text: str, message: str) -> None:
    with (work / path).open("a", encoding="utf-8") as sink:
        sink.write(text)
    _run("git", "commit", "--quiet", "-am", message, cwd=work)


def test_a_broken_dockerfile_is_refused_and_a_clean_commit_goes_through(clone):
    work, bare = clone
    path, good, bad = BROKEN
    dockerfile = work / path
    dockerfile.write_text(dockerfile.read_text().replace(good, bad))
    _run("git", "commit", "--quiet", "-am", "unpinned base image", cwd=work)
    # The remote is empty: pre-commit has no range for a whole history, so nothing is left
    # out; the lint finding fails the push, and no session starts after it (-x).
    refused = _run("git", "push", "target", "HEAD:refs/heads/main", cwd=work, check=False)
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert f"{path}:5: ANN003 ARG PYTHON_IMAGE has no pinned default" in output
    assert "lint: affected: everything (pre-commit named no pushed range" in output
    assert "nothing affected" not in output
    assert _run("git", "ls-remote", str(bare), cwd=work).stdout == ""  # nothing reached it

    _run("git", "reset", "--quiet", "--hard", "HEAD~1", cwd=work)
    _published(work)
    _commit(work, "README.md", "\nA clean change.\n", "a clean change")
    pushed = _run("git", "push", "target", "HEAD:refs/heads/main", cwd=work, check=False)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert "quick gate" in pushed.stdout + pushed.stderr  # the hook ran, and passed
    assert _remote_main(bare) == _run("git", "rev-parse", "HEAD", cwd=work).stdout.strip()


def test_a_push_of_one_backend_runs_lint_and_that_backends_unit_tests_only(clone):
    work, _ = clone
    _published(work)
    _commit(work, "services/soil_health/backend/app.py", "\n# a one-line change\n", "one line")
    pushed = _run("git", "push", "target", "HEAD:refs/heads/main", cwd=work, check=False)
    output = pushed.stdout + pushed.stderr
    assert pushed.returncode == 0, output
    assert "lint: affected: lint checks every change (1 changed)" in output
    assert "unit(target='soil_health.backend'): affected: services/soil_health/backend/app.py" in (
        output
    )
    for left_out in ("typecheck", "unit(target='harness')", "unit(target='msp_mitra.backend')"):
        assert f"{left_out}: nothing affected: no change reaches it" in output
    # Its drift check ran: the contract plugin's own line.
    assert "soil_health/backend/openapi.yaml: matches the app" in output
