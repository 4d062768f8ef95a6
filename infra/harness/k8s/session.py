"""`nox -s k8s`: cluster binaries (built once, cached), the images, then tests/k8s.

tests/k8s starts the cluster, installs the chart and runs the smoke checks, an upgrade, a
broken upgrade and a rollback; after the cluster is gone, its last module checks the machine
is as it was. This module prints the stages' timings.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from harness import proc
from harness.errors import HarnessError
from harness.k8s import binaries, hoststate

SUITE = "tests/k8s"
JUNIT = "reports/junit/k8s.xml"
REPORTS_DIR = "reports/k8s"
TIMINGS_FILE = "timings.json"
BUILD_TIMEOUT = 3600


def git_sha(root: Path) -> str:
    """The short commit the images are tagged with (as `nox -s build` tags them)."""
    done = proc.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], timeout=10)
    return done.stdout.strip() if done.ok else "unknown"


def build_images(root: Path, say: Callable[[str], None] = print) -> None:
    """`python -m harness build`: the engine, the no-registry stand-ins and every image."""
    argv = [sys.executable, "-m", "harness", "--root", str(root), "build"]
    say(f"k8s: {' '.join(argv[1:])}")
    done = subprocess.run(argv, check=False, timeout=BUILD_TIMEOUT)
    if done.returncode != 0:
        raise HarnessError("k8s: building the images failed (above): fix it, or run `nox -s build`")


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
    build_images(root, say)
    timings["images"] = time.monotonic() - started
    reports = root / REPORTS_DIR
    (reports / TIMINGS_FILE).unlink(missing_ok=True)
    started = time.monotonic()
    argv = [SUITE, f"--junitxml={root / JUNIT}", "-p", "no:cacheprovider", "-p", "no:anyio"]
    status = int(pytest.main([*argv, *pytest_args]))
    timings["suite"] = time.monotonic() - started
    # The suite writes its timings as its cluster goes; none if it never started one.
    with contextlib.suppress(OSError, json.JSONDecodeError):
        timings.update(json.loads((reports / TIMINGS_FILE).read_text(encoding="utf-8")))
    width = max(len(k) for k in timings)
    say(f"{'stage (seconds), memory (MB)':<{width}} {'':>8}")
    for stage, value in timings.items():
        say(f"{stage:<{width}} {value:8.1f}")
    return status
