"""Fixtures for the stand-in contract tests: a Docker engine, current stand-ins, and cleanup."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness import proc
from harness.bases import standin_build, standins
from harness.docker import engine

REPO = Path(__file__).resolve().parents[2]
# Every container and network a test starts carries this label with the run's id.
RUN_LABEL = "org.annadata.test-run"


@pytest.fixture(scope="session")
def images() -> dict[str, str]:
    """Stand-in tags by name, built if missing or stale; override to test other images."""
    engine.ensure(root=REPO)
    standin_build.build(REPO)
    return {name: s.tag for name, s in standins.load(REPO).items()}


class Docker:
    """Starts containers and networks for one test and removes all of them afterwards."""

    def __init__(self) -> None:
        self.run_id = uuid.uuid4().hex[:12]
        self.containers: list[str] = []
        self.networks: list[str] = []

    def cli(self, *argv: str, timeout: float = 120, check: bool = True) -> proc.Result:
        """Run `docker ARGV`; with check, a failure fails the test showing docker's words."""
        done = proc.run(["docker", *argv], timeout=timeout)
        if check and not done.ok:
            pytest.fail(f"docker {' '.join(argv)}: {done.last_error_line()}")
        return done

    def start(self, image: str, *args: str, options: tuple[str, ...] = ()) -> str:
        """`docker run -d` with the run label; returns the container id."""
        done = self.cli(
            "run", "-d", "--label", f"{RUN_LABEL}={self.run_id}", *options, image, *args
        )
        cid = done.stdout.strip()
        self.containers.append(cid)
        return cid

    def network(self) -> str:
        """A fresh user network (containers on it resolve each other by name)."""
        name = f"annadata-test-{self.run_id}-{len(self.networks)}"
        self.cli("network", "create", "--label", f"{RUN_LABEL}={self.run_id}", name)
        self.networks.append(name)
        return name

    def host_port(self, cid: str, container_port: str) -> int:
        """The ephemeral 127.0.0.1 port docker published for container_port."""
        out = self.cli("port", cid, container_port).stdout.splitlines()[0]
        return int(out.rsplit(":", 1)[1])

    def logs(self, cid: str) -> str:
        """The container's output so far (stdout and stderr)."""
        done = self.cli("logs", cid, check=False)
        return done.stdout + done.stderr

    def cleanup(self) -> None:
        """Remove every container (with its anonymous volumes) and network of this run."""
        if self.containers:
            self.cli("rm", "-f", "-v", *self.containers, check=False)
        for name in self.networks:
            self.cli("network", "rm", name, check=False)


@pytest.fixture
def docker(images: dict[str, str]) -> Iterator[Docker]:
    """A Docker helper whose containers and networks are removed even when the test fails."""
    helper = Docker()
    try:
        yield helper
    finally:
        helper.cleanup()
    left = proc.run(["docker", "ps", "-aq", "--filter", f"label={RUN_LABEL}={helper.run_id}"])
    assert left.stdout.strip() == "", f"containers left behind: {left.stdout.split()}"


def wait_until(
    what: str, probe: Callable[[], bool], timeout: float = 60, on_timeout: Callable[[], str] = str
) -> None:
    """Poll probe every 0.5 s until it is true; fail naming `what` and the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.5)
    pytest.fail(f"{what} not ready within {timeout:g}s\n{on_timeout()}")
