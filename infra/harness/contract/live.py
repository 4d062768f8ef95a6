"""The live check: schemathesis exercises a running backend against its committed spec.

Every operation on its own (examples, coverage, fuzzing), then the stateful phase: sequences
that follow the spec's OpenAPI links (and the ones schemathesis infers), e.g. create an
observation, then read it back by the id the response gave.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import proc

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    # Stateful: a resource a POST said it created must be found by the operation its link names.
    "ensure_resource_availability",
)
# Named, not left to the default: a schemathesis upgrade that drops one fails loudly here.
PHASES = ("examples", "coverage", "fuzzing", "stateful")
# Examples per operation: the default keeps the whole run to a few minutes on 2 cores.
DEFAULT_EXAMPLES = 25
THOROUGH_EXAMPLES = 250
# A fixed seed: the same commit explores the same inputs, so a failure reproduces.
SEED = 20261126
# Per request; a loaded runner answers slowly, and a hang is still a finding.
REQUEST_TIMEOUT = 30
CONFIG_FILE = "schemathesis.toml"
# Schemathesis's own list of rejections, plus 413: a schema-violating body can also be larger
# than MAX_BODY_BYTES, and the body limit refusing it (documented) is a rejection too.
CONFIG = """\
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428",
                     "429", "5xx"]
"""


@dataclass(frozen=True)
class Stateful:
    """What the stateful phase ran: scenarios (sequences of calls), and links followed."""

    scenarios: int
    links_covered: int
    links_total: int

    def text(self) -> str:
        """`29 (2/2 links)`: the summary table's cell."""
        return f"{self.scenarios} ({self.links_covered}/{self.links_total} links)"


def schemathesis(
    spec: Path, base_url: str, junit: Path, examples: int, run: proc.Runner = proc.run
) -> tuple[dict[str, Any], list[str], proc.Result]:
    """Run `st run` on one backend: its JSON report, the curl repro lines, the raw result."""
    st = Path(sys.executable).parent / "st"
    report_dir = junit.parent
    json_report = report_dir / f"{junit.stem}.json"
    config = report_dir / CONFIG_FILE
    report_dir.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG, encoding="utf-8")
    argv = [
        str(st), "--config-file", str(config), "run", str(spec), "--url", base_url,
        "--checks", ",".join(CHECKS), "--phases", ",".join(PHASES),
        "--max-examples", str(examples), "--seed", str(SEED),
        "--generation-database", "none", "--no-color",
        "--report", "junit,json", "--report-dir", str(report_dir),
        "--report-junit-path", str(junit), "--report-json-path", str(json_report),
        "--request-timeout", str(REQUEST_TIMEOUT),
    ]  # fmt: skip
    # Its crash cache (.schemathesis/) lands in the working directory: keep it in reports.
    done = run(argv, timeout=900, cwd=report_dir)
    try:
        report = json.loads(json_report.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        report = {}
    return report, _repro_lines(done.stdout), done


def stateful(output: str) -> Stateful | None:
    """The stateful phase's scenarios and links from `st run`'s output (its JSON has neither)."""
    scenarios = re.search(r"^\s*Scenarios:\s+(\d+)", output, re.MULTILINE)
    links = re.search(r"^\s*API Links:\s+(\d+) covered / \d+ selected / (\d+) total", output,
                      re.MULTILINE)  # fmt: skip
    if scenarios is None:
        return None  # the phase did not run: no links, and none inferred
    covered, total = (int(links.group(1)), int(links.group(2))) if links else (0, 0)
    return Stateful(int(scenarios.group(1)), covered, total)


def _repro_lines(output: str) -> list[str]:
    """`<operation>: <failed checks> [<status>]: curl ...` for each failure schemathesis printed.

    A stateful failure's sequence of calls becomes one line, its curls joined with `&&`.
    """
    lines: list[str] = []
    checks: list[str] = []
    curls: list[str] = []
    operation, status = "", ""

    def flush() -> None:
        nonlocal checks, status
        if curls:
            lines.append(f"{operation}: {'; '.join(checks)} {status}: {' && '.join(curls)}")
            curls.clear()
            checks, status = [], ""

    for line in output.splitlines():
        text = line.strip()
        if text.startswith("curl "):
            curls.append(text)
            continue
        if text:
            flush()
        header = re.match(r"^_+ (.+?) _+$", line)
        if header:
            operation, checks, status = header.group(1), [], ""
        elif re.match(r"^- ST\d+ ", text):
            checks.append(text[2:])
        elif re.match(r"^\[\d{3}\] ", text):
            status = text.split("]", 1)[0] + "]"
    flush()
    return lines
