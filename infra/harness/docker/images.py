"""Building the service images: one per registry component, from the repository root."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import files, git, hostlock, paths, proc, registry, reports, safeload
from harness.docker import build_inputs, dockerfiles, image_info
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
# Layer-cache images in a registry are <prefix>/annadata-<service>-<kind>:buildcache[-<stage>].
CACHE_TAG = "buildcache"
# BuildKit (GitHub's runners) reads its cache from this metadata; the classic builder ignores it.
INLINE_CACHE = ("--build-arg", "BUILDKIT_INLINE_CACHE=1")
PULL_TIMEOUT = 900
# FROM <image or earlier stage> AS <name>
_STAGE = re.compile(r"^FROM\s+(\S+)\s+AS\s+(\S+)\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class LayerCache:
    """A registry holding build layers: pulled from (`source`) before, pushed to (`target`) after.

    Each stage before the build target is an image of its own there: a pushed image holds
    only its final stage's layers (a Python image's `pip install` is in its builder stage).
    BuildKit takes layers from all of them; the classic builder follows the first image
    that matches a step and no other for the rest of the build, so the stage with the most
    RUN steps behind it comes first: its `pip install` or `npm ci` is what a rebuild skips,
    and the other stages' few cheap steps run again.
    """

    source: str | None = None
    target: str | None = None

    def ref(self, prefix: str, comp: registry.Component, stage: str | None = None) -> str:
        """The cache image of comp (one stage of it) under prefix."""
        suffix = f"-{stage}" if stage else ""
        return f"{prefix.rstrip('/').lower()}/annadata-{comp.compose_name}:{CACHE_TAG}{suffix}"

    def pull(
        self, root: Path, comp: registry.Component, argv: Sequence[str], run: proc.Runner,
        say: Callable[[str], None],
    ) -> list[str]:  # fmt: skip
        """Pull comp's cache images; `--cache-from` for each, the heaviest stage's first."""
        found: list[str] = []
        if not self.source:
            return found
        for stage in [*heaviest_first(root, argv), None]:
            ref = self.ref(self.source, comp, stage)
            done = run(["docker", "pull", "--quiet", ref], timeout=PULL_TIMEOUT)
            if done.ok:
                found += ["--cache-from", ref]
            else:
                say(f"cache: {ref} not pulled ({done.last_error_line()}): built without it")
        return found

    def push(
        self, root: Path, comp: registry.Component, argv: Sequence[str], image: str,
        run: proc.Runner, say: Callable[[str], None],
    ) -> list[str]:  # fmt: skip
        """Tag comp's stages (all cached by now) and its image as cache images, and push them."""
        pushed: list[str] = []
        if not self.target:
            return pushed
        for stage in [*stages(root, argv), None]:
            ref = self.ref(self.target, comp, stage)
            if stage is None:
                done = run(["docker", "tag", image, ref], timeout=60)
            else:
                done = run([*_retarget(argv, stage), "--tag", ref, str(argv[-1])],
                           timeout=BUILD_TIMEOUT)  # fmt: skip
            if done.ok:
                done = run(["docker", "push", "--quiet", ref], timeout=PULL_TIMEOUT)
            if not done.ok:
                raise HarnessError(f"cache: push of {ref} failed ({done.last_error_line()})")
            pushed.append(ref)
        say(f"cache: pushed {len(pushed)} images of {comp.ref} to {self.target}")
        return pushed


def _dockerfile(root: Path, argv: Sequence[str]) -> str:
    return (root / argv[list(argv).index("--file") + 1]).read_text(encoding="utf-8")


def stages(root: Path, argv: Sequence[str]) -> list[str]:
    """The named stages a `docker build` argv builds before its --target, in file order."""
    target = argv[list(argv).index("--target") + 1]
    names = [m.group(2) for m in _STAGE.finditer(_dockerfile(root, argv))]
    return names[: names.index(target)] if target in names else []


def heaviest_first(root: Path, argv: Sequence[str]) -> list[str]:
    """stages(), by RUN steps in each one and the stages it is built FROM, most first (ties:
    the later stage, which holds more of the build)."""
    text = _dockerfile(root, argv)
    weight: dict[str, int] = {}
    for match in _STAGE.finditer(text):
        body = text[match.end() :].split("\nFROM ", 1)[0]
        runs = len(re.findall(r"^RUN\s", body, re.MULTILINE))
        weight[match.group(2)] = runs + weight.get(match.group(1), 0)
    order = stages(root, argv)
    return sorted(order, key=lambda name: (-weight.get(name, 0), -order.index(name)))


