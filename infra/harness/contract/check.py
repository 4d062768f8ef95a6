"""`nox -s contract`: each backend's committed OpenAPI contract, checked three ways.

1. drift: the spec the built image's app generates equals the committed openapi.yaml
   (`--update` rewrites it; `nox -s unit` runs the same check in-process);
2. breaking: the committed spec against the same file at the base ref (harness.contract.breaking);
3. live: schemathesis exercises every operation of the running stack against the
   committed spec; JUnit XML per service under reports/contract/.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import git, proc, registry, reports, smoke
from harness.contract import breaking, live
from harness.contract.openapi_diff import SPEC_FILE, differences, dump, load, loads
from harness.docker import compose, images
from harness.docker.prepare import Prepared, prepare
from harness.errors import HarnessError
from harness.selection import plan

PROJECT_PREFIX = "annadata-contract"
EXPORT_MARK = "ANNADATA-OPENAPI:"
EXPORT_SCRIPT = (
    f"import json, app; print({EXPORT_MARK!r} + json.dumps(app.app.openapi()), flush=True)"
)


@dataclass
class ContractResult:
    """One backend's contract result: the summary table's row."""

    service: str
    drift: list[str] = field(default_factory=list)
    breaking: list[breaking.Change] = field(default_factory=list)
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
            return dict(json.loads(line[len(EXPORT_MARK) :]))
    raise HarnessError(f"contract: {image} did not export its OpenAPI: {done.last_error_line()}")


# --- 2. breaking changes ---------------------------------------------------------------------


def spec_at(root: Path, ref: str, path: str) -> dict[str, Any] | None:
    """The file at ref, parsed; None when it did not exist there (a service new on the branch)."""
    text = git.show(root, ref, path)
    return loads(text) if text is not None else None


def breaking_against(
    root: Path, path: str, base: str | None
) -> tuple[list[breaking.Change], bool] | None:
    """Findings of the work tree's spec against base, and whether a major bump accepts them.

    None when there is nothing to compare with (no base, or the file is new since base).
    """
    old = spec_at(root, base, path) if base else None
    if old is None:
        return None
    new = load(root / path)
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
    base = git.resolve(root, base) if base else git.default_base(root)
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
    # Offline only the backends' images are needed (drift); live starts the backends and
    # what they depend on (frontends and the worker are not under contract).
    wanted = backends if offline or update else smoke.with_dependencies(reg, backends)
    prepared = prepare(root, reg, wanted, allow_provision=allow_provision, say=say)
    results = {c.service: ContractResult(c.service) for c in backends}

    for comp in backends:
        target = root / comp.directory / SPEC_FILE
        generated = export_from_image(f"{images.image_name(comp)}:{prepared.tag}")
        if update:
            if not target.is_file() or differences(load(target), generated):
                target.write_text(dump(generated), encoding="utf-8")
                say(f"contract: wrote {target.relative_to(root)}")
            continue
        committed = load(target) if target.is_file() else {}
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
        _live(root, reg, backends, results, prepared, thorough, keep, say)
    _print_report(results, base, was_live=not offline, say=say)
    _record(root, results)
    return 0 if all(r.ok for r in results.values()) else 1


def _live(
    root: Path,
    reg: registry.Registry,
    backends: Sequence[registry.Component],
    results: dict[str, ContractResult],
    prepared: Prepared,
    thorough: bool,
    keep: bool,
    say: Callable[[str], None],
) -> None:
    directory = root / reports.CONTRACT_DIR
    directory.mkdir(parents=True, exist_ok=True)
    project = compose.unique_name(PROJECT_PREFIX)
    stack = smoke.stack_for(
        root, reg, project=project, profiles=None, tag=prepared.tag,
        image_env=prepared.image_env, report_dir=directory / project,
        services=[c.compose_name for c in backends], say=say,
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
            say(f"contract: {comp.service}: {result.examples} examples in "
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
        for line in o.repro:
            say(f"{o.service}: reproduce: {line}")
    junit = (
        f"; JUnit XML in {reports.CONTRACT_DIR}/<service>.xml"
        if was_live
        else "; live check skipped"
    )
    say(f"breaking changes against {base[:12] if base else '(no base ref)'}{junit}")
    header = f"{'service':<22} {'ops':>4} {'examples':>8} {'failures':>8} {'breaking':>8}  drift"
    say(header)
    for o in results.values():
        count = sum(f.breaking for f in o.breaking)
        shown = f"{count}{' (accepted)' if o.accepted and count else ''}"
        say(
            f"{o.service:<22} {_n(o.operations):>4} {_n(o.examples):>8} {_n(o.failures):>8} "
            f"{shown:>8}  {len(o.drift) or '-'}{'  ' + o.note if o.note else ''}"
        )


def _record(root: Path, results: dict[str, ContractResult]) -> None:
    """reports/contract/summary.json: the table as data (the CI step summary reads it)."""
    rows = {
        o.service: {
            "ok": o.ok, "operations": o.operations, "examples": o.examples,
            "failures": o.failures, "breaking": sum(f.breaking for f in o.breaking),
            "accepted": o.accepted, "drift": len(o.drift),
        }
        for o in results.values()
    }  # fmt: skip
    path = root / reports.CONTRACT_SUMMARY
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=2, sort_keys=True), encoding="utf-8")


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)
