"""Writing what the harness produces (reports, env files, specs): whole or not at all.

Every write goes to a temporary file beside its target and is renamed over it, so a
Ctrl-C, a SIGTERM or a full disk leaves the old file or the new one, never half of one;
a directory that cannot be written is one line naming it, not a traceback.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from harness.errors import HarnessError

# Read once: new files get the mode the user's umask gives (mkstemp alone gives 0600).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def _cannot(path: Path, what: str, exc: OSError) -> HarnessError:
    blocker = _file_in_the_way(path)
    if blocker is not None:
        return HarnessError(
            f"{path}: cannot write the {what}: {blocker} is a file, not a directory: move it "
            "away, then run again"
        )
    if path.is_dir():
        return HarnessError(f"{path}: cannot write the {what}: it is a directory: name a file")
    return HarnessError(
        f"{path}: cannot write the {what} ({exc.strerror or exc}): make {path.parent} a "
        "writable directory with free space, then run again"
    )


def _file_in_the_way(path: Path) -> Path | None:
    """The nearest ancestor of path that exists but is not a directory (None if there is none)."""
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            return None if parent.is_dir() else parent
    return None


def write_text(path: Path, text: str, what: str = "file") -> Path:
    """Replace path's content with text atomically; an OSError becomes one HarnessError line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _cannot(path, what, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as sink:
            sink.write(text)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_UMASK
        os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise _cannot(path, what, exc) from exc
    except BaseException:
        # Ctrl-C or SIGTERM between the two steps: the target is untouched, drop the rest.
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def append_text(path: Path, text: str, what: str = "file") -> Path:
    """Append text to path in one write (e.g. $GITHUB_STEP_SUMMARY, which other steps share)."""
    try:
        with path.open("a", encoding="utf-8") as sink:
            sink.write(text)
    except OSError as exc:
        raise _cannot(path, what, exc) from exc
    return path


def make_dir(path: Path, what: str = "directory") -> Path:
    """path as a directory (made with its parents if needed); one HarnessError line if not."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = path if path.exists() and not path.is_dir() else _file_in_the_way(path)
        why = f"{blocker} is a file, not a directory" if blocker else exc.strerror or str(exc)
        raise HarnessError(
            f"{path}: cannot create the {what} ({why}): move what is in the way, or make its "
            "parent writable, then run again"
        ) from exc
    return path
