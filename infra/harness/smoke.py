"""`nox -s smoke`: prepare images, then the pytest smoke suite on a throwaway stack; timings.

The suite (tests/smoke) asks `stack_for` for its stack, so the project name, images and
env the suite runs with are decided here, in one place.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx

from harness import registry, reports, safeload
from harness.docker import DEFAULT_WAIT_TIMEOUT, compose
from harness.docker.prepare import prepare
from harness.docker.stack import Stack, StackError
from harness.errors import HarnessError
from harness.selection import plan

PROJECT_PREFIX = "annadata-smoke"
TIMINGS_FILE = "timings.json"
SUITE = "tests/smoke"
# The attacks (`nox -s security`): the same machinery on a stack of their own, because they
# push containers to their limits (pids, memory, Redis) on purpose.
SECURITY_SUITE = "tests/security"
STAGES = ("bases", "build", "up", "checks", "down")
# Traefik applies label changes in batches (2 s by default) after containers turn healthy;
# a loaded machine stretches that.
ROUTES_TIMEOUT = 90
# Options of the suite that `run` sets itself: from the user they would point the run's
# teardown (`down --volumes`) at another project, or run images this run did not build.
RESERVED_OPTIONS = ("--project-name", "--image-tag")


def stack_for(
    root: Path,
    reg: registry.Registry,
    *,
    project: str,
    profiles: Sequence[str] | None,
    tag: str,
    image_env: Mapping[str, str],
    wait_timeout: int = DEFAULT_WAIT_TIMEOUT,
    report_dir: Path | None = None,
    services: Sequence[str] = (),
    say: Callable[[str], None] = print,
) -> Stack:
    """The smoke stack: docker-compose.yml, .env.example, then this run's own env file.

    The run env names the images built for this run (tag), the third-party images
    (image_env: the stand-ins in no-registry mode), and fresh Postgres and Redis passwords
    (so nothing relies on the sample's). services: start only these (and their dependencies).
    """
    run_env = {
        "ANNADATA_TAG": tag,
        "GIT_SHA": tag,
        "POSTGRES_PASSWORD": secrets.token_hex(16),
        "REDIS_PASSWORD": secrets.token_hex(16),
    }
    run_env.update(image_env)
    chosen = reg.profiles() if profiles is None else [p for p in profiles if p != "default"]
    return Stack(
        root,
        [root / compose.COMPOSE_FILE],
        name=project,
        report_dir=report_dir or reports.smoke_run(root, project),
        env_files=[root / compose.ENV_TEMPLATE],
        run_env=run_env,
        profiles=chosen,
        wait_timeout=wait_timeout,
        services=services,
        say=say,
    )


def with_dependencies(
    reg: registry.Registry, comps: Sequence[registry.Component]
) -> list[registry.Component]:
    """comps and the components they depend on (compose starts those too), in registry order."""
    wanted = {c.ref for c in comps}
    queue = list(wanted)
    while queue:
        for dep in reg.component(queue.pop()).depends_on:
            if dep not in wanted and dep not in reg.infrastructure:
                wanted.add(dep)
                queue.append(dep)
    return [c for c in reg.components() if c.ref in wanted]


def wait_for_routes(
    stack: Stack, reg: registry.Registry, profiles: Sequence[str] | None, timeout: float
) -> None:
    """Until Traefik's API lists an enabled router for every active routed component.

    `up --wait` returns when containers are healthy; Traefik adds their routes a moment
    later, so the suite waits for that condition instead of racing it.
    """
    running = set(stack.expected_services())
    expected = {
        f"{c.compose_name}@docker"
        for c in reg.active(profiles)
        if c.route_host and c.compose_name in running
    }
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


def run(
    root: Path,
    *,
    profiles: Sequence[str] | None,
    keep: bool,
    wait_timeout: int,
    pytest_args: Sequence[str] = (),
    affected: plan.Request | None = None,
    allow_provision: bool = True,
    say: Callable[[str], None] = print,
    suite: str = SUITE,
) -> int:
    """Prepare the checked components' images (affected: the selected ones), run the suite;
    print per-stage timings."""
    for arg in pytest_args:
        if arg.split("=", 1)[0] in RESERVED_OPTIONS:
            raise HarnessError(
                f"smoke: {arg.split('=', 1)[0]} is set by the run itself (a project of its own, "
                "the images it built): leave it out"
            )
    # Imported here: pytest is a test dependency, not one of the harness's own.
    import pytest

    reg = registry.load(root)
    chosen = reg.active(profiles)
    name = Path(suite).name
    argv = [suite, "-p", "no:anyio", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    if affected is not None:
        decided = plan.decide(plan.select(root, affected, reg), reg, name)
        say(decided.line)
        if not decided.run:
            return 0
        if decided.targets is not None:
            chosen = [c for c in chosen if c.ref in decided.targets]
            argv += [arg for c in chosen for arg in ("--component", c.ref)]
    images = with_dependencies(reg, chosen)
    prepared = prepare(root, reg, images, allow_provision=allow_provision, say=say)
    project = compose.unique_name(f"annadata-{name}")
    # -p no:anyio: httpx imported it already, and the suite does not use it.
    # --build: a kept test may `need` a component beyond the chosen ones; the suite builds it.
    argv += ["--project-name", project, "--image-tag", prepared.tag, "--build"]
    argv += [f"--junitxml={reports.junit(root, name)}"]
    argv += ["--wait-timeout", str(wait_timeout)]
    for profile in profiles or ():
        argv += ["--profile", profile]
    if keep:
        argv.append("--keep")
    status = int(pytest.main([*argv, *pytest_args]))
    measured = _suite_timings(reports.smoke_run(root, project))
    # The suite's own builds (a needed component) add to this run's.
    timings = {**measured, **prepared.timings}
    timings["build"] = prepared.timings.get("build", 0.0) + measured.get("build", 0.0)
    say(timings_table(timings))
    return status


def _suite_timings(directory: Path) -> dict[str, float]:
    """The suite's stage timings; {} when it wrote none (or something else stands there)."""
    path = directory / TIMINGS_FILE
    try:
        found = safeload.loads_json(safeload.read_text(path, "timings"), str(path))
    except HarnessError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: float(v) for k, v in found.items() if isinstance(v, int | float)}


def timings_table(timings: dict[str, float]) -> str:
    """One line per stage that ran, then the total."""
    lines = [f"{'stage':<8} {'seconds':>8}"]
    lines += [f"{stage:<8} {timings[stage]:8.1f}" for stage in STAGES if stage in timings]
    lines.append(f"{'total':<8} {sum(timings.get(s, 0.0) for s in STAGES):8.1f}")
    return "\n".join(lines)
