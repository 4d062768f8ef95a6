"""The smoke stack, through pytest-docker's chain of fixtures.

Override points keep pytest-docker's names: `docker_compose_project_name`,
`docker_compose_file` and `docker_services` (which yields our `harness.docker.stack.Stack`: its
teardown runs on pass, failure, timeout and Ctrl-C, which pytest-docker's does not).
`nox -s smoke` passes the options below (`--build`: build what the run starts); run by hand
without it, build the images first. `--component` restricts the run to those components
(`nox -s smoke -- --affected`): their tests run, and the stack starts them, what they
depend on, and what a kept test `needs` besides them.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from harness import files, paths, registry, smoke
from harness.docker import DEFAULT_WAIT_TIMEOUT, compose
from harness.docker.prepare import prepare
from harness.docker.stack import Stack, StackError
from harness.errors import HarnessError
from harness.registry import Component

ROOT = paths.repo_root(Path(__file__))
# The components the stack starts, decided at collection (the kept tests' `needs`).
STARTED = pytest.StashKey[list[Component]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("annadata smoke")
    group.addoption(
        "--profile", action="append", dest="profiles", default=None,
        help="compose profile to add to the default stack (repeatable; default: every one)",
    )  # fmt: skip
    group.addoption("--keep", action="store_true", help="leave the stack up afterwards")
    group.addoption("--wait-timeout", type=int, default=DEFAULT_WAIT_TIMEOUT)
    group.addoption("--image-tag", default=None, help="image tag to run (default: git sha)")
    group.addoption("--project-name", default=None, help="compose project (default: unique)")
    group.addoption(
        "--component", action="append", dest="components", default=None, metavar="REF",
        help="check only this component, service.kind (repeatable; default: every active one)",
    )  # fmt: skip
    group.addoption(
        "--build", action="store_true",
        help="build the images of components a kept test needs beyond the chosen ones",
    )  # fmt: skip


@functools.cache
def _registry() -> registry.Registry:
    # Once per run: collection asks for it for every test function.
    return registry.load(ROOT)


def _active(config: pytest.Config) -> list[Component]:
    return _registry().active(config.getoption("profiles"))


def _chosen(config: pytest.Config) -> list[Component]:
    """The components whose tests run: --component ones that are active, else every active one."""
    refs = config.getoption("components")
    if refs:
        for ref in refs:
            _registry().component(ref)  # an unknown ref is an error naming the known ones
    return [c for c in _active(config) if not refs or c.ref in refs]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize `backend`, `frontend` and `routed` over the chosen registry components."""
    active = _chosen(metafunc.config)
    choices = {
        "backend": [c for c in active if c.kind == "backend"],
        "frontend": [c for c in active if c.kind == "frontend"],
        "routed": [c for c in active if c.route_host],
    }
    for name, comps in choices.items():
        if name in metafunc.fixturenames:
            # None of that kind chosen: one `None` case that collection deselects (pytest
            # would report an empty parametrization as a skip).
            values = comps or [None]
            metafunc.parametrize(name, values, ids=[c.ref if c else "none" for c in values])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (not skip) tests whose `needs` components are in an inactive profile, or, with
    --component, that need none of the chosen ones, or that no chosen component parametrizes;
    the stack starts what kept tests need."""
    active = {c.ref for c in _active(config)}
    chosen = {c.ref for c in _chosen(config)}
    started = set(chosen)
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("needs")
        needs = set(marker.args) if marker else set()
        callspec = getattr(item, "callspec", None)
        unchosen = callspec is not None and None in callspec.params.values()
        if unchosen or not needs <= active or (needs and not needs & chosen):
            dropped.append(item)
        else:
            kept.append(item)
            started |= needs
    config.stash[STARTED] = [c for c in _registry().components() if c.ref in started]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def docker_compose_project_name(pytestconfig: pytest.Config) -> str:
    """A project name no dev stack or other run uses. Override for a fixed one."""
    return pytestconfig.getoption("project_name") or compose.unique_name(smoke.PROJECT_PREFIX)


@pytest.fixture(scope="session")
def docker_compose_file() -> list[str]:
    """The stack's compose files; the per-run override is added by the Stack itself."""
    return [str(ROOT / compose.COMPOSE_FILE)]


