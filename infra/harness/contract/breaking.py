"""Breaking changes between two versions of an OpenAPI document, named like oasdiff's rules.

No maintained Python differ exists and oasdiff (Go) cannot be installed here, so the rules
are ours. Each finding carries its rule id and a JSON pointer: into the new document, or
the old one for what was removed. Pointers run through properties as a client sees them
($refs are followed, so a pointer names the property path, not the component).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from harness.contract.openapi_diff import operations, pointer

# Rule ids (oasdiff's names) -> what a reviewer reads.
RULES = {
    "api-removed-without-deprecation": "operation removed (it was not deprecated first)",
    "response-success-status-removed": "success status removed",
    "response-media-type-removed": "response media type removed",
    "new-required-request-parameter": "new required request parameter",
    "request-parameter-became-required": "request parameter became required",
    "request-parameter-type-changed": "request parameter type changed",
    "request-parameter-enum-value-removed": "request parameter enum value removed",
    "request-body-became-required": "request body became required",
    "new-required-request-property": "new required request property",
    "request-property-became-required": "request property became required",
    "request-property-type-changed": "request property type changed",
    "request-property-enum-value-removed": "request property enum value removed",
    "response-required-property-removed": "required response property removed",
    "response-property-became-optional": "response property became optional",
    "response-property-became-nullable": "response property became nullable",
}
# Request constraints a new version can tighten, for parameters and body properties alike:
# keyword -> (oasdiff's rule stem, the direction that refuses values the old one accepted).
# A bound set where there was none tightens too (oasdiff's -set rules).
BOUNDS = {
    "maximum": ("max", "decreased"),
    "exclusiveMaximum": ("exclusive-max", "decreased"),
    "maxLength": ("max-length", "decreased"),
    "maxItems": ("max-items", "decreased"),
    "minimum": ("min", "increased"),
    "exclusiveMinimum": ("exclusive-min", "increased"),
    "minLength": ("min-length", "increased"),
    "minItems": ("min-items", "increased"),
}


def _constraint_rules() -> dict[str, str]:
    """The tightened-constraint rules of request parameters and of request body properties."""
    rules = {}
    for kind in ("parameter", "property"):
        for stem, way in BOUNDS.values():
            for change in (way, "set"):
                rules[f"request-{kind}-{stem}-{change}"] = (
                    f"request {kind} {stem.replace('-', ' ')} {change}"
                )
        # Whether one regex accepts all another does is not decided here: any new pattern may
        # refuse a value the old one took, so a changed pattern counts as a tightening.
        rules[f"request-{kind}-pattern-added"] = f"request {kind} pattern added"
        rules[f"request-{kind}-pattern-changed"] = f"request {kind} pattern changed"
        rules[f"request-{kind}-became-enum"] = f"request {kind} restricted to an enum"
    return rules


RULES.update(_constraint_rules())
# Schema nesting deeper than this is not compared (and recursive schemas stop here).
MAX_DEPTH = 12
# Where a finding is: the raw segments of its JSON pointer.
Where = tuple[str | int, ...]


@dataclass(frozen=True)
class Change:
    """One difference: a breaking rule, or (breaking=False) an additive change."""

    rule: str
    pointer: str
    message: str
    breaking: bool = True


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every breaking change (and additive change, as info) from old to new."""
    return list(_Comparison(old, new).run())


def major(spec: Mapping[str, Any]) -> int | None:
    """The major number of info.version, or None when it is not a number."""
    version = str((spec.get("info") or {}).get("version", ""))
    head = version.lstrip("v").split(".", 1)[0]
    return int(head) if head.isdigit() else None


