"""The live check: schemathesis exercises a running backend against its committed spec."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from harness import proc

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
)
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
        "--checks", ",".join(CHECKS),
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


def _repro_lines(output: str) -> list[str]:
    """`<operation>: <failed checks> [<status>]: curl ...` for each failure schemathesis printed."""
    lines: list[str] = []
    checks: list[str] = []
    operation, status = "", ""
    for line in output.splitlines():
        text = line.strip()
        header = re.match(r"^_+ (.+?) _+$", line)
        if header:
            operation, checks, status = header.group(1), [], ""
        elif re.match(r"^- ST\d+ ", text):
            checks.append(text[2:])
        elif re.match(r"^\[\d{3}\] ", text):
            status = text.split("]", 1)[0] + "]"
        elif text.startswith("curl "):
            lines.append(f"{operation}: {'; '.join(checks)} {status}: {text}")
            checks, status = [], ""
    return lines
