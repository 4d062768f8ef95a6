"""Running external commands (the Docker CLI above all) with argument lists, never a shell.

Everything the harness asks of Docker goes through a `Runner`, so unit tests can fake
the CLI at its argument boundary.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType


@dataclass(frozen=True)
class Result:
    """What a finished command gave back."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        """True when the command exited 0."""
        return self.returncode == 0

    def last_error_line(self) -> str:
        """The last non-empty stderr (else stdout) line, for one-line error messages."""
        for stream in (self.stderr, self.stdout):
            lines = [line.strip() for line in stream.splitlines() if line.strip()]
            if lines:
                return lines[-1]
        return f"exit status {self.returncode}"


Runner = Callable[..., Result]

# Sets the address-space limit, then becomes the command. A child of its own, because
# subprocess's preexec_fn is unsafe with threads (lint runs its tools side by side).
_LIMIT_THEN_EXEC = """\
import os, resource, sys
size = int(sys.argv[1]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (size, size))
try:
    os.execvp(sys.argv[2], sys.argv[2:])
except OSError:
    print(f"{sys.argv[2]}: command not found", file=sys.stderr)
    sys.exit(127)
"""

# Exit status used when the program itself is missing or timed out (as shells do).
NOT_FOUND = 127
TIMED_OUT = 124


def run(
    argv: Sequence[str],
    *,
    timeout: float | None = 60,
    capture: bool = True,
    stdin: str | None = None,
    log: Path | None = None,
    env: Mapping[str, str] | None = None,
    shielded: bool = False,
    cwd: Path | None = None,
    memory_mb: int | None = None,
) -> Result:
    """Run argv; a missing program or a timeout becomes a Result, never an exception.

    capture=False lets output through to the terminal; log= sends stdout and stderr to a
    file instead (the Result then carries its last 4 kB as stderr, for error lines).
    env= replaces the environment. shielded=True starts the command in its own session,
    so a Ctrl-C at the terminal does not reach it (teardown must finish). memory_mb= caps
    the command's address space: a tool fed a hostile file fails instead of eating the host.
    """
    command = list(argv)
    if memory_mb:
        command = [sys.executable, "-c", _LIMIT_THEN_EXEC, str(memory_mb), *command]
    environment = dict(env) if env is not None else None
    try:
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("w", encoding="utf-8") as sink:
                logged = subprocess.run(
                    command, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                    text=True, timeout=timeout, check=False, env=environment,
                    start_new_session=shielded, cwd=cwd,
                )  # fmt: skip
            tail = log.read_text(encoding="utf-8", errors="replace")[-4096:]
            return Result(tuple(argv), logged.returncode, "", tail)
        done = subprocess.run(
            command, input=stdin, capture_output=capture, text=True, timeout=timeout,
            check=False, env=environment, start_new_session=shielded, cwd=cwd,
        )  # fmt: skip
    except (FileNotFoundError, PermissionError):
        return Result(tuple(argv), NOT_FOUND, "", f"{argv[0]}: command not found")
    except subprocess.TimeoutExpired:
        return Result(tuple(argv), TIMED_OUT, "", f"{argv[0]}: no answer within {timeout}s")
    return Result(tuple(argv), done.returncode, done.stdout or "", done.stderr or "")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Inside the block SIGTERM raises KeyboardInterrupt, so cleanup in `finally` runs."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM are held until the block ends, then delivered (a critical section)."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