@pytest.fixture(scope="session")
def docker_setup() -> list[str]:
    """Nothing: pytest-docker's own `up` runs outside its try/finally, so ours does it."""
    return []


@pytest.fixture(scope="session")
def docker_cleanup() -> list[str]:
    """Nothing: `docker_services` below tears down."""
    return []


@pytest.fixture(scope="session")
def docker_services(
    pytestconfig: pytest.Config, docker_compose_project_name: str
) -> Iterator[Stack]:
    """The running stack (harness.docker.stack.Stack), always torn down unless --keep."""
    say = _terminal(pytestconfig)
    profiles = pytestconfig.getoption("profiles")
    started = pytestconfig.stash.get(STARTED, _active(pytestconfig))
    # Compose starts what these depend on too: their images must be there as well.
    images = smoke.with_dependencies(_registry(), started)
    # `nox -s smoke` built the chosen components' images; a kept test may need more (--build).
    built = smoke.with_dependencies(_registry(), _chosen(pytestconfig))
    extra = [c for c in images if c not in built]
    try:
        if pytestconfig.getoption("build"):
            prepared = prepare(ROOT, _registry(), extra, build=bool(extra), say=say)
        else:  # by hand, after `nox -s build`: they are only checked
            prepared = prepare(ROOT, _registry(), images, build=False, say=say)
    except HarnessError as exc:
        pytest.exit(str(exc), returncode=1)
    # A subset: its services by name, and traefik, which the routing checks go through.
    subset = started != _active(pytestconfig)
    stack = smoke.stack_for(
        ROOT,
        _registry(),
        project=docker_compose_project_name,
        profiles=profiles,
        tag=pytestconfig.getoption("image_tag") or prepared.tag,
        image_env=prepared.image_env,
        wait_timeout=pytestconfig.getoption("wait_timeout"),
        services=[*(c.compose_name for c in started), "traefik"] if subset else (),
        say=say,
    )
    stack.timings.update(prepared.timings)
    try:
        with stack:
            smoke.wait_for_routes(stack, _registry(), profiles, smoke.ROUTES_TIMEOUT)
            checks_started = time.monotonic()
            yield stack
            stack.timings["checks"] = time.monotonic() - checks_started
            if pytestconfig.getoption("keep"):
                say(stack.keep())  # the teardown on leaving `with` is then a no-op
    except StackError as exc:
        # One line for the whole run, not the same error repeated for every test.
        pytest.exit(str(exc), returncode=1)
    finally:
        # Whole or not at all: the run's table reads it back, even after a Ctrl-C here.
        files.write_text(stack.report_dir / smoke.TIMINGS_FILE, json.dumps(stack.timings))


def _terminal(config: pytest.Config) -> Callable[[str], None]:
    """Write a line straight to the terminal: a stack's diagnosis must not wait in capture."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    reporter = config.pluginmanager.get_plugin("terminalreporter")

    def say(line: str) -> None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)

    return say


@pytest.fixture(scope="session")
def stack(docker_services: Stack) -> Stack:
    """The running stack, by a shorter name."""
    return docker_services


@pytest.fixture(scope="session")
def reg() -> registry.Registry:
    """The service registry."""
    return _registry()


@pytest.fixture(scope="session")
def started(pytestconfig: pytest.Config) -> list[Component]:
    """The components the stack runs: the chosen ones, what kept tests need, their dependencies."""
    return smoke.with_dependencies(_registry(), pytestconfig.stash[STARTED])


def base_url(stack: Stack, docker_ip: str, comp: Component) -> str:
    """http://<docker ip>:<ephemeral port> of a component."""
    assert comp.port is not None
    return f"http://{docker_ip}:{stack.host_port(comp.compose_name, comp.port)}"


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One HTTP client for the suite, with a timeout that names itself when hit."""
    # A new connection per request: a pooled one the far side (docker-proxy, nginx) has just
    # closed fails the next request with "Server disconnected" instead of being retried.
    limits = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(timeout=httpx.Timeout(10.0), limits=limits) as client:
        yield client
