"""Kubernetes objects against one version's JSON schemas, in this process.

The schemas and their file names are kubernetes-validate's (its `<version>-local-strict`
folders: unknown fields are errors); the validation is jsonschema's, with one `referencing`
registry per version. kubernetes-validate's own command makes a new RefResolver for every
object, which reads its 1 MB `_definitions.json` again and searches it on every `$ref`:
1.28.3, the last release with 1.20's schemas, took 20-60 s on the chart's 161 objects. Read
once, they validate in about a second. 1.20's schemas name no draft, so kubernetes-validate
ends up with jsonschema's latest, 2020-12; 1.37's name 2020-12.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from harness.errors import HarnessError
from harness.k8s import tools as k8s_tools

PACKAGE = "kubernetes_validate"
# Every kind's schema refers into this one file: by name (1.20's), or by its id (1.37's).
DEFINITIONS = "_definitions.json"
# The domain of an API group goes: rbac.authorization.k8s.io/v1 -> rbac-v1 (its file names).
_GROUP_DOMAIN = re.compile(r"^([^./]*)(?:\.[^/]*)?/")


def directory(kube_version: str, isolated: str | None) -> Path:
    """One version's strict schemas: in this venv's kubernetes-validate, or the isolated one's."""
    if isolated:
        package = k8s_tools.isolated(isolated) / PACKAGE
    else:
        spec = importlib.util.find_spec(PACKAGE)
        package = Path(spec.origin).parent if spec and spec.origin else Path(PACKAGE)
    found = package / "kubernetes-json-schema" / f"v{kube_version}-local-strict"
    if not (found / DEFINITIONS).is_file():
        raise HarnessError(
            f"chart: no Kubernetes {kube_version} schemas in {found}: {k8s_tools.INSTALL_HINT}"
        )
    return found


def file_name(obj: dict[str, Any]) -> str:
    """The schema file of an object's kind and apiVersion (kubernetes-validate's naming)."""
    api = _GROUP_DOMAIN.sub(r"\1-", str(obj["apiVersion"]))
    return f"{str(obj['kind']).lower()}-{api}.json"


class Schemas:
    """One version's schemas: each file read once, then every object checked against it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        definitions = Resource.from_contents(
            _read(folder / DEFINITIONS), default_specification=DRAFT202012
        )
        # Under its own id when it has one (1.37's refs name it absolutely); else under the
        # name a schema without an id refers to it by (1.20's). Found at once, never crawled.
        self.registry: Registry[Any] = Registry().with_resource(
            definitions.id() or DEFINITIONS, definitions
        )
        self.validators: dict[str, Draft202012Validator | None] = {}

    def problems(self, objects: Iterable[Any]) -> Iterator[str]:
        """`Kind/name: where: what` for each object that is not valid, in order."""
        for obj in objects:
            if not isinstance(obj, dict) or "kind" not in obj or "apiVersion" not in obj:
                yield f"{str(obj)[:60]}: not a Kubernetes object (no kind or apiVersion)"
                continue
            meta = obj.get("metadata")
            who = f"{obj['kind']}/{meta.get('name', '?') if isinstance(meta, dict) else '?'}"
            validator = self._validator(file_name(obj))
            if validator is None:
                yield (f"{who}: no schema for kind {obj['kind']} with api version "
                       f"{obj['apiVersion']}")  # fmt: skip
                continue
            error = best_match(validator.iter_errors(obj))
            if error is not None:
                yield f"{who}: {error.json_path}: {error.message}"

    def _validator(self, name: str) -> Draft202012Validator | None:
        if name not in self.validators:
            path = self.folder / name
            schema = _read(path) if path.is_file() else None
            self.validators[name] = (
                None if schema is None else Draft202012Validator(schema, registry=self.registry)
            )
        return self.validators[name]


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HarnessError(
            f"chart: cannot read the schema {path} ({exc}): {k8s_tools.INSTALL_HINT}"
        ) from exc
