"""The stand-in images of no-registry mode: their manifest, recipes and recipe hashes."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import paths
from harness.errors import HarnessError

HASH_LABEL = "org.annadata.recipe-hash"
STANDS_IN_LABEL = "org.annadata.stands-in-for"
HOST_CA_FILE = "host-ca.crt"
# Where this host keeps its CA bundle; ANNADATA_CA_BUNDLE points elsewhere.
DEFAULT_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# Bump when the way a rootfs is made (not its recipe table) changes, to force a rebuild.
ROOTFS_PROCEDURE = "debootstrap+import/2"

_ARG_IMAGE = re.compile(r"^\s*ARG\s+([A-Z][A-Z0-9_]*_IMAGE)\b", re.MULTILINE)
_KEYS = {"tag", "provides", "stands_in_for", "host_ca", "rootfs"}


@dataclass(frozen=True)
class StandIn:
    """One stand-in image: a debootstrap rootfs, or a Dockerfile recipe building on others."""

    name: str
    tag: str
    provides: str
    stands_in_for: str
    recipe_dir: Path
    host_ca: bool = False
    rootfs: dict[str, Any] | None = None
    needs: tuple[str, ...] = field(default=())

    @property
    def dockerfile(self) -> Path:
        """The recipe's Dockerfile (absent for a rootfs stand-in)."""
        return self.recipe_dir / "Dockerfile"


def ca_bundle() -> Path:
    """The host CA bundle that pip- and npm-using stand-ins trust."""
    return Path(os.environ.get("ANNADATA_CA_BUNDLE", DEFAULT_CA_BUNDLE))


def load(root: Path | None = None) -> dict[str, StandIn]:
    """All stand-ins from the manifest, in build order (each after what it builds on)."""
    root = root or paths.repo_root()
    manifest = root / paths.BASES_MANIFEST
    try:
        tables = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise HarnessError(f"{manifest}: cannot read the stand-in manifest ({exc})") from exc
    providers = {spec.get("provides"): name for name, spec in tables.items()}
    standins: dict[str, StandIn] = {}
    for name, spec in tables.items():
        standins[name] = _standin(root, manifest, name, spec, providers)
    return _ordered(standins, manifest)


def _standin(
    root: Path, manifest: Path, name: str, spec: dict[str, Any], providers: dict[Any, str]
) -> StandIn:
    where = f"{manifest.relative_to(root)} [{name}]"
    unknown = set(spec) - _KEYS
    if unknown:
        raise HarnessError(
            f"{where}: unknown key {sorted(unknown)[0]!r} (allowed: {sorted(_KEYS)})"
        )
    for key in ("tag", "provides", "stands_in_for"):
        if not isinstance(spec.get(key), str):
            raise HarnessError(f"{where}: {key} is missing or not a string")
    recipe_dir = root / paths.BASES_DIR / name
    needs: tuple[str, ...] = ()
    if spec.get("rootfs") is None:
        dockerfile = recipe_dir / "Dockerfile"
        if not dockerfile.is_file():
            raise HarnessError(f"{where}: no recipe at {dockerfile.relative_to(root)}")
        wanted = _ARG_IMAGE.findall(dockerfile.read_text(encoding="utf-8"))
        missing = [var for var in wanted if var not in providers]
        if missing:
            raise HarnessError(
                f"{dockerfile.relative_to(root)}: ARG {missing[0]} is provided by no stand-in "
                f"in {manifest.relative_to(root)}"
            )
        needs = tuple(providers[var] for var in wanted)
    return StandIn(
        name=name,
        tag=spec["tag"],
        provides=spec["provides"],
        stands_in_for=spec["stands_in_for"],
        recipe_dir=recipe_dir,
        host_ca=bool(spec.get("host_ca", False)),
        rootfs=spec.get("rootfs"),
        needs=needs,
    )


def _ordered(standins: dict[str, StandIn], manifest: Path) -> dict[str, StandIn]:
    done: dict[str, StandIn] = {}
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            raise HarnessError(f"{manifest.name}: stand-in {name!r} builds on itself (a cycle)")
        visiting.add(name)
        for dep in standins[name].needs:
            visit(dep)
        done[name] = standins[name]

    for name in standins:
        visit(name)
    return done


def recipe_hashes(standins: dict[str, StandIn]) -> dict[str, str]:
    """sha256 per stand-in over its table, its recipe files, the CA if used, and its bases."""
    hashes: dict[str, str] = {}
    for name, s in standins.items():
        digest = hashlib.sha256()
        table = {
            "tag": s.tag,
            "provides": s.provides,
            "stands_in_for": s.stands_in_for,
            "host_ca": s.host_ca,
            "rootfs": s.rootfs,
        }
        digest.update(json.dumps(table, sort_keys=True).encode())
        if s.rootfs is not None:
            digest.update(ROOTFS_PROCEDURE.encode())
        else:
            for path in sorted(p for p in s.recipe_dir.rglob("*") if p.is_file()):
                executable = "x" if path.stat().st_mode & 0o111 else "-"
                digest.update(
                    f"{path.relative_to(s.recipe_dir).as_posix()}:{executable}\0".encode()
                )
                digest.update(path.read_bytes() + b"\0")
        if s.host_ca:
            bundle = ca_bundle()
            try:
                digest.update(bundle.read_bytes())
            except OSError as exc:
                raise HarnessError(
                    f"stand-in {name}: cannot read the CA bundle {bundle} ({exc.strerror}); "
                    "set ANNADATA_CA_BUNDLE to this host's PEM bundle"
                ) from exc
        for dep in s.needs:
            digest.update(f"{dep}={hashes[dep]}".encode())
        hashes[name] = digest.hexdigest()
    return hashes
