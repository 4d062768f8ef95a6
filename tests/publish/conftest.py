"""A throwaway registry on 127.0.0.1 for the publish and layer-cache tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness import paths, proc, registry
from harness.docker.prepare import prepare

ROOT = paths.repo_root(Path(__file__))
# Everything these tests start carries it: what is left afterwards is theirs.
LABEL = f"org.annadata.test-run={uuid.uuid4().hex[:8]}"


def docker(*argv: str, timeout: float = 300) -> proc.Result:
    """Run docker; a failure fails the test with its last error line."""
    done = proc.run(["docker", *argv], timeout=timeout)
    assert done.ok, f"docker {' '.join(argv)}: {done.last_error_line()}"
    return done


def labelled(label: str) -> list[str]:
    """The ids of every image (intermediate ones too) that carries label."""
    listed = docker("images", "--all", "--quiet", "--filter", f"label={label}")
    return sorted(set(listed.stdout.split()))


def wait_for(url: str, what: str, timeout: float = 60) -> None:
    """Until url answers 200, or fail naming what did not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{what} did not answer 200 at {url} within {timeout:g}s")


@pytest.fixture(scope="module")
def local_registry() -> Iterator[str]:
    """host:port of a throwaway registry; removed (with its storage) afterwards."""
    reg = registry.load(ROOT)
    image = prepare(ROOT, reg, []).image_env.get("REGISTRY_IMAGE", "registry:2")
    cid = docker("run", "-d", "--label", LABEL, "-p", "127.0.0.1::5000", image).stdout.strip()
    try:
        port = docker("port", cid, "5000/tcp").stdout.splitlines()[0].rsplit(":", 1)[1]
        wait_for(f"http://127.0.0.1:{port}/v2/", "the registry")
        yield f"127.0.0.1:{port}"
    finally:
        proc.run(["docker", "rm", "--force", "--volumes", cid], timeout=120)
