"""Two children at a time: results in order; a failure or interrupt stops the other child."""

from __future__ import annotations

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
