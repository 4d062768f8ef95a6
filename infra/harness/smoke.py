"""`nox -s smoke`: bases, build, then the pytest smoke suite on a throwaway stack; timings.

The suite (tests/smoke) asks `stack_for` for its stack, so the project name, images and
env the suite runs with are decided here, in one place.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from harness import registry
from harness.bases import no_registry, standin_build
from harness.docker import compose, engine, image_info, images
from harness.docker.stack import Stack, StackError
from harness.errors import HarnessError

PROJECT_PREFIX = "annadata-smoke"
REPORTS_DIR = "reports/smoke"
TIMINGS_FILE = "timings.json"
SMOKE_JUNIT = "reports/junit/smoke.xml"
SUITE = "tests/smoke"
# Cold start of the whole stack on 2 cores takes about a minute; this bounds a hung one.
DEFAULT_WAIT_TIMEOUT = 240
STAGES = ("bases", "build", "up", "checks", "down")
# Traefik applies label changes in batches (2 s by default) after containers turn healthy.
ROUTES_TIMEOUT = 30


def report_dir(root: Path, project: str) -> Path:
    """Where one run keeps its logs, override file and timings."""
    return root / REPORTS_DIR / project


def stack_for(
    root: Path,
    *,
    project: str,
    profiles: Sequence[str] | None,
    tag: str,
    wait_timeout: int = DEFAULT_WAIT_TIMEOUT,
    reports: Path | None = None,
    say: Callable[[str], None] = print,
) -> Stack:
    """The smoke stack: docker-compose.yml, .env.example, then this run's own env file.

    The run env names the images built for this run (tag), the no-registry stand-ins when
    that mode is on, and a fresh Postgres password (so nothing relies on the sample's).
    """
    reg = registry.load(root)
    active = reg.active(profiles)
    missing = [
        f"{images.image_name(c)}:{tag}"
        for c in active
        if image_info.inspect(f"{images.image_name(c)}:{tag}", "{{.Id}}") is None
    ]
    if missing:
        raise HarnessError(f"smoke: image {missing[0]} is missing: run `nox -s build`")
    run_env = {"ANNADATA_TAG": tag, "GIT_SHA": tag, "POSTGRES_PASSWORD": secrets.token_hex(16)}
    # `run` below pins the mode in the environment, so this does not probe again.
    if no_registry.decide().on:
        run_env.update(no_registry.image_env(root))
    chosen = reg.profiles() if profiles is None else [p for p in profiles if p != "default"]
    return Stack(
        root,
        [root / compose.COMPOSE_FILE],
        name=project,
        report_dir=reports or report_dir(root, project),
        env_files=[root / compose.ENV_TEMPLATE],
        run_env=run_env,
        profiles=chosen,
        wait_timeout=wait_timeout,
        say=say,
    )


def wait_for_routes(
    stack: Stack, reg: registry.Registry, profiles: Sequence[str] | None, timeout: float
) -> None:
    """Until Traefik's API lists an enabled router for every active routed component.

    `up --wait` returns when containers are healthy; Traefik adds their routes a moment
    later, so the suite waits for that condition instead of racing it.
    """
    expected = {f"{c.compose_name}@docker" for c in reg.active(profiles) if c.route_host}
    port = stack.host_port("traefik", reg.infrastructure["traefik"].ports["dashboard"])
    url = f"http://127.0.0.1:{port}/api/http/routers"
    started = time.monotonic()
    missing = expected
    while time.monotonic() - started < timeout:
        try:
            routers = httpx.get(url, timeout=5).json()
            enabled = {r["name"] for r in routers if r.get("status") == "enabled"}
            missing = expected - enabled
            if not missing:
                stack.timings["up"] = stack.timings.get("up", 0.0) + time.monotonic() - started
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise StackError(
        f"stack {stack.name}: traefik has no route for {', '.join(sorted(missing))} after "
        f"{timeout:g}s: check their traefik.* labels in {compose.COMPOSE_FILE} and the "
        "traefik log"
    )


@contextmanager
def _stage(timings: dict[str, float], name: str) -> Iterator[None]:
    started = time.monotonic()
    try:
        yield
    finally:
        timings[name] = time.monotonic() - started


def run(
    root: Path,
    *,
    profiles: Sequence[str] | None,
    keep: bool,
    wait_timeout: int,
    pytest_args: Sequence[str] = (),
    allow_provision: bool = True,
    say: Callable[[str], None] = print,
) -> int:
    """Bases, build the active components, run the suite; print per-stage timings."""
    # Imported here: pytest is a test dependency, not one of the harness's own.
    import pytest

    timings: dict[str, float] = {}
    reg = registry.load(root)
    active = reg.active(profiles)
    engine.ensure(root=root, allow_provision=allow_provision)
    mode = no_registry.decide()
    say(mode.announcement())
    # The suite's own decide() reads this instead of probing the registry again.
    os.environ[no_registry.FORCE_ENV] = "1" if mode.on else "0"
    with _stage(timings, "bases"):
        if mode.on:
            standin_build.build(root)
    with _stage(timings, "build"):
        built = images.build(root, [c.ref for c in active], mode=mode, say=say)
    say(images.table(built))
    tag = images.git_sha(root)
    project = compose.unique_name(PROJECT_PREFIX)
    # -p no:anyio: httpx imported it already, and the suite does not use it.
    argv = [SUITE, "-p", "no:anyio", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    argv += ["--project-name", project, "--image-tag", tag]
    argv += [f"--junitxml={root / SMOKE_JUNIT}"]
    argv += ["--wait-timeout", str(wait_timeout)]
    for profile in profiles or ():
        argv += ["--profile", profile]
    if keep:
        argv.append("--keep")
    status = int(pytest.main([*argv, *pytest_args]))
    timings.update(_suite_timings(report_dir(root, project)))
    say(timings_table(timings))
    return status


def _suite_timings(directory: Path) -> dict[str, float]:
    try:
        return json.loads((directory / TIMINGS_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def timings_table(timings: dict[str, float]) -> str:
    """One line per stage that ran, then the total."""
    lines = [f"{'stage':<8} {'seconds':>8}"]
    lines += [f"{stage:<8} {timings[stage]:8.1f}" for stage in STAGES if stage in timings]
    lines.append(f"{'total':<8} {sum(timings.get(s, 0.0) for s in STAGES):8.1f}")
    return "\n".join(lines)
