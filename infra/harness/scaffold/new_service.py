"""`nox -s new-service -- <name>`: copy services/_template and register the copy everywhere.

Everything is computed in memory first (plan), then written in one go (apply): new files
are staged in a hidden directory and renamed into place, edited files are replaced
whole, and any failure, including the lint check of the result, restores every file.
"""

from __future__ import annotations

import dataclasses
import difflib
import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import paths, proc, registry
from harness.docker import dockerfiles
from harness.docker.compose import COMPOSE_FILE, ENV_TEMPLATE, OVERRIDE_SAMPLE
from harness.errors import HarnessError
from harness.lint import policy, tools
from harness.scaffold import compose_edit, jsontext

TEMPLATE_DIR = "services/_template"
# Where each kind's host ports start; a new component takes the first free one at or above.
PORT_BASES = {"backend": 8000, "frontend": 3000}
# Names that would read as something other than a service (a directory, a profile, the
# harness), besides the infrastructure names the registry already holds.
RESERVED = frozenset(
    {"all", "annadata", "common", "data", "default", "harness", "infra", "libs", "reports",
     "services", "shared", "src", "template", "test", "tests"}
)  # fmt: skip


@dataclass
class Plan:
    """What scaffolding one service writes: new files, and edited files as (old, new)."""

    name: str
    components: list[registry.Component]
    created: dict[str, str] = field(default_factory=dict)
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)

    def diff(self) -> str:
        """A unified diff of the edits, and the new files by path and size."""
        out: list[str] = []
        for rel, (old, new) in self.changed.items():
            out.extend(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    f"a/{rel}",
                    f"b/{rel}",
                )
            )
        out.append(f"new files ({len(self.created)}, from {TEMPLATE_DIR}):\n")
        out.extend(f"  {rel} ({len(t.splitlines())} lines)\n" for rel, t in self.created.items())
        return "".join(out)


def plan(root: Path, name: str, *, frontend: bool = False, profile: str | None = None) -> Plan:
    """The files scaffolding `name` would write; raises HarnessError if it must not run."""
    reg = registry.load(root)
    schema = registry.schema(root)
    _check_name(root, reg, name, schema)
    if profile is not None:
        _check_profile(profile, schema)
    if frontend and not (root / TEMPLATE_DIR / "frontend").is_dir():
        raise HarnessError(f"{TEMPLATE_DIR}/frontend is missing: restore it to use --frontend")

    taken = set(reg.host_ports().values())
    backend_port = _free_port(PORT_BASES["backend"], taken)
    backend = registry.Component(
        service=name, kind="backend", directory=f"services/{name}/backend", entrypoint="app:app",
        port=backend_port, health="/health", openapi="/openapi.json", profile=profile,
    )  # fmt: skip
    components = [backend]
    if frontend:
        components.append(
            registry.Component(
                service=name,
                kind="frontend",
                directory=f"services/{name}/frontend",
                port=_free_port(PORT_BASES["frontend"], taken | {backend_port}),
                health="/",
                profile=profile,
                depends_on=(backend.ref,),
            )
        )
    grown = dataclasses.replace(reg, services={**reg.services, name: tuple(components)})
    result = Plan(name, components)
    result.created = _copy_template(root, grown, components)
    edits: dict[str, Callable[[str], str]] = {
        paths.REGISTRY_FILE: lambda old: _register(old, name, components),
        COMPOSE_FILE: lambda old: compose_edit.add_components(old, components, grown),
        OVERRIDE_SAMPLE: lambda old: compose_edit.add_hot_reload(old, components, grown),
        ENV_TEMPLATE: lambda old: _env_block(old, name, components),
    }
    for rel, edit in edits.items():
        path = root / rel
        if rel == OVERRIDE_SAMPLE and not path.is_file():
            continue  # optional: a repository may have no hot-reload sample
        old = _read(path)
        result.changed[rel] = (old, edit(old))
    return result