def _retarget(argv: Sequence[str], stage: str) -> list[str]:
    """argv building stage instead of its target, without its tags and context."""
    out: list[str] = []
    items = list(argv[:-1])
    i = 0
    while i < len(items):
        if items[i] == "--tag":
            i += 2
            continue
        out.append(items[i])
        if items[i] == "--target":
            out.append(stage)
            i += 1
        i += 1
    return out


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
    cache: LayerCache | None = None,
    prefix: str = IMAGE_PREFIX,
    run: proc.Runner = proc.run,
    say: Callable[[str], None] = print,
) -> list[Built]:
    """Build comps, tagged :tag and :dev; image_env names third-party bases (stand-ins).

    cache: pull layers from a registry first, push them there after; prefix: image names
    other than annadata/ (a test's own), not recorded in the build report.
    """
    drift = dockerfiles.drifted(root, reg)
    if drift:
        raise HarnessError(
            f"{drift[0]}: differs from its template: run `python -m harness dockerfiles --write`"
        )
    # reports/ must take build.json: found out now, not after every image is built.
    files.make_dir(root / reports.REPORTS_DIR, "report directory")
    labels = _oci_labels(root, tag) if comps else []
    sizes: dict[str, float] = {}
    # A build with a registry cache runs in full: its pushes are what the run is for.
    contexts = {
        context: digest
        for context in dict.fromkeys(c.context for c in (comps if cache is None else []))
        if (digest := build_inputs.context_digest(root / context)) is not None
    }
    base_ids: dict[str, str | None] = {}

    def base_id(ref: str) -> str | None:
        if ref not in base_ids:
            base_ids[ref] = image_info.inspect(ref, "{{.Id}}", run)
        return base_ids[ref]

    printing = threading.Lock()

    def line(text: str) -> None:
        # Two builds at a time: print writes the text and its newline apart, and two lines
        # from the threads ran together.
        with printing:
            say(text)

    def one(comp: registry.Component) -> Built:
        image = prefix + comp.compose_name
        # Two runs side by side build the same image once: the second waits, then its own
        # build is all cache. By component, not image name: a test's own prefix is new on
        # every run, and its lock file would stay behind.
        with hostlock.machine(f"image-{comp.compose_name}", f"building {image}", line):
            return build_one(comp, image)

    def build_one(comp: registry.Component, image: str) -> Built:
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
        argv.append(str(root / comp.context))
        if cache is not None:
            argv[-1:-1] = [*INLINE_CACHE, *cache.pull(root, comp, argv, run, line)]
        elif comp.context in contexts:
            key = build_inputs.key(
                root, argv, _dockerfile(root, argv), contexts[comp.context], base_id
            )
            if key is not None:
                unchanged = _unchanged(comp, image, tag, key, sizes, image_env, run, line)
                if unchanged is not None:
                    return unchanged
                argv[-1:-1] = ["--label", f"{build_inputs.KEY_LABEL}={key}"]
        log_name = image.removeprefix(IMAGE_PREFIX).replace("/", "-")
        log = root / paths.STATE_DIR / "logs" / f"build-{log_name}.log"
        line(f"build: {image} ({comp.directory})")
        started = time.monotonic()
        done = run(argv, timeout=BUILD_TIMEOUT, log=log)
        seconds = time.monotonic() - started
        if not done.ok:
            raise HarnessError(
                f"build: {comp.ref} failed ({done.last_error_line()}); "
                f"full log: {log.relative_to(root)}"
            )
        if cache is not None:
            cache.push(root, comp, argv, f"{image}:{tag}", run, line)
        after = image_info.inspect(f"{image}:dev", LAYERS, run)
        return Built(
            comp.ref, f"{image}:{tag}", seconds, _size_mb(f"{image}:dev", run),
            _base_mb(comp, image_env, sizes, run), before == after,
        )  # fmt: skip

    # Two at a time: cached builds are mostly the engine's waiting (context upload, layer
    # lookups), and two cold ones fit a 2-core machine. Results keep the registry's order.
    results = proc.two_at_a_time(one, comps)
    if prefix == IMAGE_PREFIX:
        record(root, results)
    return results


def _base_mb(
    comp: registry.Component, image_env: Mapping[str, str], sizes: dict[str, float],
    run: proc.Runner,
) -> float:  # fmt: skip
    base_var = SERVER_BASE_VARIABLE if comp.serve == "server" else BASE_VARIABLE[comp.kind]
    base = image_env.get(base_var, DEFAULT_BASE[base_var])
    if base not in sizes:
        sizes[base] = _size_mb(base, run)
    return sizes[base]


def _unchanged(
    comp: registry.Component, image: str, tag: str, key: str, sizes: dict[str, float],
    image_env: Mapping[str, str], run: proc.Runner, say: Callable[[str], None],
) -> Built | None:  # fmt: skip
    """comp's image at tag when it was built from key (the same inputs), retagged :dev."""
    started = time.monotonic()
    found = image_info.inspect(
        f"{image}:{tag}", f'{{{{.Size}}}} {{{{index .Config.Labels "{build_inputs.KEY_LABEL}"}}}}',
        run,
    )  # fmt: skip
    size, _, label = (found or "").partition(" ")
    if label != key or not size.isdigit():
        return None
    done = run(["docker", "tag", f"{image}:{tag}", f"{image}:dev"], timeout=60)
    if not done.ok:
        return None
    say(f"build: {image} unchanged (same context, Dockerfile, arguments and bases): not rebuilt")
    return Built(
        comp.ref, f"{image}:{tag}", time.monotonic() - started, int(size) / 1e6,
        _base_mb(comp, image_env, sizes, run), True,
    )  # fmt: skip


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
