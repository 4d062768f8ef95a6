"""The service registry (services.json): load, validate against its schema, and query.

Importable with the standard library alone (jsonschema and ruamel, through safeload, are
imported when a registry is loaded): the noxfile reads the registry with `parse`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import paths, yamlpos
from harness.errors import HarnessError

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

KINDS = ("backend", "frontend", "worker")
# Frontends: built and served by nginx, or a Node server (Next.js `next start`).
SERVE_KINDS = ("static", "server")
ROOT_CONTEXT = "."


@dataclass(frozen=True)
class Component:
    """One deployable part of a service: its backend, frontend or worker."""

    service: str
    kind: str
    directory: str
    entrypoint: str | None = None
    port: int | None = None
    health: str | None = None
    openapi: str | None = None
    profile: str | None = None
    depends_on: tuple[str, ...] = ()
    mounts: tuple[str, ...] = ()
    context: str = ROOT_CONTEXT
    dockerfile: str | None = None
    # Foreign layout (an adopted repository): the requirements file and the run directory.
    requirements: str | None = None
    workdir: str | None = None
    docs: str | None = None
    serve: str = "static"
    build_output: str = "dist"

    @property
    def dockerfile_path(self) -> str:
        """Its Dockerfile, relative to the root: `dockerfile`, else <directory>/Dockerfile."""
        return self.dockerfile or f"{self.directory}/Dockerfile"

    @property
    def foreign(self) -> bool:
        """Laid out as found in an adopted repository (names its own requirements file)."""
        return self.requirements is not None

    @property
    def run_directory(self) -> str:
        """The directory its entrypoint runs from (the image's /app)."""
        return self.workdir or self.directory

    def mount_target(self, path: str) -> str:
        """Where a read-only mount appears: /app/<path relative to the run directory>.

        A path inside the run directory keeps its place beside the code (an app reading
        `data/` next to itself finds it); any other path keeps its repository path.
        """
        base = self.run_directory
        if base != ROOT_CONTEXT and (path + "/").startswith(base + "/"):
            path = path[len(base) + 1 :] or ROOT_CONTEXT
        return "/app" if path == ROOT_CONTEXT else f"/app/{path}"

    @property
    def ref(self) -> str:
        """How other entries name it in depends_on: service.kind."""
        return f"{self.service}.{self.kind}"

    @property
    def compose_name(self) -> str:
        """Its compose service (and image) name: service-kind."""
        return f"{self.service}-{self.kind}"

    @property
    def port_variable(self) -> str:
        """The .env variable that moves its host port: SERVICE_KIND_PORT."""
        return f"{self.service}_{self.kind}_PORT".upper()

    @property
    def route_host(self) -> str | None:
        """The host Traefik routes to it: <service>.localhost, backends <service>.api.localhost.

        Hyphens, not underscores: browsers and resolvers reject underscores in host names.
        """
        if self.port is None:
            return None
        label = self.service.replace("_", "-")
        return f"{label}.api.localhost" if self.kind == "backend" else f"{label}.localhost"


@dataclass(frozen=True)
class Infrastructure:
    """A third-party service of the stack (postgres, redis, socket_proxy, traefik)."""

    name: str
    image_variable: str
    ports: dict[str, int]


@dataclass(frozen=True)
class Registry:
    """The validated registry; every list of services in the harness comes from here."""

    path: Path
    services: dict[str, tuple[Component, ...]]
    infrastructure: dict[str, Infrastructure]

    def components(self, kind: str | None = None) -> list[Component]:
        """All components in registry order, optionally of one kind."""
        return [
            c for comps in self.services.values() for c in comps if kind is None or c.kind == kind
        ]

    def component(self, ref: str) -> Component:
        """The component named service.kind; a clear error when there is none."""
        for comp in self.components():
            if comp.ref == ref:
                return comp
        known = ", ".join(c.ref for c in self.components())
        raise HarnessError(f"{self.path.name}: no component {ref!r} (known: {known})")

    def select(self, names: Sequence[str]) -> list[Component]:
        """Components named as service or service.kind, in registry order; all when none."""
        if not names:
            return self.components()
        chosen: list[Component] = []
        for name in names:
            matches = [c for c in self.components() if name in (c.ref, c.service)]
            if not matches:
                known = ", ".join(sorted(self.services))
                raise HarnessError(f"no service or component {name!r} (known: {known})")
            chosen += [c for c in matches if c not in chosen]
        return [c for c in self.components() if c in chosen]

    def profiles(self) -> list[str]:
        """The compose profiles components opt into, sorted (the default stack has none)."""
        return sorted({c.profile for c in self.components() if c.profile})

    def active(self, profiles: Sequence[str] | None = None) -> list[Component]:
        """Components compose starts with these profiles: the default stack plus theirs.

        None means every profile; an unknown profile is an error naming the known ones.
        """
        known = self.profiles()
        if profiles is None:
            profiles = known
        unknown = sorted(set(profiles) - set(known) - {"default"})
        if unknown:
            raise HarnessError(
                f"{self.path.name}: no profile {unknown[0]!r} "
                f"(known: default, {', '.join(known) or 'none'})"
            )
        return [c for c in self.components() if c.profile is None or c.profile in profiles]

    def networks(self, comp: Component) -> list[str]:
        """The compose networks comp joins: its service's, and its infrastructure's.

        Least privilege (the lint policy's ANN013): no container reaches what it does not use.
        """
        return [comp.service, *(d for d in comp.depends_on if d in self.infrastructure)]

    def host_ports(self) -> dict[str, int]:
        """Every host port the dev stack binds on 127.0.0.1, keyed by who binds it."""
        ports = {c.ref: c.port for c in self.components() if c.port is not None}
        for infra in self.infrastructure.values():
            ports.update({f"{infra.name}.{purpose}": p for purpose, p in infra.ports.items()})
        return ports


def load(root: Path | None = None, path: Path | None = None) -> Registry:
    """Load and validate services.json; raise HarnessError with file:line on the first problem."""
    from harness import safeload

    root = root or paths.repo_root()
    path = path or root / paths.REGISTRY_FILE
    text = safeload.read_text(path, "service registry", where=path.name)
    data = safeload.loads_json(text, path.name)
    _check_schema(path, text, data, schema(root))
    registry = _build(path, data)
    _check_semantics(registry, root, text)
    return registry


def parse(path: Path, text: str) -> Registry:
    """The registry in text, unchecked, for the noxfile (standard library only); `load` checks.

    Malformed text raises ValueError, KeyError, TypeError or AttributeError.
    """
    return _build(path, json.loads(text))


def schema(root: Path) -> dict[str, Any]:
    """The registry's JSON Schema."""
    from harness import safeload

    schema_path = root / paths.REGISTRY_SCHEMA
    try:
        return dict(json.loads(safeload.read_text(schema_path, "registry schema")))
    except json.JSONDecodeError as exc:
        raise HarnessError(f"{schema_path}: cannot load the registry schema ({exc})") from exc


def _ecma_pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    # JSON Schema patterns are ECMA-262, where `$` matches only at the very end; Python's
    # `$` also matches before a final newline, which let "soil_health\n" through.
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not re.search(
        _END_ANCHOR.sub(r"\\Z", pattern), instance
    ):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# An unescaped `$` outside a character class (the schema's patterns use no classes with `$`).
_END_ANCHOR = re.compile(r"(?<!\\)\$")


@functools.cache
def _validator_class() -> Any:
    import jsonschema

    return jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        jsonschema.Draft202012Validator, {"pattern": _ecma_pattern}
    )


