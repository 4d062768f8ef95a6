"""Building the service images: one per registry component, from the repository root."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import files, git, paths, proc, registry, reports, safeload
from harness.docker import dockerfiles, image_info
from harness.errors import HarnessError

BUILD_TIMEOUT = 1800
IMAGE_PREFIX = "annadata/"
# The image each kind's final stage starts from, by the variable that names it.
BASE_VARIABLE = {"backend": "PYTHON_IMAGE", "worker": "PYTHON_IMAGE", "frontend": "NGINX_IMAGE"}
# A frontend served by a Node server ends on the Node image, not nginx.
SERVER_BASE_VARIABLE = "NODE_IMAGE"
LAYERS = "{{json .RootFS.Layers}}"
# Build args a component's Dockerfile reads to name its bases.
BUILD_BASES = ("PYTHON_IMAGE", "NODE_IMAGE", "NGINX_IMAGE")
DEFAULT_BASE = {
    "PYTHON_IMAGE": "python:3.11-slim",
    "NGINX_IMAGE": "nginx:stable-alpine",
    "NODE_IMAGE": "node:22-alpine",
}


@dataclass(frozen=True)
class Built:
    """One image build: what, how long, how big, and whether every layer came from cache."""

    component: str
    image: str
    seconds: float
    size_mb: float
    base_mb: float
    cached: bool


def _oci_labels(root: Path, sha: str) -> list[str]:
    # created = the commit's time, not the build's: the same commit builds the same image.
    commit = git.head(root)
    labels = {
        "org.opencontainers.image.revision": commit.sha if commit else sha,
        "org.opencontainers.image.source": git.source_url(root),
        "org.opencontainers.image.created": commit.created if commit else "",
        "org.opencontainers.image.version": git.version(root) or sha,
    }
    return [arg for key, value in labels.items() for arg in ("--label", f"{key}={value}")]


def image_name(comp: registry.Component) -> str:
    """annadata/<service>-<kind>."""
    return IMAGE_PREFIX + comp.compose_name


def build(
    root: Path,
    reg: registry.Registry,
    comps: Sequence[registry.Component],
    *,
    tag: str,
    image_env: Mapping[str, str],
    run: proc.Runner = proc.run,
    say: Callable[[str], None] = print,
) -> list[Built]:
    """Build comps, tagged :tag and :dev; image_env names third-party bases (stand-ins)."""
    drift = dockerfiles.drifted(root, reg)
    if drift:
        raise HarnessError(
            f"{drift[0]}: differs from its template: run `python -m harness dockerfiles --write`"
        )
    # reports/ must take build.json: found out now, not after every image is built.
    files.make_dir(root / reports.REPORTS_DIR, "report directory")
    labels = _oci_labels(root, tag) if comps else []
    results = []
    for comp in comps:
        image = image_name(comp)
        # Layers, not the image id: the revision label changes the id on every commit.
        before = image_info.inspect(f"{image}:dev", LAYERS, run)
        argv = [
            "docker", "build", "--force-rm",
            "--file", str(root / comp.dockerfile_path),
            "--target", dockerfiles.target(comp),
            "--build-arg", f"GIT_SHA={tag}",
            *labels,
            "--tag", f"{image}:{tag}", "--tag", f"{image}:dev",
        ]  # fmt: skip
        for variable, value in sorted(image_env.items()):
            if variable in BUILD_BASES:
                argv += ["--build-arg", f"{variable}={value}"]
        log = root / paths.STATE_DIR / "logs" / f"build-{comp.compose_name}.log"
        say(f"build: {image} ({comp.directory})")
        started = time.monotonic()
        done = run([*argv, str(root / comp.context)], timeout=BUILD_TIMEOUT, log=log)
        seconds = time.monotonic() - started
        if not done.ok:
            raise HarnessError(
                f"build: {comp.ref} failed ({done.last_error_line()}); "
                f"full log: {log.relative_to(root)}"
            )
        after = image_info.inspect(f"{image}:dev", LAYERS, run)
        base_var = SERVER_BASE_VARIABLE if comp.serve == "server" else BASE_VARIABLE[comp.kind]
        base = image_env.get(base_var, DEFAULT_BASE[base_var])
        results.append(
            Built(
                comp.ref, f"{image}:{tag}", seconds,
                _size_mb(f"{image}:dev", run), _size_mb(base, run), before == after,
            )
        )  # fmt: skip
    record(root, results)
    return results


def missing(
    comps: Iterable[registry.Component], tag: str, run: proc.Runner = proc.run
) -> list[str]:
    """The images of comps at tag that the engine does not have."""
    refs = [f"{image_name(c)}:{tag}" for c in comps]
    return [ref for ref in refs if image_info.inspect(ref, "{{.Id}}", run) is None]


def record(root: Path, results: list[Built]) -> Path:
    """Merge these builds into reports/build.json (what the CI step summary shows)."""
    path = root / reports.BUILD
    known: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = safeload.loads_json(safeload.read_text(path, "report"), reports.BUILD)
        except HarnessError:
            loaded = None  # a report cut short or edited: this build's rows replace it
        known = loaded if isinstance(loaded, dict) else {}
    for r in results:
        known[r.component] = {
            "image": r.image, "seconds": round(r.seconds, 1), "size_mb": round(r.size_mb),
            "base_mb": round(r.base_mb), "cached": r.cached,
        }  # fmt: skip
    return files.write_text(path, json.dumps(known, indent=2, sort_keys=True), "build report")


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
