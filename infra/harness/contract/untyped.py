"""The parts of an OpenAPI document a contract check cannot hold the service to.

A success response with no schema, or a JSON body or response whose schema takes any
object, lets `response_schema_conformance` pass whatever the service answers. Lint's ANN012
reports them in the committed specs; the drift check keeps those equal to what the apps
generate, so this one function covers both. Pure: it reads parsed data only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from harness.contract.openapi_diff import METHODS

# Success statuses that carry no body by definition (RFC 9110): nothing to describe.
NO_BODY = frozenset({"204", "205"})
# Keys that document a schema without constraining it.
ANNOTATIONS = frozenset({"title", "description", "examples", "example", "deprecated"})


@dataclass(frozen=True)
class Untyped:
    """One part of one operation that no schema constrains."""

    path: str
    method: str
    part: str
    problem: str

    def text(self) -> str:
        """`GET /api/v1/x: the 200 response has no schema`."""
        return f"{self.method.upper()} {self.path}: {self.part} {self.problem}"


def untyped(spec: Mapping[str, Any]) -> list[Untyped]:
    """Every untyped part of spec's operations, in document order."""
    return list(_untyped(spec))


def _untyped(spec: Mapping[str, Any]) -> Iterator[Untyped]:
    paths = spec.get("paths")
    for path, item in paths.items() if isinstance(paths, Mapping) else ():
        for method, operation in item.items() if isinstance(item, Mapping) else ():
            if method not in METHODS or not isinstance(operation, Mapping):
                continue
            body = operation.get("requestBody")
            if isinstance(body, Mapping) and _open_json(spec, body):
                yield Untyped(path, method, "the request body", "takes any object")
            responses = operation.get("responses")
            for status, response in responses.items() if isinstance(responses, Mapping) else ():
                if not isinstance(response, Mapping):
                    continue
                part = f"the {status} response"
                if _success(str(status)) and not _every_media_has_a_schema(response):
                    yield Untyped(path, method, part, "has no schema")
                elif _open_json(spec, response):
                    yield Untyped(path, method, part, "takes any object")


def _success(status: str) -> bool:
    return status.upper() == "2XX" or (
        len(status) == 3 and status.startswith("2") and status not in NO_BODY
    )


def _every_media_has_a_schema(response: Mapping[str, Any]) -> bool:
    """A body is declared, and each of its media types says what it holds."""
    content = response.get("content")
    if not isinstance(content, Mapping) or not content:
        return False
    return all(isinstance(media, Mapping) and "schema" in media for media in content.values())


def _open_json(spec: Mapping[str, Any], described: Mapping[str, Any]) -> bool:
    content = described.get("content")
    media = content.get("application/json") if isinstance(content, Mapping) else None
    return isinstance(media, Mapping) and takes_anything(spec, media.get("schema"))


def takes_anything(
    spec: Mapping[str, Any], schema: Any, seen: frozenset[str] = frozenset()
) -> bool:
    """Whether schema accepts any value, any object, or a list of either: nothing to check."""
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        if ref in seen or not ref.startswith("#/"):
            return False  # a cycle or an outside file: the spec validator's business, not ours
        seen |= {ref}
        schema = _resolve(spec, ref)
        if schema is None:
            return False  # a dangling reference: the spec validator reports it
    if not isinstance(schema, Mapping) or not set(schema) - ANNOTATIONS:
        return True
    branches = [b for k in ("anyOf", "oneOf") if isinstance(schema.get(k), list) for b in schema[k]]
    if branches:
        # One open branch is enough for any object to pass.
        return any(takes_anything(spec, b, seen) for b in branches)
    if schema.get("type") == "array":
        return takes_anything(spec, schema.get("items"), seen)
    return (
        schema.get("type") == "object"
        and not schema.get("properties")
        and schema.get("additionalProperties", True) in (True, {})
    )


def _resolve(spec: Mapping[str, Any], ref: str) -> Any:
    """The node a local `#/a/b` reference names (None when it names nothing)."""
    node: Any = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node
