"""Compare two OpenAPI documents as parsed data and say what differs, in a reviewer's terms.

Operations and component schemas are reported as added, removed or changed (with the
first differing JSON pointer inside each); anything else as changed at its pointer.
Imports only the standard library, ruamel.yaml and the harness's own standard-library
modules: it also runs inside service venvs (with the harness on PYTHONPATH).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from harness import safeload, yamlpos
from harness.errors import HarnessError

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SPEC_FILE = "openapi.yaml"


def load(path: Path, where: str | None = None) -> dict[str, Any]:
    """A YAML (or JSON) OpenAPI document as plain data; HarnessError naming where:line if not."""
    where = where or str(path)
    return loads(safeload.read_text(path, "OpenAPI spec", where=where), where)


REGENERATE = "regenerate it with `nox -s contract -- --update`"


def loads(text: str, where: str = SPEC_FILE, fix: str = REGENERATE) -> dict[str, Any]:
    """The same, from text (e.g. `git show REF:path`); fix is what an error tells the user."""
    try:
        # libyaml's plain data: a spec is read on every unit run, and its lines only on a problem.
        data = safeload.loads_yaml(text, where, lines=False)
    except HarnessError as exc:
        raise HarnessError(f"{exc}; {fix}") from exc
    spec = {} if data is None else data
    problem = _shape_problem(spec)
    if problem:
        at, what = problem
        line = yamlpos.line_at(safeload.document(text), at)
        field = pointer(*at) if at else "the document"
        raise HarnessError(
            f"{where}:{line}: {field} is {what}: not an OpenAPI document the contract can "
            f"compare; {fix}"
        )
    return dict(spec)


def _shape_problem(spec: Any) -> tuple[list[str | int], str] | None:
    """Where the mappings this module reads are something else, and what they are instead."""
    if not isinstance(spec, Mapping):
        return [], f"{_kind(spec)}, not a mapping"
    for key, inner in (("paths", None), ("components", "schemas")):
        section = spec.get(key)
        if section is None:
            continue
        if not isinstance(section, Mapping):
            return [key], f"{_kind(section)}, not a mapping"
        if inner is not None:
            part = section.get(inner)
            if part is not None and not isinstance(part, Mapping):
                return [key, inner], f"{_kind(part)}, not a mapping"
            names = list(part or {})
        else:
            names = list(section)
            for name, item in section.items():
                if item is not None and not isinstance(item, Mapping):
                    return [key, name], f"{_kind(item)}, not a path item (a mapping)"
        # Names are sorted for the report: a number among strings would not compare.
        for name in names:
            if not isinstance(name, str):
                where: list[str | int] = [key, *([inner] if inner else []), name]
                return where, f"named by {_kind(name)} ({name!r}), not a string"
    return None


def _kind(value: Any) -> str:
    """A YAML value's kind as a reader names it: a list, a number, a string..."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else f"a {type(value).__name__}"


def dump(spec: Mapping[str, Any]) -> str:
    """The document as YAML in the committed files' style (block style, keys in order)."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # keep key order
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump(_plain(spec), out)
    return out.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def pointer(*parts: str | int) -> str:
    """A JSON pointer (RFC 6901) from raw path segments."""
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def operations(spec: Mapping[str, Any]) -> dict[tuple[str, str], Any]:
    """(path, method) -> operation object."""
    return {
        (path, method): op
        for path, item in (spec.get("paths") or {}).items()
        for method, op in (item or {}).items()
        if method in METHODS
    }


def first_differing_path(
    a: Any, b: Any, at: tuple[str | int, ...] = ()
) -> tuple[str | int, ...] | None:
    """The path to the first place a and b differ, or None when equal."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in [*a, *(k for k in b if k not in a)]:
            if key not in a or key not in b:
                return (*at, key)
            found = first_differing_path(a[key], b[key], (*at, key))
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = first_differing_path(x, y, (*at, i))
            if found is not None:
                return found
        return None if len(a) == len(b) else (*at, min(len(a), len(b)))
    return None if a == b else at


def differences(committed: Mapping[str, Any], generated: Mapping[str, Any]) -> list[str]:
    """What the generated document changes relative to the committed one, one line each."""
    return list(_differences(committed, generated))


def _differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[str]:
    old_ops, new_ops = operations(old), operations(new)
    for key in sorted(set(old_ops) | set(new_ops)):
        label = f"operation {key[1].upper()} {key[0]}"
        if key not in new_ops:
            yield f"{label}: removed"
        elif key not in old_ops:
            yield f"{label}: added"
        elif old_ops[key] != new_ops[key]:
            where: tuple[str | int, ...] = first_differing_path(old_ops[key], new_ops[key]) or ()
            yield f"{label}: changed at {pointer('paths', key[0], key[1], *where)}"
    old_schemas = (old.get("components") or {}).get("schemas") or {}
    new_schemas = (new.get("components") or {}).get("schemas") or {}
    for name in sorted(set(old_schemas) | set(new_schemas)):
        if name not in new_schemas:
            yield f"schema {name}: removed"
        elif name not in old_schemas:
            yield f"schema {name}: added"
        elif old_schemas[name] != new_schemas[name]:
            where = first_differing_path(old_schemas[name], new_schemas[name]) or ()
            yield f"schema {name}: changed at {pointer('components', 'schemas', name, *where)}"
    rest_old = _without_covered(old)
    rest_new = _without_covered(new)
    rest = first_differing_path(rest_old, rest_new)
    if rest is not None:
        yield f"document: changed at {pointer(*rest)}"


def _without_covered(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The document minus operations and schemas (reported on their own above)."""
    rest = {k: v for k, v in spec.items() if k != "paths"}
    components = dict(rest.get("components") or {})
    components.pop("schemas", None)
    if components:
        rest["components"] = components
    else:
        rest.pop("components", None)
    paths = {
        path: {k: v for k, v in (item or {}).items() if k not in METHODS}
        for path, item in (spec.get("paths") or {}).items()
    }
    if any(paths.values()):
        rest["paths"] = {p: item for p, item in paths.items() if item}
    return rest
