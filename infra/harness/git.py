"""Every question the harness asks git, in one place; each answers None outside a checkout."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from harness import proc
from harness.errors import HarnessError

# Local git calls answer in milliseconds; this bounds one on a loaded runner.
TIMEOUT = 30
MAIN_BRANCH = "main"


@dataclass(frozen=True)
class Commit:
    """HEAD's full id and committer time (ISO 8601), for image labels."""

    sha: str
    created: str


def _git(root: Path, *argv: str, run: proc.Runner = proc.run) -> proc.Result:
    return run(["git", "-C", str(root), *argv], timeout=TIMEOUT)


def short_sha(root: Path, run: proc.Runner = proc.run) -> str:
    """The short commit id images are tagged with ("unknown" outside git)."""
    done = _git(root, "rev-parse", "--short=12", "HEAD", run=run)
    return done.stdout.strip() if done.ok and done.stdout.strip() else "unknown"


def head(root: Path, run: proc.Runner = proc.run) -> Commit | None:
    """HEAD's full sha and commit time, or None outside git."""
    done = _git(root, "log", "-1", "--format=%H %cI", run=run)
    sha, _, created = done.stdout.strip().partition(" ")
    return Commit(sha, created) if done.ok and sha else None


def source_url(root: Path, run: proc.Runner = proc.run) -> str:
    """Where the code lives: GitHub's server and repository in Actions, else origin's URL."""
    server, repo = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    if server and repo:
        return f"{server}/{repo}"
    done = _git(root, "remote", "get-url", "origin", run=run)
    url = done.stdout.strip() if done.ok else ""
    ssh = re.match(r"^git@([^:]+):(.+?)(\.git)?$", url)
    return f"https://{ssh.group(1)}/{ssh.group(2)}" if ssh else url.removesuffix(".git")


def version(root: Path, run: proc.Runner = proc.run) -> str | None:
    """The release version when HEAD carries a tag vX.Y.Z, else None."""
    done = _git(root, "describe", "--tags", "--exact-match", "--match", "v[0-9]*", run=run)
    return done.stdout.strip().removeprefix("v") if done.ok and done.stdout.strip() else None


def branch(root: Path, run: proc.Runner = proc.run) -> str | None:
    """The branch being built: GitHub's ref name in Actions, else git's (None if detached)."""
    if os.environ.get("GITHUB_REF_TYPE") == "branch" and os.environ.get("GITHUB_REF_NAME"):
        return os.environ["GITHUB_REF_NAME"]
    done = _git(root, "symbolic-ref", "--short", "-q", "HEAD", run=run)
    return (done.stdout.strip() or None) if done.ok else None


def dirty(root: Path, run: proc.Runner = proc.run) -> list[str]:
    """Paths `git status` reports as changed or untracked."""
    done = _git(root, "status", "--porcelain", run=run)
    return [line[3:] for line in done.stdout.splitlines() if line.strip()]


def files(root: Path, run: proc.Runner = proc.run) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files, relative to root; None outside git."""
    done = _git(root, "ls-files", "--cached", "--others", "--exclude-standard", run=run)
    return done.stdout.splitlines() if done.ok else None


def default_base(root: Path, run: proc.Runner = proc.run) -> str | None:
    """The merge-base of HEAD with origin/main, else main; None outside git or without either."""
    for candidate in (f"origin/{MAIN_BRANCH}", MAIN_BRANCH):
        done = _git(root, "merge-base", "HEAD", candidate, run=run)
        if done.ok and done.stdout.strip():
            return done.stdout.strip()
    return None


def resolve(root: Path, ref: str, run: proc.Runner = proc.run) -> str:
    """The commit ref names; a HarnessError when it names none (a typo must not pass silently)."""
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", run=run)
    if not done.ok or not done.stdout.strip():
        raise HarnessError(
            f"git ref {ref!r} names no commit in {root}: check the spelling, or `git fetch` it "
            "(CI needs `fetch-depth: 0`)"
        )
    return done.stdout.strip()


def show(root: Path, ref: str, path: str, run: proc.Runner = proc.run) -> str | None:
    """The file at ref, or None when it did not exist there."""
    done = _git(root, "show", f"{ref}:{path}", run=run)
    return done.stdout if done.ok else None


def merge_base(root: Path, ref: str, head: str = "HEAD", run: proc.Runner = proc.run) -> str | None:
    """The best common ancestor of ref and head, or None when they share none."""
    done = _git(root, "merge-base", ref, head, run=run)
    return done.stdout.strip() if done.ok and done.stdout.strip() else None


def changed_files(
    root: Path, base: str, head: str | None = None, run: proc.Runner = proc.run
) -> list[str]:
    """Paths that differ between commit base and head, or the work tree when head is None.

    The work tree counts committed, staged, unstaged and untracked (not ignored) changes.
    A rename lists both its old and its new path.
    """
    argv = ["diff", "--name-only", "--no-renames", "-z", base, *([head] if head else [])]
    done = _git(root, *argv, run=run)
    if not done.ok:
        raise HarnessError(
            f"git diff {base} {head or '(work tree)'} failed in {root}: {done.last_error_line()}"
        )
    names = [name for name in done.stdout.split("\0") if name]
    if head is None:
        untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", run=run)
        names += [name for name in untracked.stdout.split("\0") if name]
    return sorted(set(names))
