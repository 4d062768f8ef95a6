"""A throwaway stack's checks poll fast until they pass, then at the service's own pace."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from harness import proc
from harness.docker import healthpoll

from .conftest import make_stack

pytestmark = pytest.mark.docker
# The fixture's interval (5 s) less the fast one: what a check waits once it has passed.
SETTLE_S = 5 - healthpoll.FAST_INTERVAL_S
# Generous: on a loaded machine a check's python takes seconds; only a hang fails this.
RELAPSE_DEADLINE_S = 180


def test_a_passed_check_waits_out_its_own_interval_and_still_reports_a_failure(
    project: str, tmp_path: Path, probe_image: str
) -> None:
    stack, _ = make_stack(project, tmp_path, probe_image, "relapsing", wait_timeout=120)
    with stack:
        done = stack.project("ps", "--quiet", "relapsing", timeout=60)
        assert done.ok, done.stderr
        assert done.stdout.split(), "the relapsing service has no container"
        checks = _checks_until_a_failure(done.stdout.split()[0])
    passed = next(i for i, check in enumerate(checks) if check["ExitCode"] == 0)
    relapse = checks[passed + 1]
    # The failure is the check's own: its status and its output, through the wrapper.
    assert relapse["ExitCode"] == 1, relapse
    assert relapse["Output"].strip() == "relapsed", relapse
    # It slept out the rest of the interval before probing: Docker's record spans that.
    assert _at(relapse["End"]) - _at(relapse["Start"]) >= SETTLE_S, relapse


def _checks_until_a_failure(container: str) -> list[dict[str, Any]]:
    """Docker's record of the container's checks, once one has failed after passing."""
    deadline = time.monotonic() + RELAPSE_DEADLINE_S
    while time.monotonic() < deadline:
        done = proc.run(["docker", "inspect", container], timeout=60)
        assert done.ok, done.stderr
        checks = json.loads(done.stdout)[0]["State"]["Health"]["Log"]
        codes = [check["ExitCode"] for check in checks]
        if 0 in codes and any(codes[codes.index(0) + 1 :]):
            return list(checks)
        time.sleep(1)
    raise AssertionError(f"no failed check after a pass within {RELAPSE_DEADLINE_S}s: {checks}")


def _at(stamp: str) -> float:
    """Seconds since the epoch of Docker's timestamp (nanoseconds cut to microseconds)."""
    trimmed = re.sub(r"(\.\d{6})\d+", r"\1", stamp).replace("Z", "+00:00")
    return datetime.fromisoformat(trimmed).timestamp()
