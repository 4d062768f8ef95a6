"""The gate's Markdown summary (CI's $GITHUB_STEP_SUMMARY, or any file), from reports/.

One row per component: build time and image size (reports/build.json), health (the smoke
suite's JUnit results for that component), contract (reports/contract/summary.json); then
every JUnit file's totals and the names of failing tests. Missing reports show as "-", so
the table also works after a run that stopped early.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from harness import registry, reports

MISSING = "-"
MAX_FAILURES_LISTED = 20


def _json(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _cases(path: Path) -> list[tuple[str, str]]:
    """(test name, outcome) for each testcase: passed, failed, error or skipped."""
    try:
        tree = ET.parse(path)  # noqa: S314 - our own reports
    except (FileNotFoundError, ET.ParseError):
        return []
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
    for name, outcome in _cases(root / reports.SMOKE_JUNIT):
        match = re.search(r"\[(.+)\]$", name)
        if match and outcome != "skipped":
            outcomes.setdefault(match.group(1), set()).add(outcome)
    return {ref: "passed" if seen == {"passed"} else "failed" for ref, seen in outcomes.items()}


def _contract(row: dict[str, Any] | None) -> str:
    if not row:
        return MISSING
    if row["ok"]:
        examples = f", {row['examples']} examples" if row.get("examples") else ""
        return f"ok{examples}"
    problems = [
        f"{row['failures']} failures" if row.get("failures") else "",
        f"{row['breaking']} breaking" if row.get("breaking") and not row.get("accepted") else "",
        f"drift ({row['drift']})" if row.get("drift") else "",
    ]
    return "**" + ", ".join(p for p in problems if p) + "**"


def markdown(root: Path) -> str:
    """The summary as Markdown."""
    reg = registry.load(root)
    builds = _json(root / reports.BUILD)
    contracts = _json(root / reports.CONTRACT_SUMMARY)
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
        cases = _cases(path)
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
