"""Children: two at a time, results in order; a failure or an interrupt leaves none running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import proc


def test_results_keep_the_items_order():
    def work(n: int) -> str:
        done = proc.run([sys.executable, "-c", f"print({n} * 2)"], timeout=60)
        return done.stdout.strip()

    assert proc.two_at_a_time(work, [3, 1, 2]) == ["6", "2", "4"]


def test_a_failure_kills_the_other_running_child(tmp_path: Path):
    marker = tmp_path / "started"
    seen: dict[str, int] = {}

    def work(item: str) -> None:
        if item == "slow":
            # Says it has started, then would sleep for ten minutes unless killed.
            code = f"import pathlib, time; pathlib.Path({str(marker)!r}).touch(); time.sleep(600)"
            seen[item] = proc.run([sys.executable, "-c", code], timeout=900).returncode
            return
        for _ in range(600):
            if marker.exists():
                break
            time.sleep(0.1)
        raise RuntimeError("the other one failed")

    with pytest.raises(RuntimeError, match="the other one failed"):
        proc.two_at_a_time(work, ["slow", "bad"])
    # The pool waits for its threads on the way out: the slow child has ended, killed.
    assert seen == {"slow": -9}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_while_the_child_starts_still_kills_it(monkeypatch, signum: int):
    # The signal lands inside Popen, after the fork: the moment a busy machine can make last.
    started: list[int] = []

    class Interrupted(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self.pid)
            signal.raise_signal(signum)

    monkeypatch.setattr(proc.subprocess, "Popen", Interrupted)
    with proc.sigterm_interrupts(), pytest.raises(KeyboardInterrupt):
        proc.run([sys.executable, "-c", "import time; time.sleep(600)"], timeout=900)
    # Killed and reaped: waitpid has nothing left to collect.
    try:
        os.waitpid(started[0], os.WNOHANG)
    except ChildProcessError:
        return
    os.kill(started[0], signal.SIGKILL)  # still our child, so the pid is not someone else's
    os.waitpid(started[0], 0)
    pytest.fail("the child was left running after the interrupt")
