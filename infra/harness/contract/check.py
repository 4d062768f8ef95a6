"""`nox -s contract`: each backend's committed OpenAPI contract, checked three ways.

1. drift: the spec the built image's app generates equals the committed openapi.yaml
   (`--update` rewrites it; `nox -s unit` runs the same check in-process);
2. breaking: the committed spec against the same file at the base ref (harness.contract.breaking);
3. live: schemathesis exercises every operation of the running stack against the
   committed spec; JUnit XML per service under reports/contract/.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import proc, registry, smoke
from harness.bases import no_registry, standin_build
from harness.contract import breaking
from harness.contract.openapi_diff import SPEC_FILE, differences, dump, load, loads
from harness.docker import compose, engine, images
from harness.docker.stack import Stack
from harness.errors import HarnessError

REPORTS_DIR = "reports/contract"
SUMMARY_FILE = "summary.json"
PROJECT_PREFIX = "annadata-contract"
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
EXPORT_MARK = "ANNADATA-OPENAPI:"
EXPORT_SCRIPT = (
    f"import json, app; print({EXPORT_MARK!r} + json.dumps(app.app.openapi()), flush=True)"
)


@dataclass
class Outcome:
    """One backend's contract result: the summary table's row."""

    service: str
    drift: list[str] = field(default_factory=list)
    breaking: list[breaking.Finding] = field(default_factory=list)
    accepted: bool = False
    operations: int | None = None
    examples: int | None = None
    failures: int | None = None
    repro: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        """No drift, no unaccepted breaking change, no live failure."""
        unaccepted = [f for f in self.breaking if f.breaking and not self.accepted]
        return not self.drift and not unaccepted and not self.failures


# --- 1. drift ------------------------------------------------------------------------------


def export_from_image(image: str, run: proc.Runner = proc.run) -> dict[str, Any]:
    """The app's OpenAPI document, generated inside its built image (no network)."""
    done = run(
        ["docker", "run", "--rm", "--network", "none", "--entrypoint", "python", image,
         "-c", EXPORT_SCRIPT],
        timeout=120,
    )  # fmt: skip
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(EXPORT_MARK):
            return json.loads(line[len(EXPORT_MARK) :])
    raise HarnessError(f"contract: {image} did not export its OpenAPI: {done.last_error_line()}")


# --- 2. breaking changes ---------------------------------------------------------------------


def default_base(root: Path, run: proc.Runner = proc.run) -> str | None:
    """The merge-base with origin/main, else main; None outside git or without either."""
    for candidate in ("origin/main", "main"):
        done = run(["git", "-C", str(root), "merge-base", "HEAD", candidate], timeout=30)
        if done.ok and done.stdout.strip():
            return done.stdout.strip()
    return None


def spec_at(root: Path, ref: str, path: str, run: proc.Runner = proc.run) -> dict | None:
    """The file at ref, parsed; None when it did not exist there (a service new on the branch)."""
    done = run(["git", "-C", str(root), "show", f"{ref}:{path}"], timeout=30)
    return loads(done.stdout) if done.ok else None


def breaking_against(
    root: Path, path: str, base: str | None, run: proc.Runner = proc.run
) -> tuple[list[breaking.Finding], bool] | None:
    """Findings of the work tree's spec against base, and whether a major bump accepts them.

    None when there is nothing to compare with (no base, or the file is new since base).
    """
    old = spec_at(root, base, path, run) if base else None
    if old is None:
        return None
    new = load(root / path)
    return breaking.compare(old, new), breaking.major_raised(old, new)


# --- 3. live conformance ---------------------------------------------------------------------


