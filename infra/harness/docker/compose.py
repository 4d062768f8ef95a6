"""One compose project: its name, files, env files and profiles, as `docker compose` argv."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import proc

COMPOSE_FILE = "docker-compose.yml"
ENV_TEMPLATE = ".env.example"
# The committed hot-reload sample; developers copy it to docker-compose.override.yml.
OVERRIDE_SAMPLE = "docker-compose.override.yml.sample"
# Every profile at once (compose's own wildcard).
ALL_PROFILES = "*"
PROJECT_LABEL = "com.docker.compose.project"
# What a project leaves on the engine: how to list it by label, and how to remove it.
_RESOURCES = {
    "containers": (("docker", "ps", "--all", "--quiet"), ("docker", "rm", "--force", "--volumes")),
    "networks": (("docker", "network", "ls", "--quiet"), ("docker", "network", "rm")),
    "volumes": (("docker", "volume", "ls", "--quiet"), ("docker", "volume", "rm", "--force")),
}
REMOVE_TIMEOUT = 300


def leftovers(project: str, run: proc.Runner = proc.run) -> dict[str, list[str]]:
    """Containers, networks and volumes labelled with project, by kind."""
    label = f"label={PROJECT_LABEL}={project}"
    return {
        kind: run([*listing, "--filter", label], timeout=60).stdout.split()
        for kind, (listing, _) in _RESOURCES.items()
    }


def remove(left: dict[str, list[str]], run: proc.Runner = proc.run) -> None:
    """Force-remove what leftovers() found (containers first: they hold networks, volumes)."""
    for kind, (_, removal) in _RESOURCES.items():
        if left.get(kind):
            run([*removal, *left[kind]], timeout=REMOVE_TIMEOUT, shielded=True)


def unique_name(prefix: str) -> str:
    """A project name no other run uses: prefix plus 8 random hex digits."""
    return f"{prefix}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Project:
    """A compose project; every command the harness runs on it is built by `argv`."""

    root: Path
    name: str
    files: tuple[Path, ...]
    env_files: tuple[Path, ...] = ()
    profiles: tuple[str, ...] = ()
    run: proc.Runner = field(default=proc.run, compare=False, repr=False)

    def argv(self, *args: str) -> list[str]:
        """`docker compose` with this project's options, then args."""
        argv = ["docker", "compose", "--project-name", self.name]
        argv += ["--project-directory", str(self.root)]
        for path in self.files:
            argv += ["--file", str(path)]
        for path in self.env_files:
            argv += ["--env-file", str(path)]
        for profile in self.profiles:
            argv += ["--profile", profile]
        return [*argv, *args]

    def __call__(self, *args: str, timeout: float | None = 120, **kwargs: Any) -> proc.Result:
        """Run one compose command on this project."""
        return self.run(self.argv(*args), timeout=timeout, **kwargs)

    def services(self) -> list[str]:
        """The services the active profiles start, as compose resolves them."""
        done = self("config", "--services", timeout=60)
        return sorted(done.stdout.split()) if done.ok else []

    def containers(self) -> list[dict[str, Any]]:
        """`compose ps --all` as one dict per container (Service, State, Health, ExitCode...)."""
        done = self("ps", "--all", "--format", "json", timeout=60)
        if not done.ok:
            return []
        text = done.stdout.strip()
        if text.startswith("["):  # older compose prints one JSON array
            return list(json.loads(text))
        return [dict(json.loads(line)) for line in text.splitlines() if line.strip()]

    def host_port(self, service: str, container_port: int) -> int | None:
        """The 127.0.0.1 port published for service:container_port, or None."""
        done = self("port", service, str(container_port), timeout=30)
        out = done.stdout.strip().splitlines()
        if not done.ok or not out or ":" not in out[-1]:
            return None
        return int(out[-1].rsplit(":", 1)[1])
