"""The attacks' stack: the smoke suite's fixtures (one throwaway stack per run), and probes.

`nox -s security` runs this directory alone, on a stack of its own (harness.smoke.run).
A probe that needs a client inside the stack runs in a short-lived container that shares the
target container's network namespace (`--network container:ID`): it sees exactly what that
container sees, and the images need no client tools of their own.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from harness import proc
from harness.docker import images
from harness.docker.compose import PROJECT_LABEL
from harness.docker.stack import Stack
from harness.registry import Component
from tests.smoke.conftest import (  # noqa: F401 - pytest finds fixtures and hooks by name
    ROOT,
    base_url,
    docker_cleanup,
    docker_compose_file,
    docker_compose_project_name,
    docker_services,
    docker_setup,
    http,
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_generate_tests,
    reg,
    stack,
    started,
)

PROBE_TIMEOUT_S = 120
# Seconds a probe waits for a TCP connection before calling the target unreachable.
CONNECT_TIMEOUT_S = 3
# Tries for a target that connects: see connections_from.
CONNECT_TRIES = 3


# The parameters below name the fixtures imported above: pytest passes them by name.
@pytest.fixture(scope="session")
def python_component(started: list[Component]) -> Component:  # noqa: F811
    """A component the stack runs whose image has Python (a run that starts some alone too)."""
    # Probes and the thread bomb are Python: an image built on the Python base has it.
    found = next((c for c in started if images.BASE_VARIABLE[c.kind] == "PYTHON_IMAGE"), None)
    assert found is not None, f"the stack runs no Python component: {[c.ref for c in started]}"
    return found


@pytest.fixture(scope="session")
def probe_image(stack: Stack, python_component: Component) -> str:  # noqa: F811
    """The image probes run from: it has Python, and this run built it."""
    return f"{images.image_name(python_component)}:{stack.run_env['ANNADATA_TAG']}"


def container_id(running: Stack, service: str) -> str:
    """The id of service's (first) container."""
    done = running.project("ps", "--quiet", service, timeout=60)
    assert done.ok, done.stderr
    assert done.stdout.split(), f"{service} has no container"
    return done.stdout.split()[0]


def inspect(cid: str) -> dict[str, Any]:
    """`docker inspect` of one container."""
    done = proc.run(["docker", "inspect", cid], timeout=60)
    assert done.ok, done.stderr
    return dict(json.loads(done.stdout)[0])


def addresses(running: Stack, service: str) -> list[str]:
    """Every IP address of service's container, one per network it joins."""
    return sorted(networks_by_address(running, service))


def networks_by_address(running: Stack, service: str) -> dict[str, str]:
    """service's container: IP address -> the network it has that address on."""
    networks = inspect(container_id(running, service))["NetworkSettings"]["Networks"]
    return {n["IPAddress"]: name for name, n in networks.items() if n.get("IPAddress")}


def probe_from(running: Stack, image: str, service: str, code: str) -> Any:
    """Run Python code from image in service's network namespace; the JSON it prints last."""
    argv = ["docker", "run", "--rm", "--network", f"container:{container_id(running, service)}"]
    # The project's label: if the run dies here, the stack's teardown removes it too.
    argv += ["--label", f"{PROJECT_LABEL}={running.name}", "--entrypoint", "python", image]
    done = proc.run([*argv, "-c", code], timeout=PROBE_TIMEOUT_S)
    assert done.ok, f"probe in {service}'s network failed: {done.stderr[-2000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def connections_from(
    running: Stack,
    image: str,
    service: str,
    targets: list[tuple[str, int]],
    allowed: tuple[tuple[str, int], ...] = (),
) -> dict[str, str]:
    """host:port -> "connected" or why not, for TCP connections made from service's network.

    A target that connects (and is not one of allowed, which it should reach) is tried
    CONNECT_TRIES times in all, and stays "connected" only if every try does. The 20.10
    engine deletes and re-inserts FORWARD's jump to its isolation chain whenever any network
    is created (another run's stack coming up): measured, the jump was missing in 14 of 863
    reads of FORWARD during 15 network creations. A SYN sent in that moment crosses networks
    once; a hole in the stack's own network split connects every time.
    """
    seen = _connect_once(running, image, service, targets)
    for _ in range(CONNECT_TRIES - 1):
        again = [t for t in targets if t not in allowed and seen[f"{t[0]}:{t[1]}"] == "connected"]
        if not again:
            break
        time.sleep(1)
        retried = _connect_once(running, image, service, again)
        seen.update(
            {k: f"connected once, then {why}" for k, why in retried.items() if why != "connected"}
        )
    return seen


def _connect_once(
    running: Stack, image: str, service: str, targets: list[tuple[str, int]]
) -> dict[str, str]:
    # All at once: a dropped packet costs CONNECT_TIMEOUT_S, once per probe, not per target.
    code = (
        "import json, socket\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        f"targets = {targets!r}\n"
        "def attempt(target):\n"
        "    try:\n"
        f"        socket.create_connection(tuple(target), timeout={CONNECT_TIMEOUT_S}).close()\n"
        "        return 'connected'\n"
        "    except OSError as exc:\n"
        "        return f'{type(exc).__name__}: {exc}'\n"
        "with ThreadPoolExecutor(max(1, len(targets))) as pool:\n"
        "    seen = list(pool.map(attempt, targets))\n"
        "print(json.dumps({f'{h}:{p}': why for (h, p), why in zip(targets, seen)}))\n"
    )
    return dict(probe_from(running, image, service, code))
