"""One lint finding, and the three ways to print a list of them (text, JSON, SARIF)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass(frozen=True, order=True)
class Finding:
    """A problem at path:line, from one tool, under one rule id, with what to do."""

    path: str
    line: int
    rule: str
    message: str
    tool: str
    hint: str = ""
    level: str = "error"

    def text(self) -> str:
        """`path:line: RULE message (hint)`."""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.path}:{self.line}: {self.rule} {self.message}{hint}"


def from_error(error: Exception, rule: str, tool: str, hint: str, root: Path) -> Finding:
    """A one-line `path:line: message` error (a file no tool could read) as a finding."""
    path, _, rest = str(error).partition(":")
    line, _, message = rest.partition(":")
    if not line.strip().isdigit():
        line, message = "1", rest
    return Finding(path.removeprefix(f"{root}/"), max(int(line), 1), rule,
                   message.strip() or str(error), tool, hint)  # fmt: skip


def as_text(findings: Sequence[Finding], tools: Iterable[str]) -> str:
    """One line per finding, then a count per tool (every tool that ran, zeros included)."""
    counts = Counter(f.tool for f in findings if f.level == "error")
    warnings = Counter(f.tool for f in findings if f.level != "error")
    lines = [f.text() if f.level == "error" else f"{f.text()} [warning]" for f in findings]
    summary = ", ".join(
        f"{tool} {counts[tool]}" + (f" (+{warnings[tool]} warnings)" if warnings[tool] else "")
        for tool in tools
    )
    lines.append(f"lint: {sum(counts.values())} errors: {summary}")
    return "\n".join(lines)


def as_json(findings: Sequence[Finding]) -> str:
    """A JSON list of findings."""
    return json.dumps([asdict(f) for f in findings], indent=2)


def as_sarif(findings: Sequence[Finding], tools: Iterable[str]) -> str:
    """SARIF 2.1.0 with one run per tool, for GitHub code scanning."""
    runs = []
    for tool in tools:
        mine = [f for f in findings if f.tool == tool]
        rules = sorted({f.rule for f in mine})
        runs.append(
            {
                "tool": {"driver": {"name": tool, "rules": [{"id": r} for r in rules]}},
                "results": [
                    {
                        "ruleId": f.rule,
                        "level": "error" if f.level == "error" else "warning",
                        "message": {"text": f"{f.message} ({f.hint})" if f.hint else f.message},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": f.path},
                                    "region": {"startLine": max(f.line, 1)},
                                }
                            }
                        ],
                    }
                    for f in mine
                ],
            }
        )
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}, indent=2)
