"""Publishing for real: push to a registry on 127.0.0.1, forget the image, pull it back by
digest, run it, and get 200 from /health. The registry is `registry:2` (or its no-registry
stand-in); the image is protein_engineering's backend, built for this commit, pushed from a
copy of its own (its label makes a new image id): forgetting the copy leaves the service's
tags in place for the stacks other sessions run beside this one (`nox -j 3`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import paths, proc, publish, registry
from harness.docker.prepare import prepare

from .conftest import LABEL, labelled
from .conftest import docker as _docker
from .conftest import wait_for as _wait_for

ROOT = paths.repo_root(Path(__file__))
COMPONENT = "protein_engineering.backend"
pytestmark = pytest.mark.docker


@pytest.fixture
def copies() -> Iterator[None]:
    """Remove the images this test made (they carry LABEL) afterwards."""
    yield
    if labelled(LABEL):
        proc.run(["docker", "rmi", "--force", *labelled(LABEL)], timeout=120)


@pytest.mark.usefixtures("copies")
def test_push_forget_pull_by_digest_run_and_health(local_registry: str, tmp_path: Path):
    reg = registry.load(ROOT)
    comp = reg.component(COMPONENT)
    sha = prepare(ROOT, reg, [comp]).tag
    planned = next(p for p in publish.plan(reg, local_registry, sha, "main", None)
                   if p.component == COMPONENT)  # fmt: skip
    copy = f"annadata-publishtest-{LABEL.rsplit('=', 1)[1]}/{planned.source.split('/', 1)[1]}"
    made = proc.run(["docker", "build", "--label", LABEL, "--tag", copy, "-"],
                    stdin=f"FROM {planned.source}\n", timeout=300)  # fmt: skip
    assert made.ok, made.last_error_line()
    item = dataclasses.replace(planned, source=copy)
    pushed = publish.push([item])
    assert [ref for ref, _ in pushed] == list(item.targets)
    digests = {digest for _, digest in pushed}
    assert len(digests) == 1  # every tag names the same manifest
    digest = digests.pop()
    image_id = _docker("image", "inspect", "--format", "{{.Id}}", item.source).stdout.strip()
    local_tags = json.loads(
        _docker("image", "inspect", "--format", "{{json .RepoTags}}", image_id).stdout
    )
    container = ""
    try:
        # Forget it: every local tag goes, so the pull below must fetch from the registry.
        _docker("rmi", *local_tags)
        assert not proc.run(["docker", "image", "inspect", image_id], timeout=30).ok
        by_digest = f"{item.targets[0].rsplit(':', 1)[0]}@{digest}"
        _docker("pull", by_digest, timeout=600)
        labels = json.loads(
            _docker("image", "inspect", "--format", "{{json .Config.Labels}}", by_digest).stdout
        )
        head = proc.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"]).stdout.strip()
        assert labels["org.opencontainers.image.revision"] == head
        assert labels["org.opencontainers.image.version"] == sha
        assert labels["org.opencontainers.image.created"]
        container = _docker(
            "run", "-d", "--label", LABEL, "-p", f"127.0.0.1::{comp.port}",
            "-v", f"{ROOT / 'data/processed'}:/app/data/processed:ro", by_digest,
        ).stdout.strip()  # fmt: skip
        port = _docker("port", container, f"{comp.port}/tcp").stdout.splitlines()[0]
        _wait_for(f"http://127.0.0.1:{port.rsplit(':', 1)[1]}/health", COMPONENT)
    finally:
        if container:
            proc.run(["docker", "rm", "--force", container], timeout=120)
        # Put the copy's tag back (same image id: the pull restored the same image).
        for tag in local_tags:
            if not tag.startswith(local_registry):
                proc.run(["docker", "tag", f"{item.targets[0].rsplit(':', 1)[0]}@{digest}", tag])
        proc.run(["docker", "rmi", f"{item.targets[0].rsplit(':', 1)[0]}@{digest}"], timeout=60)
    if container:
        gone = proc.run(["docker", "ps", "-aq", "--filter", f"id={container}"], timeout=30)
        assert gone.stdout.strip() == ""
    restored = proc.run(["docker", "image", "inspect", "--format", "{{.Id}}", item.source])
    assert restored.stdout.strip() == image_id  # the same image, from the registry
