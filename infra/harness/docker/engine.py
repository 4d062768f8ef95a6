"""Is a Docker engine answering, and if not, may the harness provision one here?"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness import envflags, hostlock, paths, proc
from harness.errors import HarnessError

# Setting this to 1 (or passing --no-provision) stops the harness from installing Docker.
NO_PROVISION_ENV = "ANNADATA_NO_PROVISION"
# Installing docker.io and the compose wheel takes ~30 s here; allow for slow mirrors.
PROVISION_TIMEOUT = 900
INFO_TIMEOUT = 20

INSTRUCTIONS = (
    "install Docker Desktop (macOS/Windows: https://docs.docker.com/desktop/) or your "
    "distribution's engine (https://docs.docker.com/engine/install/), start it, and check "
    "with `docker info`; on Debian/Ubuntu as root the harness installs it by itself"
)


@dataclass(frozen=True)
class Engine:
    """Versions of the engine, client and compose plugin that answered."""

    server: str
    client: str
    compose: str | None


def probe(run: proc.Runner = proc.run) -> Engine | None:
    """The engine's versions, or None when no engine answers."""
    info = run(
        ["docker", "version", "--format", "{{.Server.Version}} {{.Client.Version}}"],
        timeout=INFO_TIMEOUT,
    )
    if not info.ok or not info.stdout.strip():
        return None
    server, _, client = info.stdout.strip().partition(" ")
    compose = run(["docker", "compose", "version", "--short"], timeout=INFO_TIMEOUT)
    return Engine(server, client, compose.stdout.strip() if compose.ok else None)


def can_provision(euid: int, os_release: Path = Path("/etc/os-release")) -> bool:
    """True on Debian or Ubuntu (or a derivative) when running as root."""
    if euid != 0:
        return False
    try:
        fields = dict(
            line.split("=", 1)
            for line in os_release.read_text(encoding="utf-8").splitlines()
            if "=" in line
        )
    except OSError:
        return False
    ids = {fields.get("ID", "").strip('"')} | set(fields.get("ID_LIKE", "").strip('"').split())
    return bool(ids & {"debian", "ubuntu"})


def ensure(
    *,
    root: Path | None = None,
    allow_provision: bool = True,
    run: proc.Runner = proc.run,
    euid: int | None = None,
    os_release: Path = Path("/etc/os-release"),
    say: Callable[[str], None] = print,
) -> Engine:
    """An answering engine with compose; provisions one on bare Debian/Ubuntu as root."""
    engine = probe(run)
    if engine is not None and engine.compose is not None:
        return engine
    refused = bool(envflags.flag(NO_PROVISION_ENV)) or not allow_provision
    euid = os.geteuid() if euid is None else euid
    host = os.environ.get("DOCKER_HOST", "")
    if engine is None and host:
        # A local install would not be the engine DOCKER_HOST names.
        raise HarnessError(
            f"no Docker engine answers at DOCKER_HOST={host}: start that engine (check with "
            "`docker info`) or unset DOCKER_HOST to use the local one"
        )
    what = "no Docker engine answers" if engine is None else "the compose v2 plugin is missing"
    if refused:
        raise HarnessError(
            f"{what} and provisioning is refused (--no-provision or {NO_PROVISION_ENV}=1): "
            + INSTRUCTIONS
        )
    if not can_provision(euid, os_release):
        raise HarnessError(f"{what}: {INSTRUCTIONS}")
    # Runs side by side (`nox -j 3`, two checkouts) must not each run apt: the later ones
    # wait, then find the first one's engine.
    with hostlock.machine("engine", "provisioning the Docker engine", say):
        engine = probe(run)
        if engine is None or engine.compose is None:
            _provision(root, what, run, say)
            engine = probe(run)
    if engine is None or engine.compose is None:
        raise HarnessError(
            f"{paths.PROVISION_SCRIPT} finished but `docker compose version` still fails: "
            "see /var/log/dockerd.log"
        )
    return engine


def _provision(root: Path | None, what: str, run: proc.Runner, say: Callable[[str], None]) -> None:
    script = (root or paths.repo_root()) / paths.PROVISION_SCRIPT
    say(
        f"harness: {what}; provisioning with {paths.PROVISION_SCRIPT} "
        f"(set {NO_PROVISION_ENV}=1 to refuse)"
    )
    sys.stdout.flush()
    done = run(["bash", str(script)], timeout=PROVISION_TIMEOUT, capture=False)
    if not done.ok:
        raise HarnessError(
            f"{paths.PROVISION_SCRIPT} failed ({done.last_error_line()}); "
            "see /var/log/dockerd.log, or " + INSTRUCTIONS
        )
