"""`nox -s lint`: the off-the-shelf linters and the stack's policy, as one list of findings."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import registry, reports
from harness.docker.compose import COMPOSE_FILE
from harness.errors import HarnessError
from harness.lint import findings, local_actions, policy, tools

TOOLS = (
    "ruff",
    "hadolint",
    "yamllint",
    "shellcheck",
    "actionlint",
    local_actions.TOOL,
    "compose",
    "openapi-spec-validator",
    "policy",
)
FORMATS = reports.LINT_FORMATS


def collect(root: Path) -> list[findings.Finding]:
    """Run every linter and the policy over the repository at root."""
    names = tools.files(root)
    try:
        reg: registry.Registry | HarnessError = registry.load(root)
    except HarnessError as exc:
        reg = exc  # the policy reports it as ANN000
    profiles = reg.profiles() if isinstance(reg, registry.Registry) else []
    has_compose = (root / COMPOSE_FILE).is_file()
    jobs = [
        lambda: tools.ruff(root),
        lambda: tools.hadolint(root, tools.dockerfiles(names)),
        lambda: tools.yamllint(root, tools.yaml_files(names)),
        lambda: tools.shellcheck(root, tools.shell_scripts(root, names)),
        lambda: tools.actionlint(root, tools.workflows(names)),
        lambda: local_actions.check(root, tools.workflows(names)),
        lambda: tools.compose_config(root, COMPOSE_FILE, profiles) if has_compose else [],
        lambda: tools.openapi(root, [n for n in names if Path(n).name == "openapi.yaml"]),
        lambda: policy.check(root, reg),
    ]
    # The linters are separate processes: run them side by side (the gate waits on the slowest).
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        found = [f for batch in pool.map(lambda job: job(), jobs) for f in batch]
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