def schemathesis(
    spec: Path, base_url: str, junit: Path, examples: int, run: proc.Runner = proc.run
) -> tuple[dict[str, Any], list[str], proc.Result]:
    """Run `st run` on one backend: its JSON report, the curl repro lines, the raw result."""
    st = Path(sys.executable).parent / "st"
    report_dir = junit.parent
    json_report = report_dir / f"{junit.stem}.json"
    argv = [
        str(st), "run", str(spec), "--url", base_url,
        "--checks", ",".join(CHECKS),
        "--max-examples", str(examples), "--seed", str(SEED),
        "--generation-database", "none", "--no-color",
        "--report", "junit,json", "--report-dir", str(report_dir),
        "--report-junit-path", str(junit), "--report-json-path", str(json_report),
        "--request-timeout", "10",
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
    lines, operation, checks, status = [], "", [], ""
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


# --- the command -----------------------------------------------------------------------------


def run(
    root: Path,
    *,
    update: bool = False,
    base: str | None = None,
    thorough: bool = False,
    offline: bool = False,
    keep: bool = False,
    allow_provision: bool = True,
    say: Callable[[str], None] = print,
) -> int:
    """Drift, breaking and live checks for every backend; prints the summary table."""
    reg = registry.load(root)
    backends = reg.components("backend")
    engine.ensure(root=root, allow_provision=allow_provision)
    mode = no_registry.decide()
    say(mode.announcement())
    if mode.on:
        standin_build.build(root)
    # Every component: the live check runs the whole stack, as the smoke suite does.
    built = images.build(root, [c.ref for c in reg.active(None)], mode=mode, say=say)
    say(images.table(built))
    tag = images.git_sha(root)
    outcomes = {c.service: Outcome(c.service) for c in backends}

    for comp in backends:
        target = root / comp.directory / SPEC_FILE
        generated = export_from_image(f"{images.image_name(comp)}:{tag}")
        if update:
            if not target.is_file() or differences(load(target), generated):
                target.write_text(dump(generated), encoding="utf-8")
                say(f"contract: wrote {target.relative_to(root)}")
            continue
        committed = load(target) if target.is_file() else {}
        outcomes[comp.service].drift = differences(committed, generated)
    if update:
        say("contract: specs updated from the apps; review `git diff -- '*openapi.yaml'`")
        return 0

    base = base or default_base(root)
    for comp in backends:
        outcome = outcomes[comp.service]
        found = breaking_against(root, f"{comp.directory}/{SPEC_FILE}", base)
        if found is None:
            outcome.note = "new on this branch" if base else "no base ref"
        else:
            outcome.breaking, outcome.accepted = found

    status = 0 if all(o.ok for o in outcomes.values()) else 1
    if not offline:
        status = max(status, _live(root, reg, backends, outcomes, tag, thorough, keep, say))
    _print_report(outcomes, base, live=not offline, say=say)
    _record(root, outcomes)
    return 1 if not all(o.ok for o in outcomes.values()) else status


def _live(
    root: Path,
    reg: registry.Registry,
    backends: Sequence[registry.Component],
    outcomes: dict[str, Outcome],
    tag: str,
    thorough: bool,
    keep: bool,
    say: Callable[[str], None],
) -> int:
    reports = root / REPORTS_DIR
    reports.mkdir(parents=True, exist_ok=True)
    project = compose.unique_name(PROJECT_PREFIX)
    stack: Stack = smoke.stack_for(
        root, project=project, profiles=None, tag=tag, reports=reports / project, say=say
    )
    examples = THOROUGH_EXAMPLES if thorough else DEFAULT_EXAMPLES
    try:
        stack.up()
        for comp in backends:
            url = f"http://127.0.0.1:{stack.host_port(comp.compose_name, comp.port or 0)}"
            started = time.monotonic()
            report, repro, done = schemathesis(
                root / comp.directory / SPEC_FILE, url, reports / f"{comp.service}.xml", examples
            )
            outcome = outcomes[comp.service]
            if not report:
                outcome.failures = 1
                outcome.note = f"schemathesis did not report: {done.last_error_line()}"
                continue
            outcome.operations = report["operations"]["tested"]
            outcome.examples = report["test_cases"]["generated"]
            outcome.failures = report["test_cases"]["unique_failures"] + len(report["errors"])
            outcome.repro = repro
            say(f"contract: {comp.service}: {outcome.examples} examples in "
                f"{time.monotonic() - started:.1f}s")  # fmt: skip
    finally:
        if keep:
            say(stack.keep())
        else:
            stack.down()
    return 0 if all(not o.failures for o in outcomes.values()) else 1


def _print_report(
    outcomes: dict[str, Outcome], base: str | None, live: bool, say: Callable[[str], None]
) -> None:
    for o in outcomes.values():
        for line in o.drift:
            say(f"{o.service}: DRIFT {line} (run `nox -s contract -- --update`)")
        for f in o.breaking:
            kind = ("ACCEPTED" if o.accepted else "BREAKING") if f.breaking else "info"
            say(f"{o.service}: {kind} {f.rule} {f.pointer}: {f.message}")
        for line in o.repro:
            say(f"{o.service}: reproduce: {line}")
    junit = f"; JUnit XML in {REPORTS_DIR}/<service>.xml" if live else "; live check skipped"
    say(f"breaking changes against {base[:12] if base else '(no base ref)'}{junit}")
    header = f"{'service':<22} {'ops':>4} {'examples':>8} {'failures':>8} {'breaking':>8}  drift"
    say(header)
    for o in outcomes.values():
        count = sum(f.breaking for f in o.breaking)
        shown = f"{count}{' (accepted)' if o.accepted and count else ''}"
        say(
            f"{o.service:<22} {_n(o.operations):>4} {_n(o.examples):>8} {_n(o.failures):>8} "
            f"{shown:>8}  {len(o.drift) or '-'}{'  ' + o.note if o.note else ''}"
        )


def _record(root: Path, outcomes: dict[str, Outcome]) -> None:
    """reports/contract/summary.json: the table as data (the CI step summary reads it)."""
    rows = {
        o.service: {
            "ok": o.ok, "operations": o.operations, "examples": o.examples,
            "failures": o.failures, "breaking": sum(f.breaking for f in o.breaking),
            "accepted": o.accepted, "drift": len(o.drift),
        }
        for o in outcomes.values()
    }  # fmt: skip
    path = root / REPORTS_DIR / SUMMARY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=2, sort_keys=True), encoding="utf-8")


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)
