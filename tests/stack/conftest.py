"""Fixtures for the harness's stack lifecycle tests: a probe image and a leak check."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import paths, proc, registry
from harness.docker import compose
from harness.docker.prepare import prepare
from harness.docker.stack import Stack

ROOT = paths.repo_root(Path(__file__))
FIXTURE = Path(__file__).parent / "fixtures" / "compose.yml"


@pytest.fixture(scope="session")
def probe_image() -> str:
    """An image with python: the no-registry stand-in, else python:3.11-slim (pulled once)."""
    image_env = prepare(ROOT, registry.load(ROOT), []).image_env
    if "PYTHON_IMAGE" in image_env:
        return image_env["PYTHON_IMAGE"]
    image = "python:3.11-slim"
    if not proc.run(["docker", "image", "inspect", image], timeout=30).ok:
        pulled = proc.run(["docker", "pull", image], timeout=600)
        assert pulled.ok, pulled.last_error_line()
    return image


@pytest.fixture
def project() -> Iterator[str]:
    """A unique project name; after the test, nothing may carry its label."""
    name = compose.unique_name("annadata-stacktest")
    yield name
    left = Stack(ROOT, [FIXTURE], name=name, report_dir=Path("/nonexistent")).leftovers()
    assert left == {"containers": [], "networks": [], "volumes": []}, f"{name} left {left}"


def make_stack(
    project: str, tmp_path: Path, image: str, *profiles: str, wait_timeout: int = 60
) -> tuple[Stack, list[str]]:
    """A fixture stack and the lines it said (its diagnosis goes there)."""
    said: list[str] = []
    stack = Stack(
        ROOT,
        [FIXTURE],
        name=project,
        report_dir=tmp_path / "report",
        run_env={"PROBE_IMAGE": image},
        profiles=profiles,
        wait_timeout=wait_timeout,
        say=said.append,
    )
    return stack, said


# Busy loops per core, and memory held (touched, so it is resident) while a test runs.
LOAD_PER_CORE = 2
LOAD_MEMORY_MB = 3072
_HOG = "while True: pass"
_HOLD_MEMORY = (
    "import sys, time\n"
    "block = bytearray(int(sys.argv[1]) * 1024 * 1024)\n"
    "for i in range(0, len(block), 4096): block[i] = 1\n"
    "time.sleep(3600)\n"
)


@pytest.fixture
def machine_load() -> Iterator[None]:
    """Load the machine like a busy shared runner: every core oversubscribed, memory held."""
    cores = os.cpu_count() or 2
    argvs = [[sys.executable, "-c", _HOG] for _ in range(cores * LOAD_PER_CORE)]
    argvs.append([sys.executable, "-c", _HOLD_MEMORY, str(LOAD_MEMORY_MB)])
    hogs = [subprocess.Popen(argv, start_new_session=True) for argv in argvs]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait(timeout=30)
