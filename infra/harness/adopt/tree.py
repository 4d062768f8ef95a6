"""A bounded, read-only walk of a foreign tree: which files there are, and what they hold."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import HarnessError

# Never walked into: installed packages, virtualenvs, caches, build output, VCS data.
SKIPPED_DIRS = frozenset({
    ".git", "node_modules", ".venv", "venv", "env", ".env", "__pycache__", ".nox", ".tox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "dist", "build", ".next",
    ".idea", ".vscode", ".annadata", "reports", ".cache", ".eggs", "htmlcov", "out",
})  # fmt: skip
# A repository bigger than this is walked only this far (the report says so).
MAX_FILES = 20_000
# Python files bigger than this are not parsed (generated code, vendored blobs).
MAX_SOURCE_BYTES = 2_000_000


@dataclass
class Tree:
    """The files of a tree (relative POSIX paths), and what the walk left out and why."""

    root: Path
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    truncated: bool = False

    def under(self, directory: str) -> list[str]:
        """Files at or below directory ("." is the root)."""
        if directory == ".":
            return list(self.files)
        prefix = directory.rstrip("/") + "/"
        return [f for f in self.files if f.startswith(prefix)]

    def named(self, name: str) -> list[str]:
        """Files with this base name."""
        return [f for f in self.files if f.rsplit("/", 1)[-1] == name]

    def text(self, rel: str, limit: int = MAX_SOURCE_BYTES) -> str | None:
        """A file's UTF-8 text, or None when it is too big, binary or unreadable."""
        path = self.root / rel
        try:
            if path.stat().st_size > limit:
                return None
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def head(self, rel: str, size: int = 512) -> bytes:
        """The first bytes of a file (b"" when unreadable)."""
        try:
            with (self.root / rel).open("rb") as handle:
                return handle.read(size)
        except OSError:
            return b""


def is_virtualenv(path: Path) -> bool:
    """A directory holding a virtualenv (pyvenv.cfg), whatever its name."""
    return (path / "pyvenv.cfg").is_file()


def walk(root: Path) -> Tree:
    """Every regular file below root, skipping SKIPPED_DIRS, virtualenvs and symlinks.

    Symlinks are listed in notes, never followed: a loop or a link out of the tree cannot
    make the walk unbounded or read outside it.
    """
    if not root.is_dir():
        raise HarnessError(f"{root}: not a directory: give the root of a repository")
    tree = Tree(root)
    for here, dirs, names in os.walk(root, followlinks=False):
        base = Path(here)
        rel_dir = base.relative_to(root).as_posix()
        kept = []
        for d in sorted(dirs):
            full = base / d
            if full.is_symlink():
                tree.notes.append(_symlink_note(root, full))
            elif d not in SKIPPED_DIRS and not is_virtualenv(full):
                kept.append(d)
        dirs[:] = kept
        for name in sorted(names):
            full = base / name
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if full.is_symlink():
                tree.notes.append(_symlink_note(root, full))
                continue
            if len(tree.files) >= MAX_FILES:
                tree.truncated = True
                tree.notes.append(
                    f"walk stopped after {MAX_FILES} files: the report covers only those"
                )
                return tree
            tree.files.append(rel)
    return tree


def _symlink_note(root: Path, link: Path) -> str:
    rel = link.relative_to(root).as_posix()
    try:
        target = link.resolve(strict=True)
    except RuntimeError:
        return f"{rel}: symlink loop, skipped"
    except OSError as exc:
        return f"{rel}: broken symlink ({exc.strerror}), skipped"
    try:
        target.relative_to(root.resolve())
    except ValueError:
        return f"{rel}: symlink out of the tree ({target}), skipped"
    return f"{rel}: symlink inside the tree, not followed"
