"""The stand-in images of no-registry mode: their manifest, recipes and recipe hashes."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import paths, registry, safeload
from harness.errors import HarnessError

HASH_LABEL = "org.annadata.recipe-hash"
STANDS_IN_LABEL = "org.annadata.stands-in-for"
HOST_CA_FILE = "host-ca.crt"
# Where this host keeps its CA bundle; ANNADATA_CA_BUNDLE points elsewhere.
DEFAULT_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# Bump when the way a rootfs is made (not its recipe table) changes, to force a rebuild.
ROOTFS_PROCEDURE = "debootstrap+import/2"
# A distribution's bundle is ~200 kB; this refuses a wrong file (or /dev/zero) early.
MAX_CA_BYTES = 16 * 1024 * 1024

_ARG_IMAGE = re.compile(r"^\s*ARG\s+([A-Z][A-Z0-9_]*_IMAGE)\b", re.MULTILINE)
# The manifest's shape (the comment at the top of stand-ins.toml says what each key means).
# Names become directories under infra/bases/, so they are plain lowercase words.
_STRING = {"type": "string", "minLength": 1}
MANIFEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "propertyNames": {"pattern": "^[a-z][a-z0-9_-]*$"},
    "additionalProperties": {
        "type": "object",
        "required": ["tag", "provides", "stands_in_for"],
        "additionalProperties": False,
        "properties": {
            "tag": {
                "type": "string",
                "pattern": "^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_][A-Za-z0-9_.-]*$",
            },
            "provides": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*_IMAGE$"},
            "stands_in_for": _STRING,
            "host_ca": {"type": "boolean"},
            "rootfs": {
                "type": "object",
                "required": ["suite", "variant", "mirror"],
                "additionalProperties": False,
                "properties": {
                    "suite": _STRING,
                    "variant": _STRING,
                    "mirror": {"type": "string", "pattern": "^https?://[^\\s]+$"},
                    "include": {"type": "array", "items": _STRING},
                },
            },
        },
    },
}


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
    """The host CA bundle that pip- and npm-using stand-ins trust (empty means the default)."""
    return Path(os.environ.get("ANNADATA_CA_BUNDLE") or DEFAULT_CA_BUNDLE)


def load(root: Path | None = None) -> dict[str, StandIn]:
    """All stand-ins from the manifest, in build order (each after what it builds on)."""
    root = root or paths.repo_root()
    where = paths.BASES_MANIFEST
    text = safeload.read_text(root / where, "stand-in manifest", where=where)
    try:
        tables = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "... (at line N, column M)": lead with the line, as every error does.
        found = re.search(r"\(at line (\d+), column \d+\)$", str(exc))
        line = found.group(1) if found else "1"
        message = str(exc)[: found.start()].strip() if found else str(exc)
        raise HarnessError(f"{where}:{line}: not valid TOML: {message}") from exc
    _check_shape(tables, text, where)
    providers: dict[str, str] = {}
    tags: dict[str, str] = {}
    for name, spec in tables.items():
        for key, seen, what in (("provides", providers, "variable"), ("tag", tags, "tag")):
            if spec[key] in seen:
                raise HarnessError(
                    f"{where}:{_toml_line(text, [name, key])}: [{name}] {key}: {what} "
                    f"{spec[key]!r} is also [{seen[spec[key]]}]'s: give each stand-in its own"
                )
            seen[spec[key]] = name
    standins: dict[str, StandIn] = {}
    arg_lines: dict[str, dict[str, str]] = {}
    for name, spec in tables.items():
        standins[name], arg_lines[name] = _standin(root, text, name, spec, providers)
    return _ordered(standins, arg_lines)


def check(root: Path, names: Iterable[str] = ()) -> dict[str, StandIn]:
    """The stand-ins, after checking that every one of names is among them."""
    items = load(root)
    unknown = sorted(set(names) - set(items))
    if unknown:
        raise HarnessError(f"no stand-in named {unknown[0]!r} (known: {', '.join(items)})")
    return items


def _check_shape(tables: dict[str, Any], text: str, where: str) -> None:
    """The manifest against MANIFEST_SCHEMA; the first error as file:line: [table] key: what."""
    # The registry's validator: ECMA-262 patterns, where `$` does not match before a newline.
    errors = sorted(
        registry.validator(MANIFEST_SCHEMA).iter_errors(tables), key=lambda e: list(e.path)
    )
    if not errors:
        return
    error = errors[0]
    at: list[str | int] = list(error.absolute_path)
    message = error.message
    if error.validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        message = f"unknown key {sorted(set(error.instance) - allowed)[0]!r} (allowed: "
        message += f"{', '.join(sorted(allowed))})"
        at.append(sorted(set(error.instance) - allowed)[0])
    elif "propertyNames" in error.absolute_schema_path:
        message = f"name {error.instance!r}: use lowercase letters, digits, - and _ (a directory)"
        at.append(str(error.instance))
    elif error.validator == "required":
        message = error.message.replace("is a required property", "is missing")
    # [stand-in] key.sub[index]: what is wrong
    inside = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in at[1:]).lstrip(".")
    label = f"[{at[0]}] {inside}: " if inside else (f"[{at[0]}]: " if at else "")
    if error.validator in ("additionalProperties", "required") and at:
        label = f"[{'.'.join(str(p) for p in error.absolute_path)}]: "
    lines = [str(p) for p in at if not isinstance(p, int)]
    raise HarnessError(
        f"{where}:{_toml_line(text, lines)}: {label}{message} (the comment at its top says what "
        "each key holds)"
    )


def _toml_line(text: str, path: list[str]) -> int:
    """1-based line of the key or table at path ([table, key, ...]); the deepest match wins.

    tomllib keeps no positions and no maintained TOML parser exposes them, so headers and
    `key =` lines are matched by hand (enough for this manifest's plain keys).
    """
    best, depth = 1, 0
    table: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\s*([^\[\]]+?)\s*\]", line)
        key = re.match(r"^((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-. ])+?)\s*=", line)
        if header:
            table = _dotted(header.group(1))
            full = table
        elif key:
            full = table + _dotted(key.group(1))
        else:
            continue
        matched = 0
        for have, want in zip(full, path, strict=False):
            if have != want:
                break
            matched += 1
        if matched > depth and matched == len(full):
            best, depth = number, matched
    return best


def _dotted(key: str) -> list[str]:
    """A dotted TOML key's parts, quoted parts (which may hold dots) unquoted."""
    return [p.strip("\"'") for p in re.findall(r"\"[^\"]*\"|'[^']*'|[^.\s]+", key)]


def _standin(
    root: Path, text: str, name: str, spec: dict[str, Any], providers: dict[str, str]
) -> tuple[StandIn, dict[str, str]]:
    recipe_dir = root / paths.BASES_DIR / name
    needs: tuple[str, ...] = ()
    arg_lines: dict[str, str] = {}
    if spec.get("rootfs") is None:
        dockerfile = recipe_dir / "Dockerfile"
        rel = dockerfile.relative_to(root).as_posix()
        if not dockerfile.exists():
            raise HarnessError(
                f"{paths.BASES_MANIFEST}:{_toml_line(text, [name])}: [{name}] has no "
                f"recipe at {rel}: add the Dockerfile, or a [{name}.rootfs] table"
            )
        recipe = safeload.read_text(dockerfile, "stand-in recipe", where=rel)
        for match in _ARG_IMAGE.finditer(recipe):
            variable = match.group(1)
            at = f"{rel}:{recipe.count(chr(10), 0, match.start()) + 1}"
            if variable not in providers:
                raise HarnessError(
                    f"{at}: ARG {variable} is provided by no stand-in in {paths.BASES_MANIFEST}"
                )
            arg_lines[providers[variable]] = f"{at}: ARG {variable}"
        needs = tuple(arg_lines)
    return (
        StandIn(
            name=name,
            tag=spec["tag"],
            provides=spec["provides"],
            stands_in_for=spec["stands_in_for"],
            recipe_dir=recipe_dir,
            host_ca=spec.get("host_ca", False),
            rootfs=spec.get("rootfs"),
            needs=needs,
        ),
        arg_lines,
    )


def _ordered(
    standins: dict[str, StandIn], arg_lines: dict[str, dict[str, str]]
) -> dict[str, StandIn]:
    done: dict[str, StandIn] = {}
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            cycle = [*visiting[visiting.index(name) :], name]
            raise HarnessError(
                f"{arg_lines[visiting[-1]][name]}: stand-in {name!r} builds on itself (a "
                f"cycle: {' -> '.join(cycle)}): one of these ARG lines must go"
            )
        visiting.append(name)
        for dep in standins[name].needs:
            visit(dep)
        visiting.pop()
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
                rel = path.relative_to(s.recipe_dir).as_posix()
                executable = "x" if path.stat().st_mode & 0o111 else "-"
                digest.update(f"{rel}:{executable}\0".encode())
                digest.update(safeload.read_bytes(path, "recipe file") + b"\0")
        if s.host_ca:
            bundle = ca_bundle()
            try:
                digest.update(safeload.read_bytes(bundle, "CA bundle", MAX_CA_BYTES))
            except HarnessError as exc:
                raise HarnessError(
                    f"stand-in {name}: {exc}; set ANNADATA_CA_BUNDLE to this host's PEM bundle"
                ) from exc
        for dep in s.needs:
            digest.update(f"{dep}={hashes[dep]}".encode())
        hashes[name] = digest.hexdigest()
    return hashes
