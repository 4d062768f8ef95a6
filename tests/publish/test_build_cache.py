"""Build layers through a registry: with every local image of a build removed, a rebuild
with the cache pulls the layers instead of running `pip install`.

Here the classic builder (no buildx): each stage is pushed as an image of its own (a pushed
image holds only its final stage's layers, and `pip install` is in the builder stage). The
base is a fresh copy of the python image, so no earlier local build can supply the layers;
everything built on it carries its label and is removed afterwards, with the registry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import paths, proc, registry
from harness.docker import images
from harness.docker.prepare import prepare

from .conftest import docker, labelled

ROOT = paths.repo_root(Path(__file__))
COMPONENT = "soil_health.backend"
# The step installing the service's hash-locked requirements (Dockerfile.python's builder).
PIP_STEP = "-r /tmp/requirements.txt"
pytestmark = pytest.mark.docker


@pytest.fixture
def fresh_base() -> Iterator[tuple[str, str]]:
    """(a python base no local build has used, the label every image built on it carries)."""
    run_id = uuid.uuid4().hex[:8]
    python = prepare(ROOT, registry.load(ROOT), []).image_env.get(
        "PYTHON_IMAGE", "python:3.11-slim"
    )
    label = f"org.annadata.cache-test={run_id}"
    base = f"annadata-cachetest/python:{run_id}"
    made = proc.run(
        ["docker", "build", "--tag", base, "--label", label, "-"], stdin=f"FROM {python}\n",
        timeout=300,
    )  # fmt: skip
    assert made.ok, made.last_error_line()
    try:
        yield base, label
    finally:
        # A child goes before its parent can: a few passes clear the whole tree.
        for _ in range(3):
            if labelled(label):
                proc.run(["docker", "rmi", "--force", *labelled(label)], timeout=300)
        assert labelled(label) == []


def _outcomes(log: Path) -> list[tuple[str, str]]:
    """Each build step and what the classic builder printed right after it."""
    lines = log.read_text(encoding="utf-8").splitlines()
    return [
        (line.split(" : ", 1)[1], lines[i + 1].strip())
        for i, line in enumerate(lines)
        if line.startswith("Step ") and " : " in line and i + 1 < len(lines)
    ]


def _pip_step(log: Path) -> str:
    return next(out for step, out in _outcomes(log) if step.endswith(PIP_STEP))


def test_a_rebuild_pulls_the_cached_layers_instead_of_running_pip_install(
    local_registry: str, fresh_base: tuple[str, str]
):
    base, label = fresh_base
    reg = registry.load(ROOT)
    comp = reg.component(COMPONENT)
    prefix = f"annadata-cachetest-{label.rsplit('=', 1)[1]}/"
    env = {"PYTHON_IMAGE": base}
    namespace = f"{local_registry}/cachetest"
    log = ROOT / paths.STATE_DIR / "logs" / f"build-{prefix.rstrip('/')}-{comp.compose_name}.log"

    images.build(ROOT, reg, [comp], tag="cachetest", image_env=env, prefix=prefix,
                 cache=images.LayerCache(target=namespace))  # fmt: skip
    assert _pip_step(log).startswith("---> Running in")  # nothing local to reuse
    pushed = [f"{namespace}/annadata-{comp.compose_name}:{images.CACHE_TAG}{s}"
              for s in ("-builder", "-base", "-worker", "")]  # fmt: skip
    for ref in pushed:
        assert proc.run(["docker", "image", "inspect", ref], timeout=30).ok, ref

    # Forget every image of that build (all carry the base's label), keeping the base.
    base_id = docker("image", "inspect", "--format", "{{.Id}}", base).stdout.strip()
    built = [i for i in labelled(label) if not base_id.startswith(f"sha256:{i}")]
    # Removing a child takes its untagged parents along: some ids are gone by their turn.
    proc.run(["docker", "rmi", "--force", *built], timeout=300)
    assert [i for i in labelled(label) if not base_id.startswith(f"sha256:{i}")] == []

    images.build(ROOT, reg, [comp], tag="cachetest", image_env=env, prefix=prefix,
                 cache=images.LayerCache(source=namespace))  # fmt: skip
    assert _pip_step(log) == "---> Using cache"
    # The whole builder stage came from the cache (other stages' cheap steps may run again:
    # the classic builder follows one cache image per build).
    steps = _outcomes(log)
    builder = steps[steps.index(next(s for s in steps if s[0].endswith("AS builder"))) + 1 :]
    builder = builder[: next(i for i, s in enumerate(builder) if s[0].startswith("FROM "))]
    assert builder
    assert [step for step, out in builder if out != "---> Using cache"] == []
    image = f"{prefix}{comp.compose_name}:cachetest"
    # The pulled layers are the real venv: the app's dependencies import.
    imported = docker("run", "--rm", "--network", "none", "--entrypoint", "python", image,
                      "-c", "import fastapi, uvicorn; print('ok')")  # fmt: skip
    assert imported.stdout.strip() == "ok"
