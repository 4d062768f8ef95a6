"""Building the service images: one per registry component, from the repository root."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from harness import paths, proc, registry
from harness.bases import no_registry
from harness.docker import dockerfiles, image_info
from harness.errors import HarnessError

BUILD_TIMEOUT = 1800
IMAGE_PREFIX = "annadata/"
# The image each kind's final stage starts from, by the variable that names it.
BASE_VARIABLE = {"backend": "PYTHON_IMAGE", "worker": "PYTHON_IMAGE", "frontend": "NGINX_IMAGE"}
LAYERS = "{{json .RootFS.Layers}}"
REPORT = "reports/build.json"
DEFAULT_BASE = {"PYTHON_IMAGE": "python:3.11-slim", "NGINX_IMAGE": "nginx:stable-alpine"}


@dataclass(frozen=True)
class Built:
    """One image build: what, how long, how big, and whether every layer came from cache."""

    component: str
    image: str
    seconds: float
    size_mb: float
    base_mb: float
    cached: bool


def git_sha(root: Path) -> str:
    """The short commit id the images are tagged with ("unknown" outside git)."""
    done = proc.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], timeout=10)
    return done.stdout.strip() if done.ok else "unknown"


def source_url(root: Path) -> str:
    """Where the code lives: GitHub's server and repository in Actions, else origin's URL."""
    server, repo = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    if server and repo:
        return f"{server}/{repo}"
    done = proc.run(["git", "-C", str(root), "remote", "get-url", "origin"], timeout=10)
    url = done.stdout.strip() if done.ok else ""
    ssh = re.match(r"^git@([^:]+):(.+?)(\.git)?$", url)
    return f"https://{ssh.group(1)}/{ssh.group(2)}" if ssh else url.removesuffix(".git")


def version(root: Path) -> str | None:
    """The release version when HEAD carries a tag vX.Y.Z, else None."""
    done = proc.run(
        ["git", "-C", str(root), "describe", "--tags", "--exact-match", "--match", "v[0-9]*"],
        timeout=10,
    )
    return done.stdout.strip().removeprefix("v") if done.ok and done.stdout.strip() else None


def _oci_labels(root: Path, sha: str) -> list[str]:
    # created = the commit's time, not the build's: the same commit builds the same image.
    done = proc.run(["git", "-C", str(root), "log", "-1", "--format=%H %cI"], timeout=10)
    full, _, created = done.stdout.strip().partition(" ") if done.ok else (sha, "", "")
    labels = {
        "org.opencontainers.image.revision": full,
        "org.opencontainers.image.source": source_url(root),
        "org.opencontainers.image.created": created,
        "org.opencontainers.image.version": version(root) or sha,
    }
    return [arg for key, value in labels.items() for arg in ("--label", f"{key}={value}")]


def image_name(comp: registry.Component) -> str:
    """annadata/<service>-<kind>."""
    return IMAGE_PREFIX + comp.compose_name


def base_images(root: Path, mode: no_registry.Mode) -> dict[str, str]:
    """Build args naming third-party images: the stand-ins in no-registry mode, else none."""
    return no_registry.image_env(root) if mode.on else {}


def build(
    root: Path,
    names: Iterable[str] = (),
    mode: no_registry.Mode | None = None,
    run: proc.Runner = proc.run,
    say: Callable[[str], None] = print,
) -> list[Built]:
    """Build the named components (service or service.kind; default all), tagged :sha and :dev."""
    reg = registry.load(root)
    comps = _select(reg, list(names))
    mode = mode or no_registry.decide()
    bases = base_images(root, mode)
    sha = git_sha(root)
    drift = dockerfiles.drifted(root, reg)
    if drift:
        raise HarnessError(
            f"{drift[0]}: differs from its template: run `python -m harness dockerfiles --write`"
        )
    results = []
    for comp in comps:
        image = image_name(comp)
        # Layers, not the image id: the revision label changes the id on every commit.
        before = image_info.inspect(f"{image}:dev", LAYERS, run)
        argv = [
            "docker", "build", "--force-rm",
            "--file", f"{comp.directory}/Dockerfile",
            "--target", dockerfiles.TARGETS[comp.kind],
            "--build-arg", f"GIT_SHA={sha}",
            *_oci_labels(root, sha),
            "--tag", f"{image}:{sha}", "--tag", f"{image}:dev",
        ]  # fmt: skip
        for variable, value in sorted(bases.items()):
            if variable in ("PYTHON_IMAGE", "NODE_IMAGE", "NGINX_IMAGE"):
                argv += ["--build-arg", f"{variable}={value}"]
        log = root / paths.STATE_DIR / "logs" / f"build-{comp.compose_name}.log"
        say(f"build: {image} ({comp.directory})")
        started = time.monotonic()
        done = run([*argv, str(root)], timeout=BUILD_TIMEOUT, log=log)
        seconds = time.monotonic() - started
        if not done.ok:
            raise HarnessError(
                f"build: {comp.ref} failed ({done.last_error_line()}); "
                f"full log: {log.relative_to(root)}"
            )
        after = image_info.inspect(f"{image}:dev", LAYERS, run)
        base_var = BASE_VARIABLE[comp.kind]
        base = bases.get(base_var, DEFAULT_BASE[base_var])
        results.append(
            Built(
                comp.ref, f"{image}:{sha}", seconds,
                _size_mb(f"{image}:dev", run), _size_mb(base, run), before == after,
            )
        )  # fmt: skip
    record(root, results)
    return results


def record(root: Path, results: list[Built]) -> Path:
    """Merge these builds into reports/build.json (what the CI step summary shows)."""
    path = root / REPORT
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        known = {}
    for r in results:
        known[r.component] = {
            "image": r.image, "seconds": round(r.seconds, 1), "size_mb": round(r.size_mb),
            "base_mb": round(r.base_mb), "cached": r.cached,
        }  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=2, sort_keys=True), encoding="utf-8")
    return path


def _select(reg: registry.Registry, names: list[str]) -> list[registry.Component]:
    if not names:
        return reg.components()
    chosen = []
    for name in names:
        matches = [c for c in reg.components() if name in (c.ref, c.service)]
        if not matches:
            known = ", ".join(sorted({c.service for c in reg.components()}))
            raise HarnessError(f"build: no service or component {name!r} (known: {known})")
        chosen += [c for c in matches if c not in chosen]
    return chosen


def _size_mb(ref: str, run: proc.Runner) -> float:
    size = image_info.size_mb(ref, run)
    return float("nan") if size is None else size


def table(results: list[Built]) -> str:
    """The build table: component, seconds, size, growth over its base, cached or not."""
    lines = [f"{'component':<30} {'seconds':>7} {'size MB':>8} {'+ base MB':>9}  cached"]
    for r in results:
        lines.append(
            f"{r.component:<30} {r.seconds:7.1f} {r.size_mb:8.0f} "
            f"{r.size_mb - r.base_mb:+9.0f}  {'yes' if r.cached else 'no'}"
        )
    return "\n".join(lines)
