"""Service Dockerfiles are their template with only the first block's ARG defaults changed."""

from __future__ import annotations

import re
from pathlib import Path

from harness import registry
from harness.errors import HarnessError

TEMPLATES = {
    "backend": "infra/docker-templates/Dockerfile.python",
    "worker": "infra/docker-templates/Dockerfile.python",
    "frontend": "infra/docker-templates/Dockerfile.node",
}
# Build targets per kind (the backend and static frontend are their template's last stage).
TARGETS = {"backend": "backend", "worker": "worker", "frontend": "static"}
_ARG = re.compile(r"^ARG (?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


def service_args(reg: registry.Registry, comp: registry.Component) -> dict[str, str]:
    """The ARG defaults that make the template this component's Dockerfile."""
    args = {"SERVICE_DIR": comp.directory}
    if comp.port is not None:
        args["SERVICE_PORT"] = str(comp.port)
    if comp.entrypoint:
        args["ENTRYPOINT"] = comp.entrypoint
    if comp.kind == "frontend":
        backends = [reg.component(d) for d in comp.depends_on if d.endswith(".backend")]
        if backends:
            args["API_UPSTREAM"] = f"{backends[0].compose_name}:{backends[0].port}"
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
    template = TEMPLATES[comp.kind]
    return render((root / template).read_text(encoding="utf-8"), service_args(reg, comp), template)


def drifted(root: Path, reg: registry.Registry) -> list[str]:
    """Component Dockerfiles that differ from their rendered template (or are missing)."""
    out = []
    for comp in reg.components():
        path = root / comp.directory / "Dockerfile"
        if not path.is_file() or path.read_text(encoding="utf-8") != expected(root, reg, comp):
            out.append(f"{comp.directory}/Dockerfile")
    return out


def write_all(root: Path, reg: registry.Registry) -> list[str]:
    """(Re)write every component's Dockerfile from its template; returns those changed."""
    changed = drifted(root, reg)
    for comp in reg.components():
        path = root / comp.directory / "Dockerfile"
        if f"{comp.directory}/Dockerfile" in changed:
            path.write_text(expected(root, reg, comp), encoding="utf-8")
    return changed