def major_raised(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """True when info.version's major number went up: breaking changes are then accepted."""
    before, after = major(old), major(new)
    return before is not None and after is not None and after > before


class _Comparison:
    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.old, self.new = old, new

    def run(self) -> Iterator[Change]:
        old_ops, new_ops = operations(self.old), operations(self.new)
        for path, method in sorted(set(old_ops) | set(new_ops)):
            at = ("paths", path, method)
            name = f"{method.upper()} {path}"
            if (path, method) not in new_ops:
                if not old_ops[(path, method)].get("deprecated"):
                    yield _f("api-removed-without-deprecation", at, name)
                continue
            if (path, method) not in old_ops:
                yield Change("api-added", pointer(*at), f"{name}: operation added", False)
                continue
            yield from self._operation(old_ops[(path, method)], new_ops[(path, method)], at)

    # --- one operation ---------------------------------------------------------------------

    def _operation(
        self, old: Mapping[str, Any], new: Mapping[str, Any], at: Where
    ) -> Iterator[Change]:
        yield from self._parameters(old.get("parameters") or [], new.get("parameters") or [], at)
        yield from self._request_body(old.get("requestBody"), new.get("requestBody"), at)
        old_responses, new_responses = old.get("responses") or {}, new.get("responses") or {}
        for status, old_response in old_responses.items():
            here = (*at, "responses", status)
            if status not in new_responses:
                if str(status).startswith("2"):
                    yield _f("response-success-status-removed", here, f"status {status}")
                continue
            old_content = self._deref(old_response, self.old).get("content") or {}
            new_content = self._deref(new_responses[status], self.new).get("content") or {}
            for media, old_media in old_content.items():
                if media not in new_content:
                    yield _f("response-media-type-removed", (*here, "content", media), media)
                elif str(status).startswith("2"):
                    yield from self._response_schema(
                        old_media.get("schema"),
                        new_content[media].get("schema"),
                        (*here, "content", media, "schema"),
                        0,
                    )

    def _parameters(self, old: list[Any], new: list[Any], at: Where) -> Iterator[Change]:
        def keyed(
            params: list[Any], spec: Mapping[str, Any]
        ) -> dict[tuple[str, str], tuple[int, Mapping[str, Any]]]:
            resolved = [self._deref(p, spec) for p in params]
            return {(p.get("in", ""), p.get("name", "")): (i, p) for i, p in enumerate(resolved)}

        old_by, new_by = keyed(old, self.old), keyed(new, self.new)
        for key, (index, param) in new_by.items():
            here = (*at, "parameters", index)
            label = f"{key[0]} parameter {key[1]!r}"
            if key not in old_by:
                if param.get("required"):
                    yield _f("new-required-request-parameter", here, label)
                else:
                    yield Change("new-optional-request-parameter", pointer(*here), label, False)
                continue
            before = old_by[key][1]
            if param.get("required") and not before.get("required"):
                yield _f("request-parameter-became-required", here, label)
            yield from self._request_value(
                before.get("schema"), param.get("schema"), (*here, "schema"), "parameter", label
            )

    def _request_body(self, old: Any, new: Any, at: Where) -> Iterator[Change]:
        if new is None:
            return
        new_body = self._deref(new, self.new)
        here = (*at, "requestBody")
        old_body = self._deref(old, self.old) if old is not None else None
        if new_body.get("required") and not (old_body or {}).get("required"):
            yield _f("request-body-became-required", here, "request body")
        if old_body is None:
            return
        old_content = old_body.get("content") or {}
        for media, new_media in (new_body.get("content") or {}).items():
            if media in old_content:
                yield from self._request_schema(
                    old_content[media].get("schema"),
                    new_media.get("schema"),
                    (*here, "content", media, "schema"),
                    0,
                )

    # --- schemas -----------------------------------------------------------------------------

    def _request_schema(self, old: Any, new: Any, at: Where, depth: int) -> Iterator[Change]:
        """New requirements a client's existing request may not meet."""
        if old is None or new is None or depth > MAX_DEPTH:
            return
        old_core, _ = self._core(old, self.old)
        new_core, _ = self._core(new, self.new)
        old_props, new_props = old_core.get("properties") or {}, new_core.get("properties") or {}
        old_required, new_required = (
            set(old_core.get("required") or []),
            set(new_core.get("required") or []),
        )
        for name, schema in new_props.items():
            here = (*at, "properties", name)
            if name not in old_props:
                if name in new_required:
                    yield _f("new-required-request-property", here, f"property {name!r}")
                else:
                    label = f"property {name!r}"
                    yield Change("new-optional-request-property", pointer(*here), label, False)
                continue
            if name in new_required and name not in old_required:
                yield _f("request-property-became-required", here, f"property {name!r}")
            yield from self._request_value(
                old_props[name], schema, here, "property", f"property {name!r}"
            )
            yield from self._request_schema(old_props[name], schema, here, depth + 1)
        if "items" in old_core and "items" in new_core:
            yield from self._request_schema(
                old_core["items"], new_core["items"], (*at, "items"), depth + 1
            )

    def _request_value(
        self, old: Any, new: Any, at: Where, kind: str, label: str
    ) -> Iterator[Change]:
        """Type and enum rules for one request parameter or property."""
        if old is None or new is None:
            return
        old_core, _ = self._core(old, self.old)
        new_core, _ = self._core(new, self.new)
        old_type, new_type = _type_of(old_core), _type_of(new_core)
        if old_type and new_type and old_type != new_type:
            yield _f(f"request-{kind}-type-changed", at, f"{label}: type {old_type} -> {new_type}")
        if "enum" in old_core and "enum" in new_core:
            removed = [v for v in old_core["enum"] if v not in new_core["enum"]]
            if removed:
                yield _f(
                    f"request-{kind}-enum-value-removed",
                    (*at, "enum"),
                    f"{label}: {', '.join(map(repr, removed))}",
                )
        elif "enum" in new_core and "const" not in old_core:
            only = ", ".join(map(repr, new_core["enum"]))
            yield _f(f"request-{kind}-became-enum", (*at, "enum"), f"{label}: only {only}")
        yield from _tightened(old_core, new_core, at, kind, label)

    def _response_schema(self, old: Any, new: Any, at: Where, depth: int) -> Iterator[Change]:
        """What a client may rely on in a response and may no longer get."""
        if old is None or new is None or depth > MAX_DEPTH:
            return
        old_core, _ = self._core(old, self.old)
        new_core, _ = self._core(new, self.new)
        old_props, new_props = old_core.get("properties") or {}, new_core.get("properties") or {}
        old_required = set(old_core.get("required") or [])
        new_required = set(new_core.get("required") or [])
        for name, schema in old_props.items():
            here = (*at, "properties", name)
            label = f"property {name!r}"
            if name not in new_props:
                if name in old_required:
                    yield _f("response-required-property-removed", here, label)
                continue
            if name in old_required and name not in new_required:
                yield _f("response-property-became-optional", here, label)
            _, was_nullable = self._core(schema, self.old)
            _, is_nullable = self._core(new_props[name], self.new)
            if is_nullable and not was_nullable:
                yield _f("response-property-became-nullable", here, label)
            yield from self._response_schema(schema, new_props[name], here, depth + 1)
        for name in new_props.keys() - old_props.keys():
            here = (*at, "properties", name)
            yield Change("response-property-added", pointer(*here), f"property {name!r}", False)
        if "items" in old_core and "items" in new_core:
            yield from self._response_schema(
                old_core["items"], new_core["items"], (*at, "items"), depth + 1
            )

    # --- helpers -----------------------------------------------------------------------------

    def _deref(self, node: Any, spec: Mapping[str, Any]) -> dict[str, Any]:
        seen = set()
        while isinstance(node, Mapping) and "$ref" in node and node["$ref"] not in seen:
            ref = node["$ref"]
            seen.add(ref)
            target: Any = spec
            for part in ref.lstrip("#/").split("/"):
                target = (target or {}).get(part.replace("~1", "/").replace("~0", "~"))
            node = target
        return dict(node) if isinstance(node, Mapping) else {}

    def _core(self, schema: Any, spec: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """The schema without its null alternative, and whether null is allowed."""
        resolved = self._deref(schema, spec)
        nullable = bool(resolved.get("nullable"))
        kinds = resolved.get("type")
        if isinstance(kinds, list) and "null" in kinds:
            others = [k for k in kinds if k != "null"]
            resolved = {**resolved, "type": others[0] if len(others) == 1 else others}
            nullable = True
        for key in ("anyOf", "oneOf"):
            options = resolved.get(key)
            if isinstance(options, list):
                branches = [self._deref(o, spec) for o in options]
                non_null = [b for b in branches if b.get("type") != "null"]
                if len(non_null) < len(branches):
                    nullable = True
                    if len(non_null) == 1:
                        rest = {k: v for k, v in resolved.items() if k != key}
                        resolved = {**rest, **non_null[0]}
        return resolved, nullable


def _tightened(
    old: Mapping[str, Any], new: Mapping[str, Any], at: Where, kind: str, label: str
) -> Iterator[Change]:
    """Bounds lowered, raised or set, and patterns added or changed, on one request value."""
    for keyword, (stem, way) in BOUNDS.items():
        before, after = _bound(old, keyword), _bound(new, keyword)
        if after is None or after == before:
            continue
        here = (*at, keyword)
        if before is None:
            yield _f(f"request-{kind}-{stem}-set", here, f"{label}: {keyword} {after:g}")
        elif after < before if way == "decreased" else after > before:
            yield _f(
                f"request-{kind}-{stem}-{way}", here, f"{label}: {keyword} {before:g} -> {after:g}"
            )
    before, after = old.get("pattern"), new.get("pattern")
    if after is not None and after != before:
        change = "added" if before is None else "changed"
        shown = f"{after!r}" if before is None else f"{before!r} -> {after!r}"
        yield _f(f"request-{kind}-pattern-{change}", (*at, "pattern"), f"{label}: {shown}")


def _bound(schema: Mapping[str, Any], keyword: str) -> float | None:
    # OpenAPI 3.0's boolean exclusiveMaximum/exclusiveMinimum is a flag, not a bound, and is
    # skipped (FastAPI writes 3.1, where both are numbers); float(True) would read it as 1.
    value = schema.get(keyword)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _type_of(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        return "|".join(sorted(map(str, kind)))
    return str(kind) if kind else None


def _f(rule: str, at: Where, what: str) -> Change:
    return Change(rule, pointer(*at), f"{RULES[rule]}: {what}")
