"""`nox -s k8s`: cluster binaries (built once, cached), the images, then tests/k8s.

tests/k8s starts the cluster, installs the chart and runs the smoke checks, an upgrade, a
broken upgrade and a rollback; after the cluster is gone, its last module checks the machine
is as it was. This module prints the stages' timings.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from harness import proc, registry, reports
from harness.docker.prepare import prepare
from harness.errors import HarnessError
from harness.k8s import binaries, hoststate

SUITE = "tests/k8s"
TIMINGS_FILE = "timings.json"


def clean(say: Callable[[str], None] = print, run: proc.Runner = proc.run) -> int:
    """Remove what a crashed run left (KUBE-* chains, pod containers) if no cluster runs."""
    running = [
        p for p in Path("/proc").glob("[0-9]*") if _exe(p).startswith(str(binaries.cache_root()))
    ]
    if running:
        raise HarnessError(
            f"k8s: a cluster is running (pid {running[0].name}): stop it first, nothing removed"
        )
    problems = hoststate.remove_kube_rules(run)
    ids = run(
        ["docker", "ps", "--all", "--quiet", "--filter", "label=io.kubernetes.docker.type"],
        timeout=60,
    )
    if ids.stdout.split():
        run(["docker", "rm", "--force", "--volumes", *ids.stdout.split()], timeout=180)
    for line in problems:
        say(f"k8s: {line}")
    say(f"k8s: removed KUBE-* iptables chains and {len(ids.stdout.split())} pod containers")
    return 1 if problems else 0


def _exe(pid_dir: Path) -> str:
    try:
        return str((pid_dir / "exe").readlink())
    except OSError:
        return ""


def run(
    root: Path,
    *,
    build_only: bool = False,
    pytest_args: Sequence[str] = (),
    say: Callable[[str], None] = print,
) -> int:
    """Binaries, images, then the suite; print the stages' timings."""
    import pytest

    timings: dict[str, float] = {}
    started = time.monotonic()
    found = binaries.ensure(say=say)
    timings["binaries"] = time.monotonic() - started
    say(f"k8s: cluster binaries in {found.directory}")
    if build_only:
        return 0
    started = time.monotonic()
    reg = registry.load(root)
    prepare(root, reg, reg.components(), say=say)
    timings["images"] = time.monotonic() - started
    directory = root / reports.K8S_DIR
    (directory / TIMINGS_FILE).unlink(missing_ok=True)
    started = time.monotonic()
    junit = reports.junit(root, "k8s")
    argv = [SUITE, f"--junitxml={junit}", "-p", "no:cacheprovider", "-p", "no:anyio"]
    status = int(pytest.main([*argv, *pytest_args]))
    timings["suite"] = time.monotonic() - started
    # The suite writes its timings as its cluster goes; none if it never started one.
    with contextlib.suppress(OSError, json.JSONDecodeError):
        timings.update(json.loads((directory / TIMINGS_FILE).read_text(encoding="utf-8")))
    width = max(len(k) for k in timings)
    say(f"{'stage (seconds), memory (MB)':<{width}} {'':>8}")
    for stage, value in timings.items():
        say(f"{stage:<{width}} {value:8.1f}")
    return status
