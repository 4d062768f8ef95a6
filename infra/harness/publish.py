"""`nox -s publish`: tag and push every component image to a registry, traceable to its commit.

Targets are `<registry>/annadata-<service>-<kind>:<tag>`, with the tags: the commit (short
sha), the branch, the version on a vX.Y.Z tag, and `latest` only from main. Images are
built first (cached), with the OCI labels source, revision, created and version. Each gets a
CycloneDX SBOM (harness.sbom, reports/sbom/), and reports/publish.json lists every pushed
reference with its digest and SBOM, for the workflow that attaches and scans them. The Helm
chart follows as an OCI artifact, `<registry>/annadata:<chart version>`, appVersion the sha.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import files, git, proc, registry, reports, sbom
from harness.docker import images
from harness.docker.prepare import prepare
from harness.errors import HarnessError
from harness.k8s import chart as k8s_chart

PUSH_TIMEOUT = 1800
_DIGEST = re.compile(r"digest: (sha256:[0-9a-f]{64})")


@dataclass(frozen=True)
class Push:
    """One local image and the references it is pushed as."""

    component: str
    source: str
    targets: tuple[str, ...]


def tags(sha: str, branch_name: str | None, version: str | None) -> list[str]:
    """The tags of one publication, in order: sha, branch, version, latest (main only)."""
    found = [sha]
    if branch_name:
        # A tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}: feature/x becomes feature-x.
        safe = re.sub(r"[^A-Za-z0-9_.-]", "-", branch_name).lstrip(".-")[:128]
        if safe and safe not in found:
            found.append(safe)
    if version:
        found.append(version)
    if branch_name == git.MAIN_BRANCH:
        found.append("latest")
    return found


def plan(
    reg: registry.Registry,
    registry_prefix: str,
    sha: str,
    branch_name: str | None,
    version: str | None,
) -> list[Push]:
    """What would be pushed where, for every component in the registry."""
    prefix = checked_prefix(registry_prefix)
    wanted = tags(sha, branch_name, version)
    return [
        Push(
            comp.ref,
            f"{images.image_name(comp)}:{sha}",
            tuple(f"{prefix}/annadata-{comp.compose_name}:{tag}" for tag in wanted),
        )
        for comp in reg.components()
    ]


def checked_prefix(registry_prefix: str) -> str:
    """The --registry value as image names use it; HarnessError if it is not one."""
    # Repository names are lowercase; GitHub owners need not be (ghcr.io/<Owner>).
    prefix = registry_prefix.rstrip("/").lower()
    if not re.fullmatch(r"[a-z0-9.-]+(:\d+)?(/[a-z0-9._-]+)*", prefix):
        raise HarnessError(
            f"publish: registry {registry_prefix!r} is not a registry and namespace: "
            "give e.g. ghcr.io/<owner> or 127.0.0.1:5000"
        )
    return prefix


def push(pushes: Sequence[Push], run: proc.Runner = proc.run) -> list[tuple[str, str]]:
    """Tag and push every target; (reference, digest) per pushed reference."""
    pushed = []
    for item in pushes:
        for target in item.targets:
            tagged = run(["docker", "tag", item.source, target], timeout=60)
            if not tagged.ok:
                raise HarnessError(f"publish: {item.component}: {tagged.last_error_line()}")
            done = run(["docker", "push", target], timeout=PUSH_TIMEOUT)
            digest = _DIGEST.search(done.stdout)
            if not done.ok or not digest:
                raise HarnessError(
                    f"publish: push of {target} failed ({done.last_error_line()}); "
                    "is `docker login` done for this registry?"
                )
            pushed.append((target, digest.group(1)))
    return pushed


def run(
    root: Path,
    *,
    registry_prefix: str,
    dry_run: bool = False,
    allow_dirty: bool = False,
    allow_provision: bool = True,
    say: Callable[[str], None] = print,
) -> int:
    """Refuse a dirty tree, build, print the plan, push; print each reference with its digest."""
    checked_prefix(registry_prefix)
    changed = git.dirty(root)
    if changed and not allow_dirty:
        raise HarnessError(
            f"publish: the work tree is dirty ({len(changed)} paths, e.g. {changed[0]}): "
            "images would not match their commit; commit first or pass --allow-dirty"
        )
    reg = registry.load(root)
    sha = git.short_sha(root)
    pushes = plan(reg, registry_prefix, sha, git.branch(root), git.version(root))
    for item in pushes:
        say(f"{item.source} -> {', '.join(item.targets)}")
    say(f"chart {k8s_chart.CHART_DIR} -> oci://{registry_prefix.rstrip('/').lower()}/annadata")
    if dry_run:
        say(f"publish: dry run, {sum(len(p.targets) for p in pushes)} references not pushed")
        return 0
    prepare(root, reg, reg.components(), allow_provision=allow_provision, say=say)
    sources = {p.component: p.targets[0] for p in pushes}
    sboms = sbom.write(root, reg.components(), lambda c: sources[c.ref], say=say)
    pushed = []
    for item, bom in zip(pushes, sboms, strict=True):
        for reference, digest in push([item]):
            say(f"pushed {reference}@{digest}")
            pushed.append({"reference": reference, "digest": digest,
                           "sbom": str(bom.relative_to(root))})  # fmt: skip
    files.write_text(
        root / reports.PUBLISHED, json.dumps(pushed, indent=2) + "\n", "publish report"
    )
    # The chart last, beside the images, its appVersion the tag they were pushed with.
    reference, digest = k8s_chart.publish(
        root, registry_prefix, app_version=sha, release=git.version(root)
    )
    say(f"pushed chart {reference}@{digest}")
    return 0
