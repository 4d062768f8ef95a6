"""Data and model artifacts: data folders, model files by content, model registries."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field

from harness.adopt.tree import Tree

DATA_SUFFIXES = (".csv", ".tsv", ".parquet", ".feather", ".xlsx", ".jsonl")
# Formats that execute code when loaded: dev-only, as the plan decides.
PICKLE_FAMILY = ("pickle", "joblib", "torch-pickle")
TEXT_SUFFIXES = (".py", ".js", ".ts", ".tsx", ".jsx", ".md", ".txt", ".json", ".csv", ".yml",
                 ".yaml", ".toml", ".html", ".css", ".cfg", ".ini", ".lock")  # fmt: skip
REGISTRY_NAME = "model_registry.json"


@dataclass
class Model:
    """A model file and its format, found from its bytes."""

    path: str
    format: str
    dev_only: bool


@dataclass
class RegistryEntry:
    """One model in a model registry: does the file exist, does its hash match."""

    name: str
    file: str
    status: str  # ok | mismatch | missing | no hash


@dataclass
class Artifacts:
    """What a tree holds besides code."""

    data_dirs: list[str] = field(default_factory=list)
    models: list[Model] = field(default_factory=list)
    registries: dict[str, list[RegistryEntry]] = field(default_factory=dict)

    def model_dirs(self) -> list[str]:
        """Folders holding models (or a model registry)."""
        dirs = {m.path.rsplit("/", 1)[0] for m in self.models if "/" in m.path}
        dirs |= {r.rsplit("/", 1)[0] for r in self.registries if "/" in r}
        return sorted(dirs)


def sniff(head: bytes, name: str) -> str | None:
    """A model format from a file's first bytes (and name only where bytes cannot tell)."""
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "joblib" if name.endswith(".joblib") else "pickle"
    if head.startswith(b"PK\x03\x04"):
        return "zip"  # refined by _zip_kind
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "hdf5"
    if name.endswith(".joblib") and head[:2] in (b"\x1f\x8b", b"x\x9c", b"x\xda", b"ZF"):
        return "joblib"
    # ONNX is a protobuf ModelProto: field 1 (ir_version, varint) comes first.
    if head[:1] == b"\x08" and (name.endswith(".onnx") or b"onnx" in head.lower()):
        return "onnx"
    return None


def _zip_kind(tree: Tree, rel: str) -> str | None:
    try:
        with zipfile.ZipFile(tree.root / rel) as archive:
            names = archive.namelist()[:200]
    except (zipfile.BadZipFile, OSError):
        return None
    if any(n.endswith("/constants.pkl") for n in names) and any("/code/" in n for n in names):
        return "torchscript"
    if any(n.endswith("/data.pkl") for n in names):
        return "torch-pickle"
    return None


def find(tree: Tree) -> Artifacts:
    """Data folders, model files (by content), and model registries with their hashes."""
    found = Artifacts()
    data_dirs: set[str] = set()
    for rel in tree.files:
        name = rel.rsplit("/", 1)[-1]
        folder = rel.rsplit("/", 1)[0] if "/" in rel else "."
        if name.endswith(DATA_SUFFIXES):
            data_dirs.add(folder)
            continue
        if name.endswith(TEXT_SUFFIXES):
            if name == REGISTRY_NAME:
                found.registries[rel] = _registry(tree, rel)
            continue
        kind = sniff(tree.head(rel, 64), name)
        if kind == "zip":
            kind = _zip_kind(tree, rel)
        if kind:
            found.models.append(Model(rel, kind, kind in PICKLE_FAMILY))
    # The top-most folders only: data/processed inside data/ is one mount.
    found.data_dirs = sorted(
        d for d in data_dirs if d != "." and not any(d.startswith(o + "/") for o in data_dirs)
    )
    return found


def _registry(tree: Tree, rel: str) -> list[RegistryEntry]:
    text = tree.text(rel) or ""
    try:
        models = json.loads(text).get("models", {})
    except (json.JSONDecodeError, AttributeError):
        return [RegistryEntry("(file)", rel, "not a model registry (invalid JSON)")]
    if isinstance(models, list):
        models = {str(m.get("name", i)): m for i, m in enumerate(models) if isinstance(m, dict)}
    folder = rel.rsplit("/", 1)[0] if "/" in rel else "."
    entries = []
    for name, entry in models.items() if isinstance(models, dict) else []:
        if not isinstance(entry, dict):
            continue
        file = str(entry.get("file", ""))
        path = tree.root / folder / file
        if not file or not path.is_file():
            status = "missing"
        elif not entry.get("sha256"):
            status = "no hash"
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            status = "ok" if digest == entry["sha256"] else "mismatch"
        entries.append(RegistryEntry(str(name), file, status))
    return entries
