"""`nox -s lint`: the off-the-shelf linters and the stack's policy, as one list of findings."""

from __future__ import annotations

from pathlib import Path

from harness import registry
from harness.errors import HarnessError
from harness.lint import findings, policy, tools

TOOLS = (
    "ruff",
    "hadolint",
    "yamllint",
    "shellcheck",
    "actionlint",
    "compose",
    "openapi-spec-validator",
    "policy",
)
FORMATS = ("text", "json", "sarif")


def collect(root: Path) -> list[findings.Finding]:
    """Run every linter and the policy over the repository at root."""
    names = tools.files(root)
    try:
        profiles = registry.load(root).profiles()
    except HarnessError:
        profiles = []  # the policy reports the registry itself
    found = [
        *tools.ruff(root),
        *tools.hadolint(root, tools.dockerfiles(names)),
        *tools.yamllint(root, tools.yaml_files(names)),
        *tools.shellcheck(root, tools.shell_scripts(root, names)),
        *tools.actionlint(root, tools.workflows(names)),
        *(
            tools.compose_config(root, policy.COMPOSE_FILE, profiles)
            if (root / policy.COMPOSE_FILE).is_file()
            else []
        ),
        *tools.openapi(root, [n for n in names if Path(n).name == "openapi.yaml"]),
        *policy.check(root),
    ]
    return sorted(found)


def render(found: list[findings.Finding], fmt: str) -> str:
    """The findings in one of FORMATS."""
    if fmt == "json":
        return findings.as_json(found)
    if fmt == "sarif":
        return findings.as_sarif(found, TOOLS)
    return findings.as_text(found, TOOLS)


def failed(found: list[findings.Finding]) -> bool:
    """True when any finding is an error (warnings do not fail the gate)."""
    return any(f.level == "error" for f in found)
