"""Whether a nox venv already holds what a session installs: a stamp of what, and from what.

Standard library only (the noxfile uses it). `nox` re-runs every `pip install` of every
session on every run (seconds each, minutes over the gate); `nox -R` skips them blindly. The
stamp skips them only when nothing they read changed: the arguments, the requirements files
they name, and the pyproject.toml of each local package (editable installs need no
reinstall for a code change, only for a metadata one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

STAMP = "annadata-installs.sha256"
# Writes the stamp from inside the venv, as an install step: nox skips it exactly when it
# skips the installs (-R), so a stamp never claims installs that did not run.
WRITE = "import pathlib, sys; pathlib.Path(sys.argv[1]).write_text(sys.argv[2])"


def fingerprint(root: Path, calls: Sequence[Sequence[str]]) -> str:
    """sha256 over the install calls, the contents of every file they read, and the root.

    The root: an editable install points at it, and a venv shared by checkouts (the
    scaffold's nested runs) must reinstall when the checkout moves.
    """
    digest = hashlib.sha256(str(root.resolve()).encode())
    for call in calls:
        digest.update(b"\0call")
        previous = ""
        for arg in call:
            digest.update(b"\0" + arg.encode())
            for path in _read_by(root, previous, arg):
                digest.update(b"\0" + path.encode() + b"\0")
                try:
                    digest.update((root / path).read_bytes())
                except OSError:
                    digest.update(b"(missing)")
            previous = arg
    return digest.hexdigest()


def _read_by(root: Path, previous: str, arg: str) -> list[str]:
    """The files an install argument reads: a requirements file, or a local package's metadata."""
    if previous in ("-r", "--requirement", "-c", "--constraint"):
        return [arg]
    if arg.startswith((".", "/")) and (root / arg).is_dir():
        return [f"{arg}/{name}" for name in ("pyproject.toml", "setup.cfg", "setup.py")
                if (root / arg / name).is_file()]  # fmt: skip
    return []


def current(venv: Path, digest: str) -> bool:
    """Whether the venv's stamp records exactly this fingerprint."""
    try:
        return (venv / STAMP).read_text(encoding="utf-8") == digest
    except OSError:
        return False


class Session(Protocol):
    """What `install` uses of a nox session (tests pass a recorder)."""

    @property
    def virtualenv(self) -> Any: ...

    def log(self, *args: Any) -> None: ...

    def run(self, *args: str, silent: Literal[True]) -> Any: ...

    def run_install(self, *args: str, silent: bool = ...) -> Any: ...


def installer(virtualenv: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`pip install` and `pip check` for a nox venv: uv's in a uv venv (it holds no pip).

    uv compiles bytecode only when asked and pip always does: without it, every run would
    compile each module it imports again (PYTHONDONTWRITEBYTECODE keeps them from being saved).
    """
    if getattr(virtualenv, "venv_backend", None) == "uv":
        return ("uv", "pip", "install", "--compile-bytecode"), ("uv", "pip", "check")
    return ("python", "-m", "pip", "install"), ("python", "-m", "pip", "check")


def install(session: Session, root: Path, calls: Sequence[Sequence[str]], check: bool) -> None:
    """`pip install` each call (then `pip check`), unless the venv's stamp says it holds them.

    `nox -R` skips install steps (run_install answers None), which is right for a venv whose
    stamp is only stale and wrong for one that never had its installs: a session that had
    nothing to do (`--affected`) leaves an empty venv, and a later `nox -R` (the pre-push
    hook) would run in it. A venv without a stamp gets its installs either way.
    """
    venv = Path(session.virtualenv.location)
    digest = fingerprint(root, calls)
    if current(venv, digest):
        session.log(f"installs unchanged since they were made ({STAMP}): skipped")
        return
    never_installed = not (venv / STAMP).exists()
    install_argv, check_argv = installer(session.virtualenv)
    steps = [(*install_argv, *call) for call in calls]
    if check:
        steps.append(check_argv)
    steps.append(("python", "-c", WRITE, str(venv / STAMP), digest))
    # Silent, as session.install is: pip's output is shown only when it fails (a session's
    # stdout can be its result, e.g. `nox -s affected -- --format json`).
    for step in steps:
        if session.run_install(*step, silent=True) is None and never_installed:
            session.run(*step, silent=True)
