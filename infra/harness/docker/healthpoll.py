"""How often a throwaway stack's healthchecks run: fast while it starts, its own pace after.

Engine 25 does this with `start_interval`; Engine 20.10 (Debian's, the one these machines
install) ignores it, so a check sped up for `up --wait` stayed fast for the stack's life.
Each check is an exec (runc, containerd, dockerd: about 0.1 CPU-s with the probe), and an
idle 14-container stack polled every 2 s took 49 CPU-s a minute: on a 2-core runner most
of what a stack session spent. Docker counts the interval from the end of a check, so a
check that has passed once first sleeps out the rest of the service's own interval: its
next result comes at the compose file's pace, and a failure is still reported as it is.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

# Seconds between checks until a service's first pass, so `up --wait` returns sooner.
FAST_INTERVAL_S = 2
# Where a check records its first pass. Every container of ours has a tmpfs /tmp; one that
# cannot write here keeps the fast pace, which is slower to run but still correct.
SETTLED_MARK = "/tmp/.annadata-health-settled"  # noqa: S108 - the container's /tmp
# Docker's defaults, for a healthcheck that leaves them out.
DEFAULT_INTERVAL_S = 30.0
DEFAULT_TIMEOUT_S = 30.0
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")


def seconds(duration: object) -> float | None:
    """A compose duration ("10s", "3m0s", "1m30s", "500ms") in seconds; None if not one."""
    if not isinstance(duration, str) or not duration:
        return None
    parts = _DURATION.findall(duration)
    if "".join(value + unit for value, unit in parts) != duration:
        return None
    return sum(float(value) * _UNITS[unit] for value, unit in parts)


def _duration(value: float) -> str:
    return f"{value:g}s"


def throwaway(healthcheck: Mapping[str, Any]) -> dict[str, Any]:
    """The override of one service's resolved healthcheck (`compose config --format json`).

    The test is run by /bin/sh (every image the templates and stand-ins make has one, as do
    the official images the stack names); strings keep compose's `$$` escapes, so the
    override reads back as the same command. A check already at the fast pace, or one whose
    form or interval this cannot read, only gets the fast interval.
    """
    fast: dict[str, Any] = {"interval": _duration(FAST_INTERVAL_S)}
    test = healthcheck.get("test")
    interval = seconds(healthcheck.get("interval", _duration(DEFAULT_INTERVAL_S)))
    timeout = seconds(healthcheck.get("timeout", _duration(DEFAULT_TIMEOUT_S)))
    if not isinstance(test, list) or len(test) < 2 or interval is None or timeout is None:
        return fast
    if not all(isinstance(word, str) for word in test):
        return fast
    settle = interval - FAST_INTERVAL_S
    if settle <= 0:
        return fast
    kind, *words = test
    if kind == "CMD":
        command = shlex.join(words)
    elif kind == "CMD-SHELL" and len(words) == 1:
        command = words[0]
    else:
        return fast
    # A subshell on lines of its own: the check's own `exit`, `;` or trailing comment stays
    # inside it. `true`, not `:`, writes the mark: a failed redirection of a special
    # built-in would end the shell, and a read-only /tmp must not fail the check.
    script = "\n".join(
        (
            f"if [ -e {SETTLED_MARK} ]; then sleep {settle:g}; fi",
            "(",
            command,
            ") || exit",
            f"{{ true > {SETTLED_MARK}; }} 2>/dev/null",
            "exit 0",
        )
    )
    return {
        **fast,
        "test": ["CMD-SHELL", script],
        # The sleep is part of the check now: a slow probe must still fit after it.
        "timeout": _duration(timeout + settle),
    }
