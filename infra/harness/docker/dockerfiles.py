"""Service Dockerfiles are their template with only the first block's ARG defaults changed."""

from __future__ import annotations

import re
from pathlib import Path

from harness import files, registry, safeload
from harness.errors import HarnessError

TEMPLATES = {
    "backend": "infra/docker-templates/Dockerfile.python",
    "worker": "infra/docker-templates/Dockerfile.python",
    "frontend": "infra/docker-templates/Dockerfile.node",
}
# Python components of an adopted repository: their own requirements, no shared libs/.
FOREIGN_PYTHON_TEMPLATE = "infra/docker-templates/Dockerfile.python-app"
ALL_TEMPLATES = (*sorted(set(TEMPLATES.values())), FOREIGN_PYTHON_TEMPLATE)
# The scaffold's own Dockerfile is the Python template as it stands (its defaults name it).
TEMPLATE_SERVICE_DIR = "services/_template/backend"
# Build targets per kind (the backend and static frontend are their template's last stage);
# a frontend's target is how it is served (static or server).
TARGETS = {"backend": "backend", "worker": "worker", "frontend": "static"}
_ARG = re.compile(r"^ARG (?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


def template(comp: registry.Component) -> str:
    """The template comp's Dockerfile is rendered from."""
    if comp.foreign and comp.kind != "frontend":
        return FOREIGN_PYTHON_TEMPLATE
    return TEMPLATES[comp.kind]


def target(comp: registry.Component) -> str:
    """The build target (stage) of comp's image."""
    return comp.serve if comp.kind == "frontend" else TARGETS[comp.kind]


def _in_context(comp: registry.Component, rel: str) -> str:
    """rel (from the root) as the Dockerfile sees it: relative to the build context."""
    if comp.context == registry.ROOT_CONTEXT:
        return rel
    return rel[len(comp.context) + 1 :] if rel != comp.context else "."


def app_copy(comp: registry.Component) -> tuple[str, str]:
    """(source in the context, destination) of a foreign component's code.

    Run from its own directory, the directory is the image's /app. Run from an ancestor
    (a package-style app, `src.api.app:app` from the root), only the entrypoint's top-level
    package is copied, to its place below /app: the rest of the tree is not its code.
    """
    run_dir = comp.run_directory
    module = (comp.entrypoint or "").split(":", 1)[0]
    if run_dir == comp.directory or not module:
        return _in_context(comp, run_dir), "/app"
    top = module.split(".", 1)[0]
    source = top if run_dir == registry.ROOT_CONTEXT else f"{run_dir}/{top}"
    if "." not in module:
        # A single module beside the run directory: app.py, not a package.
        source += ".py"
        top += ".py"
    return _in_context(comp, source), f"/app/{top}"


def service_args(reg: registry.Registry, comp: registry.Component) -> dict[str, str]:
    """The ARG defaults that make the template this component's Dockerfile."""
    if template(comp) == FOREIGN_PYTHON_TEMPLATE:
        source, dest = app_copy(comp)
        args = {
            "REQUIREMENTS": _in_context(comp, comp.requirements or ""),
            "APP_SOURCE": source,
            "APP_DEST": dest,
            "ENTRYPOINT": comp.entrypoint or "",
            "HEALTH_PATH": comp.health or comp.openapi or "/health",
        }
        if comp.port is not None:
            args["SERVICE_PORT"] = str(comp.port)
        return args
    args = {"SERVICE_DIR": comp.directory}
    if comp.port is not None:
        args["SERVICE_PORT"] = str(comp.port)
    if comp.entrypoint:
        args["ENTRYPOINT"] = comp.entrypoint
    if comp.kind == "frontend":
        backends = [reg.component(d) for d in comp.depends_on if d.endswith(".backend")]
        if backends:
            args["API_UPSTREAM"] = f"{backends[0].compose_name}:{backends[0].port}"
        if comp.build_output != "dist":
            args["BUILD_OUTPUT"] = comp.build_output
    return args


def render(template: str, args: dict[str, str], where: str = "template") -> str:
    """The template with the given ARG defaults replaced in its first block (before FROM)."""
    head, sep, rest = template.partition("\nFROM ")
    lines = head.splitlines()
    seen = set()
    for i, line in enumerate(lines):
        match = _ARG.match(line)
        if match and match["name"] in args:
            lines[i] = f"ARG {match['name']}={args[match['name']]}"
            seen.add(match["name"])
    missing = sorted(set(args) - seen)
    if missing:
        raise HarnessError(f"{where}: no `ARG {missing[0]}=` line before the first FROM")
    return "\n".join(lines) + ("\n" if head.endswith("\n") else "") + sep + rest


def expected(root: Path, reg: registry.Registry, comp: registry.Component) -> str:
    """What comp's Dockerfile must contain."""
    source = template(comp)
    return render(_text(root, source), service_args(reg, comp), source)


def _text(root: Path, rel: str) -> str:
    return safeload.read_text(root / rel, "Dockerfile", where=rel)


def _wanted(root: Path, reg: registry.Registry) -> dict[str, str]:
    wanted = {c.dockerfile_path: expected(root, reg, c) for c in reg.components()}
    if (root / TEMPLATE_SERVICE_DIR).is_dir():
        wanted[f"{TEMPLATE_SERVICE_DIR}/Dockerfile"] = _text(root, TEMPLATES["backend"])
    return wanted


def drifted(root: Path, reg: registry.Registry) -> list[str]:
    """Service Dockerfiles that differ from their rendered template (or are missing)."""
    return [rel for rel, text in _wanted(root, reg).items() if _current(root, rel) != text]


def _current(root: Path, rel: str) -> str | None:
    """A service Dockerfile's text; None when missing or unreadable (`--write` replaces it)."""
    try:
        return _text(root, rel)
    except HarnessError:
        return None


def write_all(root: Path, reg: registry.Registry) -> list[str]:
    """(Re)write every service Dockerfile from its template; returns those changed."""
    wanted = _wanted(root, reg)
    changed = drifted(root, reg)
    for rel in changed:
        files.write_text(root / rel, wanted[rel], "Dockerfile")
    return changed


def first_drifted_line(root: Path, reg: registry.Registry, rel: str) -> int:
    """The first line (1-based) where a drifted Dockerfile departs from its template."""
    want = _wanted(root, reg)[rel].splitlines()
    try:
        have = _text(root, rel).splitlines()
    except HarnessError as exc:
        # Unreadable (not UTF-8 from line N on): that line is where it departs.
        at = re.match(rf"{re.escape(rel)}:(\d+):", str(exc))
        return int(at.group(1)) if at else 1
    for number, (a, b) in enumerate(zip(have, want, strict=False), start=1):
        if a != b:
            return number
    return min(len(have), len(want)) + 1
