"""Running external commands (the Docker CLI above all) with argument lists, never a shell.

Everything the harness asks of Docker goes through a `Runner`, so unit tests can fake
the CLI at its argument boundary.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TypeVar

from harness import files

_T = TypeVar("_T")
_R = TypeVar("_R")


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
    options = {"env": environment, "start_new_session": shielded, "cwd": cwd, "text": True}
    try:
        if log is not None:
            files.make_dir(log.parent, "log directory")
            with log.open("w", encoding="utf-8") as sink:
                code, _, _ = _tracked(
                    command, None, timeout, stdin=subprocess.DEVNULL, stdout=sink,
                    stderr=subprocess.STDOUT, **options,
                )  # fmt: skip
            tail = log.read_text(encoding="utf-8", errors="replace")[-4096:]
            return Result(tuple(argv), code, "", tail)
        pipe = subprocess.PIPE if capture else None
        stdin_pipe = subprocess.PIPE if stdin is not None else None
        code, out, err = _tracked(
            command, stdin, timeout, stdin=stdin_pipe, stdout=pipe, stderr=pipe, **options
        )
    except (FileNotFoundError, PermissionError):
        return Result(tuple(argv), NOT_FOUND, "", f"{argv[0]}: command not found")
    except subprocess.TimeoutExpired:
        return Result(tuple(argv), TIMED_OUT, "", f"{argv[0]}: no answer within {timeout}s")
    return Result(tuple(argv), code, out or "", err or "")


# Commands running now that an interrupt of the main thread must stop: Ctrl-C raises there
# only, and a command a worker thread runs (builds run two at a time) would outlive it.
_RUNNING: set[subprocess.Popen[str]] = set()
_RUNNING_LOCK = threading.Lock()


def _tracked(
    command: list[str], feed: str | None, timeout: float | None, **popen: object
) -> tuple[int, str | None, str | None]:
    """subprocess.run's wait-and-kill, with the process listed in _RUNNING while it runs."""
    process: subprocess.Popen[str] | None = None
    try:
        # An interrupt inside Popen (the child already forked) or before the process is listed
        # would leave a child nobody kills: it is held until both are done.
        with _interrupts_held():
            process = subprocess.Popen(command, **popen)  # type: ignore[call-overload]
            with _RUNNING_LOCK:
                _RUNNING.add(process)
        out, err = process.communicate(feed, timeout=timeout)
    except BaseException:
        if process is not None:
            process.kill()
            process.wait()
        raise
    finally:
        if process is not None:
            with _RUNNING_LOCK:
                _RUNNING.discard(process)
            for pipe in (process.stdin, process.stdout, process.stderr):
                if pipe is not None:
                    pipe.close()
    return process.returncode, out, err


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends, then act as they would have.

    Python-level, not a signal mask: a child inherits the mask, and would ignore both.
    Signals only reach the main thread's handlers, so other threads need nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous: dict[int, Callable[[int, FrameType | None], object] | int] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(signum)
        if handler is not None:  # None: installed outside Python, and could not be put back
            previous[signum] = handler
            signal.signal(signum, lambda number, _frame: held.append(number))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in held:
            signal.raise_signal(number)


def two_at_a_time(work: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
    """work(item) for each item, two at once (a 2-core machine); results in the items' order.

    For work that mostly waits on a child process. The first error is raised as soon as it
    happens, and an interrupt reaches the calling thread only: either way the other child
    would run on, so every running one is killed and the items not yet begun are cancelled.
    """
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(work, item) for item in items]
        try:
            wait(futures, return_when=FIRST_EXCEPTION)
            for future in futures:
                if future.done() and (error := future.exception()) is not None:
                    raise error
            return [future.result() for future in futures]
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            stop_running()
            raise


def stop_running() -> None:
    """Kill every command that run() has going, in any thread (after an interrupt)."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for process in running:
        process.kill()


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
