"""`nox -s publish`: tag and push every component image to a registry, traceable to its commit.

Targets are `<registry>/annadata-<service>-<kind>:<tag>`, with the tags: the commit (short
sha), the branch, the version on a vX.Y.Z tag, and `latest` only from main. Images are
built first (cached), with the OCI labels source, revision, created and version. Each gets a
CycloneDX SBOM (harness.sbom, reports/sbom/), and reports/publish.json lists every pushed
reference with its digest and SBOM, for the workflow that attaches and scans them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import git, proc, registry, reports, sbom
from harness.docker import images
from harness.docker.prepare import prepare
from harness.errors import HarnessError

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
    # Repository names are lowercase; GitHub owners need not be (ghcr.io/<Owner>).
    prefix = registry_prefix.rstrip("/").lower()
    if not re.fullmatch(r"[a-z0-9.-]+(:\d+)?(/[a-z0-9._-]+)*", prefix):
        raise HarnessError(
            f"publish: registry {registry_prefix!r} is not a registry and namespace: "
            "give e.g. ghcr.io/<owner> or 127.0.0.1:5000"
        )
    wanted = tags(sha, branch_name, version)
    return [
        Push(
            comp.ref,
            f"{images.image_name(comp)}:{sha}",
            tuple(f"{prefix}/annadata-{comp.compose_name}:{tag}" for tag in wanted),
        )
        for comp in reg.components()
    ]


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
    (root / reports.PUBLISHED).write_text(json.dumps(pushed, indent=2) + "\n", encoding="utf-8")
    return 0
