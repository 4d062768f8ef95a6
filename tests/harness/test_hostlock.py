"""Machine-wide locks between two real processes: the second waits and says so; a killed
holder leaves nothing held."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness import hostlock

from .conftest import REPO

# A second run: takes the lock, prints, and (with HOLD set) keeps it until killed.
SECOND = """
import os, sys, time
from harness import hostlock
with hostlock.machine("image-annadata/x", "building annadata/x"):
    print("acquired", flush=True)
    if os.environ.get("HOLD"):
        time.sleep(120)
"""


def _second(hold: bool = False) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "infra"), "HOLD": "1" if hold else ""}
    return subprocess.Popen(
        [sys.executable, "-c", SECOND], env=env, stdout=subprocess.PIPE, text=True
    )


def test_a_second_run_waits_says_for_what_and_goes_on_once_released(own_locks: Path):
    said: list[str] = []
    with hostlock.machine("image-annadata/x", "building annadata/x", said.append):
        second = _second()
        assert second.stdout is not None
        line = second.stdout.readline()
        assert line.startswith("harness: waiting for another run that is building annadata/x")
        assert str(own_locks / "image-annadata_x.lock") in line
        time.sleep(0.3)
        assert second.poll() is None  # still waiting while this one holds it
    out, _ = second.communicate(timeout=30)
    assert out == "acquired\n"
    assert said == []  # the first run never waited


def test_a_killed_holder_leaves_the_lock_free(own_locks: Path):
    holder = _second(hold=True)
    assert holder.stdout is not None
    assert holder.stdout.readline() == "acquired\n"
    said: list[str] = []
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    holder.stdout.close()
    with hostlock.machine("image-annadata/x", "building annadata/x", said.append):
        pass
    assert said == []


def test_the_lock_directory_comes_from_the_environment(own_locks: Path, monkeypatch):
    assert hostlock.locks_dir() == own_locks
    monkeypatch.delenv(hostlock.DIR_ENV)
    assert hostlock.locks_dir().name == f"annadata-locks-{os.getuid()}"
