"""Fixtures for the harness's stack lifecycle tests: a probe image and a leak check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import paths, proc
from harness.bases import no_registry, standin_build
from harness.docker import compose
from harness.docker.stack import Stack

ROOT = paths.repo_root(Path(__file__))
FIXTURE = Path(__file__).parent / "fixtures" / "compose.yml"


@pytest.fixture(scope="session")
def probe_image() -> str:
    """An image with python: the no-registry stand-in, else python:3.11-slim (pulled once)."""
    if no_registry.decide().on:
        standin_build.build(ROOT, only=["python"])
        return no_registry.image_env(ROOT)["PYTHON_IMAGE"]
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
