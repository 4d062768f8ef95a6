"""Reading a committed OpenAPI spec for the contract checks: the shapes they rely on, or one line.

openapi_diff refuses what it reads itself (a document or `paths` that is not a mapping);
the breaking-change rules read further (operations, parameters, bodies, responses,
schemas), so a spec must have those in the shape OpenAPI gives them before it is compared.
`nox -s lint` validates committed specs in full; this also covers a spec at the base ref.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from harness import git, safeload, yamlpos
from harness.contract import openapi_diff
from harness.errors import HarnessError


def _ref(kind: str) -> dict[str, Any]:
    # Only local component references: the comparison follows no other kind.
    return {"type": "string", "pattern": f"^#/components/{kind}/[^/]+$"}


_OBJECT_OR_NULL = {"type": ["object", "null"]}
SHAPE: dict[str, Any] = {
    "$defs": {
        "schema": {
            "type": ["object", "boolean"],
            "properties": {
                "$ref": _ref("schemas"),
                "properties": {
                    "type": "object",
                    "additionalProperties": {"$ref": "#/$defs/schema"},
                },
                "required": {"type": "array", "items": {"type": "string"}},
                "items": {"$ref": "#/$defs/schema"},
                "enum": {"type": "array"},
                "type": {"type": ["string", "array"], "items": {"type": "string"}},
                "anyOf": {"type": "array", "items": {"$ref": "#/$defs/schema"}},
                "oneOf": {"type": "array", "items": {"$ref": "#/$defs/schema"}},
            },
        },
        "content": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {"schema": {"$ref": "#/$defs/schema"}},
            },
        },
        "parameter": {
            "type": "object",
            "properties": {
                "$ref": _ref("parameters"),
                "in": {"type": "string"},
                "name": {"type": "string"},
                "schema": {"$ref": "#/$defs/schema"},
            },
        },
        "request_body": {
            "type": "object",
            "properties": {"$ref": _ref("requestBodies"), "content": {"$ref": "#/$defs/content"}},
        },
        "response": {
            "type": "object",
            "properties": {"$ref": _ref("responses"), "content": {"$ref": "#/$defs/content"}},
        },
        "operation": {
            "type": "object",
            "properties": {
                "parameters": {"type": "array", "items": {"$ref": "#/$defs/parameter"}},
                "requestBody": {"$ref": "#/$defs/request_body"},
                "responses": {
                    "type": "object",
                    "additionalProperties": {"$ref": "#/$defs/response"},
                },
            },
        },
    },
    "type": "object",
    "properties": {
        "info": _OBJECT_OR_NULL,
        "paths": {
            "type": ["object", "null"],
            "additionalProperties": {
                "type": ["object", "null"],
                "properties": {
                    method: {"$ref": "#/$defs/operation"} for method in openapi_diff.METHODS
                },
            },
        },
        "components": {
            "type": ["object", "null"],
            "additionalProperties": _OBJECT_OR_NULL,
            "properties": {
                kind: {"type": ["object", "null"], "additionalProperties": {"$ref": f"#/$defs/{d}"}}
                for kind, d in (
                    ("schemas", "schema"),
                    ("parameters", "parameter"),
                    ("requestBodies", "request_body"),
                    ("responses", "response"),
                )
            },
        },
    },
}
_VALIDATOR = jsonschema.Draft202012Validator(SHAPE)


AT_BASE = "it is the base's version: fix it there, or compare with another --base"


def loads(text: str, where: str, fix: str = openapi_diff.REGENERATE) -> dict[str, Any]:
    """A spec's text as data, if the contract checks can read it; HarnessError where:line if not."""
    spec = openapi_diff.loads(text, where, fix)
    error = best_match(_VALIDATOR.iter_errors(spec))
    if error is not None:
        at = list(error.absolute_path)
        field = openapi_diff.pointer(*at) if at else "the document"
        raise HarnessError(
            f"{where}:{yamlpos.line_at(safeload.document(text), at)}: {field}: "
            f"{error.message}: not the shape OpenAPI gives it; {fix}"
        )
    return spec


def load(root: Path, rel: str) -> dict[str, Any]:
    """The spec at rel in the work tree."""
    return loads(safeload.read_text(root / rel, "OpenAPI spec", where=rel), rel)


def at_ref(root: Path, ref: str, rel: str) -> dict[str, Any] | None:
    """The spec at rel as of ref; None when it did not exist there (new on this branch)."""
    text = git.show(root, ref, rel)
    if text is None:
        return None
    where = f"{ref[:12]}:{rel}"  # git's REF:path, so errors name the version they read
    if len(text.encode("utf-8")) > safeload.MAX_BYTES:
        raise HarnessError(f"{where}: over {safeload.MAX_BYTES // 1024} kB: is it the right file?")
    return loads(text, where, AT_BASE)
