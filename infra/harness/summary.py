"""The gate's Markdown summary (CI's $GITHUB_STEP_SUMMARY, or any file), from reports/.

One row per component: build time and image size (reports/build.json), health (the smoke
suite's JUnit results for that component), contract (reports/contract/summary.json); then
every JUnit file's totals and the names of failing tests. Missing reports show as "-", so
the table also works after a run that stopped early.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema

from harness import registry, reports, safeload, yamlpos
from harness.errors import HarnessError

MISSING = "-"
MAX_FAILURES_LISTED = 20
# A JUnit file of a few thousand tests is a few MB; this refuses a wrong file, not a big suite.
MAX_REPORT_BYTES = 64 * 1024 * 1024
_NUMBER = {"type": "number"}
_COUNT = {"type": ["integer", "null"], "minimum": 0}
# The shapes images.record and contract._record write; anything else is not theirs.
BUILD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "required": ["seconds", "size_mb"],
        "properties": {"seconds": _NUMBER, "size_mb": _NUMBER},
    },
}
CONTRACT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "required": ["ok"],
        "properties": {
            "ok": {"type": "boolean"},
            "accepted": {"type": "boolean"},
            **{key: _COUNT for key in ("examples", "failures", "breaking", "drift", "operations")},
        },
    },
}


def _json(root: Path, rel: str, shape: dict[str, Any], writer: str) -> dict[str, Any]:
    """A JSON report checked against its shape; {} when it is absent (the run stopped early)."""
    path = root / rel
    if not path.exists():
        return {}
    text = safeload.read_text(path, "report", MAX_REPORT_BYTES, where=rel)
    data = safeload.loads_json(text, rel)
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(shape).iter_errors(data)
    )
    if error is not None:
        at = list(error.absolute_path)
        field = ".".join(str(p) for p in at) or "(top level)"
        raise HarnessError(
            f"{rel}:{yamlpos.line_at(safeload.document(text), at)}: {field}: {error.message}: "
            f"not what {writer} writes; run it again, or delete the file"
        )
    return dict(data)


def _cases(root: Path, path: Path) -> list[tuple[str, str]]:
    """(test name, outcome) for each testcase: passed, failed, error or skipped."""
    rel = path.relative_to(root).as_posix()
    data = safeload.read_bytes(path, "JUnit report", MAX_REPORT_BYTES, where=rel)
    fix = "run the suite that wrote it again, or delete the file"
    try:
        # expat (2.4.1 and later) refuses entity expansion bombs by itself.
        tree = ET.fromstring(data)  # noqa: S314 - our own reports, bounded in size
    except ET.ParseError as exc:
        line = exc.position[0]
        raise HarnessError(
            f"{rel}:{line}: not well-formed XML ({exc.msg.split(':')[0]}): {fix}"
        ) from exc
    if tree.tag not in ("testsuites", "testsuite"):
        raise HarnessError(f"{rel}:1: not JUnit XML (its root is <{tree.tag}>): {fix}")
    found = []
    for case in tree.iter("testcase"):
        outcome = "passed"
        for kind in ("failure", "error", "skipped"):
            if case.find(kind) is not None:
                outcome = "failed" if kind == "failure" else kind
        found.append((case.get("name", ""), outcome))
    return found


def _health(root: Path) -> dict[str, str]:
    """component ref -> passed/failed, from smoke tests parametrized with that ref."""
    outcomes: dict[str, set[str]] = {}
    junit = root / reports.SMOKE_JUNIT
    for name, outcome in _cases(root, junit) if junit.exists() else []:
        match = re.search(r"\[(.+)\]$", name)
        if match and outcome != "skipped":
            outcomes.setdefault(match.group(1), set()).add(outcome)
    return {ref: "passed" if seen == {"passed"} else "failed" for ref, seen in outcomes.items()}


def _contract(row: dict[str, Any] | None) -> str:
    if not row:
        return MISSING
    if row["ok"]:
        examples = f", {row['examples']} examples" if row.get("examples") else ""
        sequences = (
            f", {row['stateful_scenarios']} stateful scenarios"
            if row.get("stateful_scenarios") else ""
        )  # fmt: skip
        return f"ok{examples}{sequences}"
    problems = [
        f"{row['failures']} failures" if row.get("failures") else "",
        f"{row['breaking']} breaking" if row.get("breaking") and not row.get("accepted") else "",
        f"drift ({row['drift']})" if row.get("drift") else "",
        f"{row['frontend']} frontend call{'s' * (row['frontend'] != 1)} unanswered"
        if row.get("frontend")
        else "",
    ]
    return "**" + ", ".join(p for p in problems if p) + "**"


def markdown(root: Path) -> str:
    """The summary as Markdown."""
    reg = registry.load(root)
    builds = _json(root, reports.BUILD, BUILD_SCHEMA, "`nox -s build`")
    contracts = _json(root, reports.CONTRACT_SUMMARY, CONTRACT_SCHEMA, "`nox -s contract`")
    health = _health(root)
    lines = [
        "## Annadata gate",
        "",
        "| component | build (s) | image (MB) | health | contract |",
        "|---|---:|---:|---|---|",
    ]
    for comp in reg.components():
        built = builds.get(comp.ref) or {}
        seconds = f"{built['seconds']:.1f}" if built else MISSING
        size = f"{built['size_mb']}" if built else MISSING
        state = health.get(comp.ref, MISSING)
        state = "**failed**" if state == "failed" else state
        contract = _contract(contracts.get(comp.service)) if comp.kind == "backend" else ""
        lines.append(f"| {comp.ref} | {seconds} | {size} | {state} | {contract} |")
    lines += ["", "| test suite | tests | failed | skipped |", "|---|---:|---:|---:|"]
    failures = []
    for path in sorted((root / reports.JUNIT_DIR).glob("*.xml")):
        cases = _cases(root, path)
        bad = [name for name, outcome in cases if outcome in ("failed", "error")]
        skipped = sum(outcome == "skipped" for _, outcome in cases)
        lines.append(f"| {path.stem} | {len(cases)} | {len(bad)} | {skipped} |")
        failures += [f"{path.stem}: {name}" for name in bad]
    if failures:
        lines += ["", "Failing tests:", ""]
        lines += [f"- `{name}`" for name in failures[:MAX_FAILURES_LISTED]]
        if len(failures) > MAX_FAILURES_LISTED:
            lines.append(f"- … and {len(failures) - MAX_FAILURES_LISTED} more")
    return "\n".join(lines) + "\n"
