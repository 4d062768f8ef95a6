"""The layer cache's docker calls, faked at the CLI's argument boundary (the real push and
pull against a registry are tests/publish/test_build_cache.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import paths, registry
from harness.docker import images
from harness.errors import HarnessError

from .conftest import FakeDocker, fail, ok

ROOT = paths.repo_root(Path(__file__))


def _argv(comp: registry.Component, target: str) -> list[str]:
    return [
        "docker", "build", "--file", f"{comp.directory}/Dockerfile", "--target", target,
        "--label", "x=y", "--tag", "annadata/x:1", "--tag", "annadata/x:dev", str(ROOT),
    ]  # fmt: skip


@pytest.fixture
def reg() -> registry.Registry:
    return registry.load(ROOT)


def test_the_stages_a_build_makes_come_heaviest_first(reg: registry.Registry):
    backend = _argv(reg.component("msp_mitra.backend"), "backend")
    assert images.stages(ROOT, backend) == ["builder", "base", "worker"]
    # The builder installs the requirements: its cache image is the one to follow.
    assert images.heaviest_first(ROOT, backend)[0] == "builder"
    frontend = _argv(reg.component("msp_mitra.frontend"), "static")
    # `server` is built FROM `build`, which holds deps' npm ci and its own npm run build (the
    # classic builder builds every stage before the target, the Node server's too).
    assert images.heaviest_first(ROOT, frontend) == ["server", "build", "dev", "deps"]


def test_pull_passes_what_came_and_says_what_did_not(reg: registry.Registry):
    comp = reg.component("msp_mitra.backend")
    # Owners may be spelled in capitals; repository names are lowercase.
    cache = "ghcr.io/owner/annadata-msp_mitra-backend:buildcache"
    fake = FakeDocker({
        ("docker", "pull", "--quiet", f"{cache}-base"): fail("manifest unknown"),
        ("docker", "pull"): ok(),
    })  # fmt: skip
    said: list[str] = []
    found = images.LayerCache(source="ghcr.io/Owner").pull(
        ROOT, comp, _argv(comp, "backend"), fake, said.append
    )
    assert found == [
        "--cache-from", f"{cache}-builder", "--cache-from", f"{cache}-worker",
        "--cache-from", cache,
    ]  # fmt: skip
    assert said == [f"cache: {cache}-base not pulled (manifest unknown): built without it"]


def test_push_tags_each_stage_and_the_image_then_pushes_them(reg: registry.Registry):
    comp = reg.component("soil_health.backend")
    fake = FakeDocker({("docker",): ok()})
    argv = _argv(comp, "backend")
    pushed = images.LayerCache(target="127.0.0.1:5000/ns").push(
        ROOT, comp, argv, "annadata/x:1", fake, lambda _: None
    )
    cache = "127.0.0.1:5000/ns/annadata-soil_health-backend:buildcache"
    assert pushed == [f"{cache}-builder", f"{cache}-base", f"{cache}-worker", cache]
    stage_build = fake.calls[0]
    # The same build, its target the stage, its own tags dropped, the cache tag added.
    assert stage_build[stage_build.index("--target") + 1] == "builder"
    assert "annadata/x:1" not in stage_build
    assert stage_build[-3:] == ("--tag", f"{cache}-builder", str(ROOT))
    assert ("docker", "tag", "annadata/x:1", cache) in fake.calls
    assert [c[-1] for c in fake.calls if c[:2] == ("docker", "push")] == pushed


def test_a_failed_push_names_the_reference(reg: registry.Registry):
    comp = reg.component("soil_health.backend")
    fake = FakeDocker({("docker", "push"): fail("denied: permission"), ("docker",): ok()})
    with pytest.raises(HarnessError, match=r"cache: push of .*buildcache-builder failed \(denied"):
        images.LayerCache(target="ghcr.io/o").push(
            ROOT, comp, _argv(comp, "backend"), "annadata/x:1", fake, lambda _: None
        )
