"""CycloneDX SBOMs of the images `nox -s publish` pushes, one per image, made offline.

A Python image installs its hash-locked requirements.txt and nothing else (--require-hashes,
no pip in the venv), so that lock lists every Python package in it: cyclonedx-py reads it
without a network. A frontend image serves a bundle built from package-lock.json:
@cyclonedx/cyclonedx-npm reads the lockfile alone (--package-lock-only). The base images'
operating-system packages are not listed: the publish workflow's vulnerability scan (CI
only) reads the pushed images themselves.
"""

from __future__ import annotations

import json
import shutil
import sys
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path

from harness import proc, registry, reports
from harness.errors import HarnessError

RUNTIME_LOCK = "requirements.txt"
TIMEOUT = 600


def npm_tool(root: Path) -> str:
    """The pinned @cyclonedx/cyclonedx-npm (pyproject.toml, [tool.annadata])."""
    table = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return str(table["tool"]["annadata"]["cyclonedx-npm"])


def path_for(root: Path, comp: registry.Component) -> Path:
    """Where one image's SBOM is written."""
    return root / reports.SBOM_DIR / f"{comp.compose_name}.cdx.json"


def write(
    root: Path,
    comps: Sequence[registry.Component],
    image: Callable[[registry.Component], str],
    *,
    run: proc.Runner = proc.run,
    say: Callable[[str], None] = print,
) -> list[Path]:
    """One SBOM per component, its main component the image reference image(comp) names."""
    written = []
    for comp in comps:
        target = path_for(root, comp)
        target.parent.mkdir(parents=True, exist_ok=True)
        if comp.kind == "frontend":
            npx = _tool("npx")
            if npx is None:
                raise HarnessError(
                    f"sbom: {comp.ref}: npx is missing: install Node.js (npm) to list "
                    f"{comp.directory}/package-lock.json"
                )
            argv = [npx, "--yes", npm_tool(root), "--package-lock-only", "--output-reproducible"]
            argv += ["--output-format", "JSON", "--output-file", str(target)]
            done = run(argv, cwd=root / comp.directory, timeout=TIMEOUT)
        else:
            cyclonedx = _tool("cyclonedx-py")
            if cyclonedx is None:
                raise HarnessError(
                    f"sbom: {comp.ref}: cyclonedx-py is missing: run `nox -s publish` (its "
                    "session installs it)"
                )
            lock = root / comp.directory / RUNTIME_LOCK
            argv = [cyclonedx, "requirements", str(lock), "--output-reproducible"]
            done = run([*argv, "--output-format", "JSON", "--output-file", str(target)],
                       timeout=TIMEOUT)  # fmt: skip
        if not done.ok:
            raise HarnessError(f"sbom: {comp.ref}: {done.last_error_line()}")
        _name_the_image(target, image(comp))
        say(f"sbom: {target.relative_to(root)} ({_count(target)} components)")
        written.append(target)
    return written


def _tool(name: str) -> str | None:
    """A tool beside this interpreter (the session's venv), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.is_file() else shutil.which(name)


def _name_the_image(path: Path, reference: str) -> None:
    """Make the SBOM's main component the image it describes."""
    bom = json.loads(path.read_text(encoding="utf-8"))
    name, _, version = reference.rpartition(":")
    bom.setdefault("metadata", {})["component"] = {
        "type": "container",
        "bom-ref": reference,
        "name": name,
        "version": version,
    }
    path.write_text(json.dumps(bom, indent=2) + "\n", encoding="utf-8")


def _count(path: Path) -> int:
    return len(json.loads(path.read_text(encoding="utf-8")).get("components", []))