def apply(root: Path, planned: Plan, verify: bool = True) -> None:
    """Write the plan; on any failure (or new lint findings) put every file back and raise."""
    service_dir = root / "services" / planned.name
    if service_dir.exists():
        raise HarnessError(f"services/{planned.name} appeared meanwhile: nothing written")
    for rel, (old, _) in planned.changed.items():
        if _read(root / rel) != old:
            raise HarnessError(f"{rel} changed since the plan was made: run again; nothing written")
    before = _policy_findings(root) if verify else set()
    staging = Path(tempfile.mkdtemp(prefix=f".{planned.name}-", dir=root / "services"))
    # mkdtemp makes it private (0700): give it the permissions its siblings have.
    os.chmod(staging, (root / "services").stat().st_mode & 0o777)
    existed = {rel for rel in planned.changed if (root / rel).exists()}
    moved = False
    replaced: list[str] = []
    staged_edits: dict[str, str] = {}
    writing = f"services/{planned.name}"  # what the error names if a write fails
    try:
        for rel, text in planned.created.items():
            target = staging / Path(rel).relative_to(f"services/{planned.name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        for rel, (_, new) in planned.changed.items():
            writing = rel
            staged_edits[rel] = _stage_file(root / rel, new)
        # Fails (ENOTEMPTY) rather than replace a directory someone made meanwhile.
        writing = f"services/{planned.name}"
        os.rename(staging, service_dir)
        moved = True
        for rel, temp in staged_edits.items():
            writing = rel
            replaced.append(rel)  # before the replace: a Ctrl-C between the two is undone too
            os.replace(temp, root / rel)
        if verify:
            _verify(root, planned, before)
    except BaseException as exc:
        for rel in replaced:
            if rel in existed:
                (root / rel).write_text(planned.changed[rel][0], encoding="utf-8")
            else:
                (root / rel).unlink(missing_ok=True)
        for temp in staged_edits.values():
            Path(temp).unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        if moved:
            shutil.rmtree(service_dir, ignore_errors=True)
        if isinstance(exc, OSError):
            raise HarnessError(
                f"scaffolding {planned.name}: cannot write {writing}: "
                f"{exc.strerror or exc}; nothing was written"
            ) from exc
        raise


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One scaffold at a time per checkout: two would both take the same port."""
    lock_path = root / paths.STATE_DIR / "new-service.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise HarnessError(
                f"another `nox -s new-service` is running in this checkout ({lock_path} is "
                "locked): wait for it, then run again"
            ) from exc
        yield


def run(
    root: Path, name: str, *, frontend: bool = False, profile: str | None = None,
    dry_run: bool = False,
) -> int:  # fmt: skip
    """The command: print the plan's diff (--dry-run) or apply it and say what comes next."""
    with _locked(root):
        planned = plan(root, name, frontend=frontend, profile=profile)
        if dry_run:
            print(planned.diff(), end="")
            print("dry run: nothing written")
            return 0
        # Ctrl-C and SIGTERM wait until the files are all written or all restored: apply
        # takes a second, and a signal between two of its steps would leave a mix.
        with proc.signals_deferred():
            apply(root, planned)
    for comp in planned.components:
        print(
            f"{comp.ref}: {comp.directory}, port {comp.port} ({comp.port_variable}), "
            f"http://{comp.route_host}"
        )
    edited = ", ".join(planned.changed)
    print(f"registered in {edited}; {len(planned.created)} files from {TEMPLATE_DIR}")
    print(
        f"next: add routes in services/{name}/backend/app.py, `nox -s contract -- --update` "
        f"(refreshes its openapi.yaml), `nox -s \"unit(target='{name}.backend')\"`, "
        "`nox -s smoke`"
    )
    return 0


# --- checks --------------------------------------------------------------------------------


def _is_name(value: str, schema: dict[str, Any]) -> bool:
    """value fits the registry schema's name ($defs/name: snake_case, bounded length)."""
    return bool(registry.validator(schema["$defs"]["name"]).is_valid(value))


def _check_name(root: Path, reg: registry.Registry, name: str, schema: dict[str, Any]) -> None:
    if not _is_name(name, schema):
        raise HarnessError(
            f"invalid service name {name!r}: use snake_case (lowercase letters, digits, single "
            "underscores, starting with a letter, at most "
            f"{schema['$defs']['name']['maxLength']} characters), e.g. pest_alerts"
        )
    if name in RESERVED or name in reg.infrastructure:
        raise HarnessError(f"service name {name!r} is reserved: choose another, e.g. {name}_api")
    if name in reg.services:
        raise HarnessError(
            f"{paths.REGISTRY_FILE}: service {name!r} already exists: choose another name"
        )
    if (root / "services" / name).exists():
        raise HarnessError(
            f"services/{name} already exists (not in {paths.REGISTRY_FILE}): "
            "move it away or choose another name; nothing is overwritten"
        )


def _check_profile(profile: str, schema: dict[str, Any]) -> None:
    if profile == "default" or not _is_name(profile, schema):
        raise HarnessError(
            f"invalid profile {profile!r}: use a snake_case name other than `default` "
            "(leave --profile out for the default stack)"
        )


def _free_port(base: int, taken: set[int]) -> int:
    port = base
    while port in taken:
        port += 1
    return port


# --- file contents -------------------------------------------------------------------------


def tokens(name: str, components: list[registry.Component]) -> dict[str, str]:
    """Placeholder -> value for the template's files."""
    ports = {c.kind: c.port for c in components}
    values = {
        "__SERVICE_NAME__": name,
        "__SERVICE_SLUG__": name.replace("_", "-"),
        "__SERVICE_PORT__": str(ports["backend"]),
    }
    if "frontend" in ports:
        values["__FRONTEND_PORT__"] = str(ports["frontend"])
    return values


def _copy_template(
    root: Path, reg: registry.Registry, components: list[registry.Component]
) -> dict[str, str]:
    name = components[0].service
    values = tokens(name, components)
    kinds = {c.kind: c for c in components}
    created = {}
    # What git sees (tracked and not ignored): no caches, venvs or local .env files.
    listed = [n for n in tools.files(root) if n.startswith(f"{TEMPLATE_DIR}/")]
    for name_in_repo in listed:
        path = root / name_in_repo
        rel = Path(name_in_repo).relative_to(TEMPLATE_DIR)
        if rel.parts[0] in ("backend", "frontend") and rel.parts[0] not in kinds:
            continue
        target = f"services/{name}/{rel.as_posix()}"
        if rel.parts[-1] == "Dockerfile":
            created[target] = dockerfiles.expected(root, reg, kinds[rel.parts[0]])
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise HarnessError(
                f"{name_in_repo}: not UTF-8 text: the template holds text files only; "
                "remove it or add it to .gitignore"
            ) from exc
        for token, value in values.items():
            text = text.replace(token, value)
        leftover = re.search(r"__[A-Z]+(?:_[A-Z]+)*__", text)
        if leftover:
            raise HarnessError(
                f"{TEMPLATE_DIR}/{rel.as_posix()}: unknown placeholder {leftover.group()} "
                f"(known: {', '.join(values)})"
            )
        created[target] = text
    return created


def _register(text: str, name: str, components: list[registry.Component]) -> str:
    data = json.loads(text)
    description = f"{name}: scaffolded from {TEMPLATE_DIR}; describe it here."
    entry: dict[str, Any] = {"description": description, "components": {}}
    for comp in components:
        spec = {"directory": comp.directory, "entrypoint": comp.entrypoint, "port": comp.port,
                "health": comp.health, "openapi": comp.openapi, "profile": comp.profile,
                "depends_on": list(comp.depends_on) or None}  # fmt: skip
        entry["components"][comp.kind] = {k: v for k, v in spec.items() if v is not None}
    data["services"][name] = entry
    return jsontext.dumps(data)


def _env_block(text: str, name: str, components: list[registry.Component]) -> str:
    """.env.example with a block for the service after the last service block."""
    title = f"# --- {name}" + (f" (profile {components[0].profile}) " if components[0].profile
                                else " ")  # fmt: skip
    block = [title.ljust(89, "-")]
    block += [f"{c.port_variable}={c.port}" for c in components]
    paragraphs = [p for p in text.rstrip("\n").split("\n\n") if p]
    last = max((i for i, p in enumerate(paragraphs) if p.startswith("# --- ")), default=None)
    at = len(paragraphs) if last is None else last + 1
    paragraphs.insert(at, "\n".join(block))
    return "\n\n".join(paragraphs) + "\n"


# --- writing -------------------------------------------------------------------------------


def _read(path: Path) -> str:
    """A file's text; empty when it does not exist."""
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _stage_file(path: Path, text: str) -> str:
    """text in a temporary file beside path (same filesystem, so os.replace is atomic)."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    if path.exists():
        os.chmod(temp, path.stat().st_mode & 0o777)
    return temp


def _policy_findings(root: Path) -> set[str]:
    # Without line numbers: an entry added above a finding moves it, and it is not new.
    return {f"{f.path}: {f.rule} {f.message}" for f in policy.check(root)}


def _verify(root: Path, planned: Plan, before: set[str]) -> None:
    """The stack policy finds nothing new in the result (registry, compose, env, Dockerfiles)."""
    registry.load(root)
    new = sorted(_policy_findings(root) - before)
    if new:
        raise HarnessError(
            f"scaffolding {planned.name} would leave a lint finding, so nothing was written: "
            f"{new[0]}" + (f" (+{len(new) - 1} more)" if len(new) > 1 else "")
        )
