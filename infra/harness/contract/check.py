"""`nox -s contract`: each backend's committed OpenAPI contract, checked three ways.

1. drift: the spec the built image's app generates equals the committed openapi.yaml
   (`--update` rewrites it; `nox -s unit` runs the same check in-process);
2. breaking: the committed spec against the same file at the base ref (harness.contract.breaking);
3. live: schemathesis exercises every operation of the running stack against the
   committed spec, then the sequences its links describe; JUnit XML per service under
   reports/contract/.
Also, with or without the stack: every `/api/` call a frontend makes statically is one its
backend's committed spec has, and not one the branch removed (harness.contract.frontend_calls).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import files, git, proc, registry, reports, smoke
from harness.contract import breaking, frontend_calls, live, spec
from harness.contract.openapi_diff import SPEC_FILE, differences, dump
from harness.docker import compose, images
from harness.docker.prepare import Prepared, prepare
from harness.errors import HarnessError
from harness.selection import plan

PROJECT_PREFIX = "annadata-contract"
EXPORT_MARK = "ANNADATA-OPENAPI:"
# The image's own UVICORN_APP names the app (app:app for ours, src.api.app:app adopted).
EXPORT_SCRIPT = (
    "import importlib, json, os; m, _, v = os.environ['UVICORN_APP'].partition(':'); "
    f"print({EXPORT_MARK!r} + json.dumps(getattr(importlib.import_module(m), v).openapi()), "
    "flush=True)"
)


@dataclass
class ContractResult:
    """One backend's contract result: the summary table's row."""

    service: str
    drift: list[str] = field(default_factory=list)
    breaking: list[breaking.Change] = field(default_factory=list)
    accepted: bool = False
    # Frontend calls this backend's spec lacks, one line each (both file:line locations).
    frontend: list[str] = field(default_factory=list)
    operations: int | None = None
    examples: int | None = None
    failures: int | None = None
    stateful: live.Stateful | None = None
    repro: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        """No drift, no unaccepted breaking change, no frontend call unanswered, no live failure."""
        unaccepted = [f for f in self.breaking if f.breaking and not self.accepted]
        return not self.drift and not unaccepted and not self.frontend and not self.failures


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
            return dict(json.loads(line[len(EXPORT_MARK) :]))
    raise HarnessError(f"contract: {image} did not export its OpenAPI: {done.last_error_line()}")


# --- 2. breaking changes ---------------------------------------------------------------------


def spec_at(root: Path, ref: str, path: str) -> dict[str, Any] | None:
    """The file at ref, parsed; None when it did not exist there (a service new on the branch)."""
    return spec.at_ref(root, ref, path)


def breaking_against(
    root: Path, path: str, base: str | None
) -> tuple[list[breaking.Change], bool] | None:
    """Findings of the work tree's spec against base, and whether a major bump accepts them.

    None when there is nothing to compare with (no base, or the file is new since base).
    """
    old = spec_at(root, base, path) if base else None
    if old is None:
        return None
    new = spec.load(root, path)
    return breaking.compare(old, new), breaking.major_raised(old, new)


# --- the command -----------------------------------------------------------------------------


def run(
    root: Path,
    *,
    update: bool = False,
    base: str | None = None,
    thorough: bool = False,
    offline: bool = False,
    keep: bool = False,
    affected: plan.Request | None = None,
    allow_provision: bool = True,
    say: Callable[[str], None] = print,
) -> int:
    """Drift, breaking and live checks for every backend (affected: the selected ones); prints
    the summary table."""
    # A named base must exist: a typo would otherwise pass as "new on this branch".
    base = git.resolve(root, base) if base is not None else git.default_base(root)
    reg = registry.load(root)
    backends = reg.components("backend")
    if affected is not None:
        decided = plan.decide(plan.select(root, affected, reg), reg, "contract")
        say(decided.line)
        if decided.targets is not None:
            backends = [c for c in backends if c.ref in decided.targets]
        if not backends:
            say("contract: nothing affected: no backend to check")
            return 0
    if not update:
        # Every spec, here and at the base, before any image is built: a broken one is one
        # line now, not a traceback after minutes of building (--update rewrites them).
        for comp in backends:
            rel = f"{comp.directory}/{SPEC_FILE}"
            if (root / rel).exists():
                spec.load(root, rel)
            if base:
                spec_at(root, base, rel)
    # Static and quick: before any image is built, so it holds offline too.
    unanswered = {} if update else frontend_calls.problems(root, reg, base)
    # Offline only the backends' images are needed (drift); live starts the backends, the
    # workers that take their jobs, and what those depend on (frontends are not under contract).
    live_set = [*backends, *job_takers(reg, backends)]
    wanted = backends if offline or update else smoke.with_dependencies(reg, live_set)
    prepared = prepare(root, reg, wanted, allow_provision=allow_provision, say=say)
    results = {c.service: ContractResult(c.service, frontend=unanswered.get(c.service, []))
               for c in backends}  # fmt: skip

    for comp in backends:
        target = root / comp.directory / SPEC_FILE
        generated = export_from_image(f"{images.image_name(comp)}:{prepared.tag}")
        rel = f"{comp.directory}/{SPEC_FILE}"
        if update:
            if _stale(root, rel, generated):
                files.write_text(target, dump(generated), "OpenAPI spec")
                say(f"contract: wrote {rel}")
            continue
        committed = spec.load(root, rel) if target.exists() else {}
        results[comp.service].drift = differences(committed, generated)
    if update:
        say("contract: specs updated from the apps; review `git diff -- '*openapi.yaml'`")
        return 0

    for comp in backends:
        result = results[comp.service]
        found = breaking_against(root, f"{comp.directory}/{SPEC_FILE}", base)
        if found is None:
            result.note = "new on this branch" if base else "no base ref"
        else:
            result.breaking, result.accepted = found

    if not offline:
        _live(root, reg, backends, live_set, results, prepared, thorough, keep, say)
    _print_report(results, base, was_live=not offline, say=say)
    _record(root, results)
    return 0 if all(r.ok for r in results.values()) else 1


def _stale(root: Path, rel: str, generated: dict[str, Any]) -> bool:
    """True when rel is missing, unreadable (--update is the fix) or differs from generated."""
    try:
        return bool(differences(spec.load(root, rel), generated))
    except HarnessError:
        return True


def job_takers(
    reg: registry.Registry, backends: Sequence[registry.Component]
) -> list[registry.Component]:
    """The workers sharing a queue (an infrastructure dependency) with one of backends.

    A backend that queues jobs answers 503 while no worker is there to take them: its
    contract holds only with one running.
    """
    queues = {d for b in backends for d in b.depends_on if d in reg.infrastructure}
    return [w for w in reg.components("worker") if queues & set(w.depends_on)]


def _live(
    root: Path,
    reg: registry.Registry,
    backends: Sequence[registry.Component],
    running: Sequence[registry.Component],
    results: dict[str, ContractResult],
    prepared: Prepared,
    thorough: bool,
    keep: bool,
    say: Callable[[str], None],
) -> None:
    directory = files.make_dir(root / reports.CONTRACT_DIR, "report directory")
    project = compose.unique_name(PROJECT_PREFIX)
    stack = smoke.stack_for(
        root, reg, project=project, profiles=None, tag=prepared.tag,
        image_env=prepared.image_env, report_dir=directory / project,
        services=[c.compose_name for c in running], say=say,
    )  # fmt: skip
    examples = live.THOROUGH_EXAMPLES if thorough else live.DEFAULT_EXAMPLES
    with stack:
        for comp in backends:
            url = f"http://127.0.0.1:{stack.host_port(comp.compose_name, comp.port or 0)}"
            started = time.monotonic()
            report, repro, done = live.schemathesis(
                root / comp.directory / SPEC_FILE, url, directory / f"{comp.service}.xml", examples
            )
            result = results[comp.service]
            if not report:
                result.failures = 1
                result.note = f"schemathesis did not report: {done.last_error_line()}"
                continue
            result.operations = report["operations"]["tested"]
            result.examples = report["test_cases"]["generated"]
            result.failures = report["test_cases"]["unique_failures"] + len(report["errors"])
            result.repro = repro
            result.stateful = live.stateful(done.stdout)
            sequences = f", {result.stateful.text()} stateful" if result.stateful else ""
            say(f"contract: {comp.service}: {result.examples} examples{sequences} in "
                f"{time.monotonic() - started:.1f}s")  # fmt: skip
        if keep:
            say(stack.keep())


def _print_report(
    results: dict[str, ContractResult], base: str | None, was_live: bool, say: Callable[[str], None]
) -> None:
    for o in results.values():
        for line in o.drift:
            say(f"{o.service}: DRIFT {line} (run `nox -s contract -- --update`)")
        for f in o.breaking:
            kind = ("ACCEPTED" if o.accepted else "BREAKING") if f.breaking else "info"
            say(f"{o.service}: {kind} {f.rule} {f.pointer}: {f.message}")
        for line in o.frontend:
            say(f"{o.service}: FRONTEND {line}")
        for line in o.repro:
            say(f"{o.service}: reproduce: {line}")
    junit = (
        f"; JUnit XML in {reports.CONTRACT_DIR}/<service>.xml"
        if was_live
        else "; live check skipped"
    )
    say(f"breaking changes against {base[:12] if base else '(no base ref)'}{junit}")
    header = (
        f"{'service':<22} {'ops':>4} {'examples':>8} {'stateful':>16} {'failures':>8} "
        f"{'breaking':>8} {'frontend':>8}  drift"
    )
    say(header)
    for o in results.values():
        count = sum(f.breaking for f in o.breaking)
        shown = f"{count}{' (accepted)' if o.accepted and count else ''}"
        say(
            f"{o.service:<22} {_n(o.operations):>4} {_n(o.examples):>8} "
            f"{o.stateful.text() if o.stateful else '-':>16} {_n(o.failures):>8} "
            f"{shown:>8} {len(o.frontend) or '-':>8}  {len(o.drift) or '-'}"
            f"{'  ' + o.note if o.note else ''}"
        )


def _record(root: Path, results: dict[str, ContractResult]) -> None:
    """reports/contract/summary.json: the table as data (the CI step summary reads it)."""
    rows = {
        o.service: {
            "ok": o.ok, "operations": o.operations, "examples": o.examples,
            "failures": o.failures, "breaking": sum(f.breaking for f in o.breaking),
            "accepted": o.accepted, "drift": len(o.drift), "frontend": len(o.frontend),
            "stateful_scenarios": o.stateful.scenarios if o.stateful else None,
            "links_covered": o.stateful.links_covered if o.stateful else None,
            "links_total": o.stateful.links_total if o.stateful else None,
        }
        for o in results.values()
    }  # fmt: skip
    files.write_text(
        root / reports.CONTRACT_SUMMARY, json.dumps(rows, indent=2, sort_keys=True), "report"
    )


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)
