"""Machine-wide locks: runs side by side (`nox -j 3`, two checkouts) never do one slow job twice.

The engine, its images and the stand-ins are shared by every checkout on the machine. A run
that finds another one provisioning the engine, or building the image it needs, waits for it
and then finds the work done. flock: the kernel drops a lock when its holder dies, so a
killed run never leaves one behind.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

# Another directory: locks of their own for runs on a fake engine (the harness unit tests),
# which must neither wait for nor block the real engine's builds.
DIR_ENV = "ANNADATA_LOCK_DIR"


def locks_dir() -> Path:
    """Machine-wide, beside the stack owners' records (harness.docker.owners)."""
    chosen = os.environ.get(DIR_ENV)
    return Path(chosen) if chosen else Path(tempfile.gettempdir()) / f"annadata-locks-{os.getuid()}"


@contextmanager
def held(path: Path, what: str, say: Callable[[str], None] = print) -> Iterator[None]:
    """Hold path's lock; say so once when another run holds it and this one waits."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"harness: waiting for another run that is {what} (lock {path})")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def machine(
    name: str, what: str, say: Callable[[str], None] = print
) -> AbstractContextManager[None]:
    """held() on the machine-wide lock called name (any text: it is made a file name)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    return held(locks_dir() / f"{safe}.lock", what, say)