def validator(schema_part: dict[str, Any]) -> Any:
    """A validator for (part of) the registry schema, with ECMA-262 pattern semantics."""
    return _validator_class()(schema_part)


def _check_schema(path: Path, text: str, data: Any, full: dict[str, Any]) -> None:
    from jsonschema.exceptions import best_match

    from harness import safeload

    errors = list(validator(full).iter_errors(data))
    if not errors:
        return
    # An unevaluated/additional-properties error whose keys are all known is an echo of a
    # failure inside one of them (a pattern, a type): report that failure instead.
    causes = [e for e in errors if _unknown_keys(e, full) != []] or errors
    error = best_match(causes)
    where, what, key_path = _describe(error, full)
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    line = yamlpos.line_at(safeload.document(text), key_path)
    raise HarnessError(f"{path.name}:{line}: {where}: {what}{more}; see {paths.REGISTRY_SCHEMA}")


def _unknown_keys(error: ValidationError, full: dict[str, Any]) -> list[str] | None:
    """Keys an additional/unevaluated-properties error is about; None for other errors."""
    if error.validator not in ("additionalProperties", "unevaluatedProperties"):
        return None
    return sorted(set(_as_dict(error.instance)) - _known_keys(error, full))


def _describe(error: ValidationError, full: dict[str, Any]) -> tuple[str, str, list[str | int]]:
    """(entry, message, key path for the line) for one schema error."""
    key_path = list(error.absolute_path)
    where = ".".join(str(p) for p in key_path) or "(top level)"
    if "propertyNames" in error.absolute_schema_path:
        name = error.instance
        return (
            where,
            f"invalid name {name!r}: use snake_case (lowercase letters, digits, single "
            "underscores, starting with a letter, at most 40 characters)",
            [*key_path, str(name)],
        )
    unknown = _unknown_keys(error, full)
    if unknown:
        known = sorted(_known_keys(error, full))
        allowed = f" (allowed: {', '.join(known)})" if known else ""
        return where, f"unknown key {unknown[0]!r}{allowed}", [*key_path, unknown[0]]
    if error.validator == "required":
        return where, error.message.replace("is a required property", "is missing"), key_path
    explained = _as_dict(error.schema).get("errorMessage")
    if explained:
        # The schema says what the rule means; a regex dump does not.
        return where, f"{error.instance!r} {explained}", key_path
    return where, error.message, key_path


