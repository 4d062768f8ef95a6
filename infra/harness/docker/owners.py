"""Which process owns each throwaway stack, so a stack whose owner died is still removed.

`finally` blocks cover Ctrl-C, SIGTERM, timeouts and exceptions; a SIGKILL or the OOM
killer skips them. Each stack records its project here before `up` and drops the record
once teardown proved nothing is left; the next stack any harness process brings up on
this machine removes the stacks of owners that are gone.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from harness import files, proc
from harness.docker import compose


def records_dir() -> Path:
    """Machine-wide (every checkout and clone shares the engine): one file per live stack."""
    return Path(tempfile.gettempdir()) / f"annadata-stacks-{os.getuid()}"


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (tells a reused pid apart)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    # Field 22; the command name (field 2) may hold spaces, so count from its closing paren.
    return stat.rpartition(")")[2].split()[19]


def record(project: str) -> None:
    """Note that this process owns project."""
    directory = records_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    owner = {"pid": os.getpid(), "start": _start_time(os.getpid())}
    # Whole or not at all: another run's reap() must never read half a record as a dead owner.
    files.write_text(directory / f"{project}.json", json.dumps(owner), "stack owner record")


def release(project: str) -> None:
    """project is gone: forget it."""
    (records_dir() / f"{project}.json").unlink(missing_ok=True)


def orphans() -> list[str]:
    """Recorded projects whose owning process no longer runs."""
    found = []
    for path in sorted(records_dir().glob("*.json")):
        try:
            owner = json.loads(path.read_text(encoding="utf-8"))
            alive = _start_time(int(owner["pid"])) == owner["start"]
        except (OSError, ValueError, KeyError, TypeError):
            alive = False
        if not alive:
            found.append(path.stem)
    return found


def reap(run: proc.Runner = proc.run, say: Callable[[str], None] = print) -> list[str]:
    """Remove the containers, networks and volumes of every orphaned stack; their names."""
    reaped = []
    for project in orphans():
        left = compose.leftovers(project, run)
        if any(left.values()):
            compose.remove(left, run)
            say(f"harness: removed stack {project}, left behind by a process that was killed")
        release(project)
        reaped.append(project)
    return reaped