def _as_dict(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _known_keys(error: ValidationError, full: dict[str, Any]) -> set[str]:
    """The properties the failing object's schema names, its allOf parts included."""
    schema_part = _as_dict(error.schema)
    known = set(schema_part.get("properties", {}))
    for sub in schema_part.get("allOf", []):
        # The error keeps only its own sub-schema: follow local $refs from the root.
        name = sub.get("$ref", "").removeprefix("#/$defs/")
        known |= set(full.get("$defs", {}).get(name, sub).get("properties", {}))
    return known


def from_data(path: Path, data: dict[str, Any]) -> Registry:
    """A Registry from already validated data (adopt builds one before writing the file)."""
    return _build(path, data)


def _build(path: Path, data: dict[str, Any]) -> Registry:
    services = {
        name: tuple(
            Component(
                service=name,
                kind=kind,
                directory=spec["directory"],
                entrypoint=spec.get("entrypoint"),
                port=spec.get("port"),
                health=spec.get("health"),
                openapi=spec.get("openapi"),
                profile=spec.get("profile"),
                depends_on=tuple(spec.get("depends_on", ())),
                mounts=tuple(spec.get("mounts", ())),
                context=spec.get("context", ROOT_CONTEXT),
                dockerfile=spec.get("dockerfile"),
                requirements=spec.get("requirements"),
                workdir=spec.get("workdir"),
                docs=spec.get("docs"),
                serve=spec.get("serve", "static"),
                build_output=spec.get("build_output", "dist"),
            )
            for kind, spec in entry["components"].items()
        )
        for name, entry in data["services"].items()
    }
    infrastructure = {
        name: Infrastructure(name, spec["image_variable"], dict(spec["ports"]))
        for name, spec in data["infrastructure"].items()
    }
    return Registry(path, services, infrastructure)


def _check_semantics(registry: Registry, root: Path, text: str) -> None:
    from harness import safeload

    for problem in _semantic_problems(registry, root):
        key_path, message = problem
        line = yamlpos.line_at(safeload.document(text), key_path)
        raise HarnessError(f"{registry.path.name}:{line}: {'.'.join(key_path)}: {message}")


def _semantic_problems(registry: Registry, root: Path) -> Iterator[tuple[list[str], str]]:
    clash = set(registry.services) & set(registry.infrastructure)
    for name in sorted(clash):
        yield ["infrastructure", name], f"name {name!r} is also a service: rename one of them"

    refs = {c.ref for c in registry.components()} | set(registry.infrastructure)
    owners: dict[int, str] = {}
    for comp in registry.components():
        at = ["services", comp.service, "components", comp.kind]
        yield from _path_problems(root, comp, at)
        for dep in comp.depends_on:
            if dep == comp.ref:
                yield [*at, "depends_on"], f"{comp.ref} depends on itself"
            elif dep not in refs:
                yield (
                    [*at, "depends_on"],
                    (f"unknown dependency {dep!r} (known: {', '.join(sorted(refs))})"),
                )
        if comp.port is not None:
            if comp.port in owners:
                yield [*at, "port"], f"port {comp.port} is already used by {owners[comp.port]}"
            owners[comp.port] = comp.ref
    for infra in registry.infrastructure.values():
        for purpose, port in infra.ports.items():
            if port in owners:
                yield (
                    ["infrastructure", infra.name, "ports", purpose],
                    (f"port {port} is already used by {owners[port]}"),
                )
            owners[port] = f"{infra.name}.{purpose}"


def inside(root: Path, rel: str) -> bool:
    """Whether root/rel, symlinks resolved, stays inside root (a symlink may not lead out)."""
    try:
        (root / rel).resolve(strict=False).relative_to(root.resolve())
    except (ValueError, RuntimeError, OSError):  # RuntimeError: a symlink loop
        return False
    return True


def _path_problems(root: Path, comp: Component, at: list[str]) -> Iterator[tuple[list[str], str]]:
    """Every path a component names exists, has the right type, and stays inside the tree."""
    named: list[tuple[str, str, str]] = [("directory", comp.directory, "dir")]
    named.append(("context", comp.context, "dir"))
    if comp.workdir:
        named.append(("workdir", comp.workdir, "dir"))
    if comp.requirements:
        named.append(("requirements", comp.requirements, "file"))
    named += [("mounts", mount, "any") for mount in comp.mounts]
    for field_name, rel, kind in named:
        path = root / rel
        if not inside(root, rel):
            yield (
                [*at, field_name],
                f"{rel!r} leads outside the repository (a symlink): name a path inside it",
            )
        elif not path.exists():
            if field_name == "directory":
                hint = (
                    "create it (`nox -s new-service -- NAME` scaffolds a service) or fix the path"
                )
            else:
                hint = "fix the path (relative to the repository root)"
            yield [*at, field_name], f"{field_name} {rel!r} does not exist: {hint}"
        elif kind == "dir" and not path.is_dir():
            yield [*at, field_name], f"{field_name} {rel!r} is not a directory"
        elif kind == "file" and not path.is_file():
            yield [*at, field_name], f"{field_name} {rel!r} is not a file"
    if comp.context != ROOT_CONTEXT:
        for field_name, maybe in (("requirements", comp.requirements), ("workdir", comp.workdir)):
            if maybe and not (maybe + "/").startswith(comp.context + "/"):
                yield (
                    [*at, field_name],
                    f"{maybe!r} is outside the build context {comp.context!r}: the image "
                    "cannot copy it; widen `context` (the root, `.`, sees everything)",
                )
        if not comp.foreign:
            yield (
                [*at, "context"],
                "a component in the services/ layout builds from the root (its Dockerfile "
                "copies libs/): remove `context`",
            )
