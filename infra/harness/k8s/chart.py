"""`nox -s chart`: lint, render, validate and policy-check the Helm chart, then tests/chart.

No cluster and no Docker: every values profile (values.yaml alone, then each
ci/<profile>-values.yaml on top) is linted and rendered for the oldest and the newest
Kubernetes the chart supports; the renders are validated against those versions' schemas,
checkov runs its Kubernetes checks on them and its Helm checks on the packaged chart, and
tests/chart holds the rendered objects equal to the registry and compose.
"""

from __future__ import annotations

import json
import re
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from harness import proc, reports
from harness.errors import HarnessError
from harness.k8s import schemas as k8s_schemas
from harness.k8s import tools as k8s_tools

CHART_DIR = "infra/helm/annadata"
PROFILES_DIR = "ci"
PROFILE_SUFFIX = "-values.yaml"
DEFAULT_PROFILE = "default"
# The oldest Kubernetes the chart is installed on for real (`nox -s k8s`) and the newest whose
# schemas kubernetes-validate ships.
KUBE_VERSIONS = ("1.20.0", "1.37.0")
# Whose schemas (harness.k8s.schemas): kubernetes-validate 1.37.0 ships 1.25-1.37; 1.28.3
# (installed apart) 1.20-1.28.
VALIDATORS = {"1.20.0": "kubernetes-validate-1.28", "1.37.0": None}
CHECKOV = "checkov"
RELEASE = "annadata"
NAMESPACE = "annadata"
SUITE = "tests/chart"
HELM_TIMEOUT = 120
CHECKOV_TIMEOUT = 600


@dataclass(frozen=True)
class Render:
    """One values profile rendered for one Kubernetes version."""

    profile: str
    kube_version: str
    path: Path
    objects: tuple[dict[str, Any], ...]


def chart_dir(root: Path) -> Path:
    """The chart's directory."""
    return root / CHART_DIR


def profiles(root: Path) -> dict[str, tuple[Path, ...]]:
    """Values files per profile: `default` is values.yaml alone, then ci/<name>-values.yaml."""
    found: dict[str, tuple[Path, ...]] = {DEFAULT_PROFILE: ()}
    for path in sorted((chart_dir(root) / PROFILES_DIR).glob(f"*{PROFILE_SUFFIX}")):
        found[path.name.removesuffix(PROFILE_SUFFIX)] = (path,)
    return found


def _load_yaml(path: Path) -> Any:
    try:
        return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HarnessError(f"{path}: cannot read it as YAML ({exc})") from exc


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of values: maps merge key by key, anything else replaces; null deletes."""
    merged = dict(base)
    for key, value in over.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def values(
    root: Path, files: Iterable[Path] = (), sets: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The values a render uses: values.yaml, then each file, then `sets` (dotted keys)."""
    merged = _load_yaml(chart_dir(root) / "values.yaml") or {}
    for path in files:
        merged = merge(merged, _load_yaml(path) or {})
    for dotted, value in (sets or {}).items():
        node: dict[str, Any] = {}
        top = node
        *parents, last = dotted.split(".")
        for part in parents:
            node[part] = {}
            node = node[part]
        node[last] = value
        merged = merge(merged, top)
    return merged


def set_args(sets: Mapping[str, Any] | None) -> list[str]:
    """--set-json arguments for values given as data (no string escaping to get wrong)."""
    return [
        arg
        for key, value in (sets or {}).items()
        for arg in ("--set-json", f"{key}={json.dumps(value)}")
    ]


def template_argv(
    helm: Path,
    root: Path,
    files: Sequence[Path],
    kube_version: str,
    sets: Mapping[str, Any] | None = None,
    *,
    release: str = RELEASE,
    namespace: str = NAMESPACE,
) -> list[str]:
    """The `helm template` command for one profile and Kubernetes version."""
    argv = [str(helm), "template", release, str(chart_dir(root)), "--namespace", namespace]
    argv += ["--kube-version", kube_version]
    for path in files:
        argv += ["--values", str(path)]
    return argv + set_args(sets)


def parse(text: str, source: str) -> tuple[dict[str, Any], ...]:
    """The objects of a multi-document YAML stream (empty documents dropped)."""
    try:
        # libyaml: the same objects as the pure reader, ten times sooner (3 s a version).
        docs = list(YAML(typ="safe", pure=False).load_all(text))
    except ValueError as exc:
        raise HarnessError(f"{source}: the chart rendered invalid YAML ({exc})") from exc
    return tuple(doc for doc in docs if doc)


def render(
    root: Path,
    profile: str,
    files: Sequence[Path],
    kube_version: str,
    *,
    helm: Path,
    out_dir: Path,
    sets: Mapping[str, Any] | None = None,
    run: proc.Runner = proc.run,
) -> Render:
    """`helm template` one profile for one version; keep the text under out_dir."""
    done = run(template_argv(helm, root, files, kube_version, sets), timeout=HELM_TIMEOUT)
    if not done.ok:
        raise HarnessError(
            f"chart: `helm template` of profile {profile} for Kubernetes {kube_version} failed: "
            f"{done.last_error_line()}"
        )
    path = out_dir / f"{profile}-{kube_version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(done.stdout, encoding="utf-8")
    return Render(profile, kube_version, path, parse(done.stdout, str(path)))


def lint(
    root: Path,
    helm: Path,
    profile: str,
    files: Sequence[Path],
    kube_version: str,
    run: proc.Runner = proc.run,
) -> None:
    """`helm lint --strict` of one profile; HarnessError with helm's first error line."""
    argv = [str(helm), "lint", "--strict", str(chart_dir(root)), "--kube-version", kube_version]
    for path in files:
        argv += ["--values", str(path)]
    done = run(argv, timeout=HELM_TIMEOUT)
    if not done.ok:
        errors = [
            line.strip()
            for line in done.stdout.splitlines()
            if "[ERROR]" in line or "[WARNING]" in line
        ]
        raise HarnessError(
            f"chart: `helm lint --strict` of profile {profile} ({kube_version}) failed: "
            f"{errors[0] if errors else done.last_error_line()}"
        )


def validate(renders: Sequence[Render]) -> None:
    """Every render's objects, as written, against its Kubernetes version's strict schemas."""
    for kube in sorted({r.kube_version for r in renders}):
        schemas = k8s_schemas.Schemas(k8s_schemas.directory(kube, VALIDATORS.get(kube)))
        for r in renders:
            if r.kube_version != kube:
                continue
            objects = parse(r.path.read_text(encoding="utf-8"), str(r.path))
            problem = next(schemas.problems(objects), None)
            if problem:
                raise HarnessError(
                    f"chart: a render is not valid Kubernetes {kube}: {r.path.name}: {problem} "
                    "(fix the template or the profile's values)"
                )


def checkov_argv(target: Path, framework: str, report: Path, skip: Sequence[str] = ()) -> list[str]:
    """checkov offline (--skip-download) on target with one framework, a JSON report to report."""
    script = k8s_tools.isolated(CHECKOV) / "bin" / "checkov"
    argv = [sys.executable, str(script), "--directory", str(target), "--framework", framework]
    argv += ["--skip-download", "--output", "json", "--output-file-path", str(report)]
    for check in skip:
        argv += ["--skip-check", check]
    return argv


@dataclass(frozen=True)
class PolicyResult:
    """What checkov found in one scan."""

    framework: str
    passed: int
    failed: list[str]
    skipped: list[tuple[str, str, str]]


def read_checkov(report_dir: Path, framework: str) -> PolicyResult:
    """Failures as `check resource file:line` and skips as (check, resource, justification)."""
    path = report_dir / "results_json.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise HarnessError(f"chart: checkov wrote no readable report to {path} ({exc})") from exc
    reports = data if isinstance(data, list) else [data]
    failed, skipped, passed = [], [], 0
    for report in reports:
        results = report.get("results", {})
        passed += len(results.get("passed_checks", []))
        for check in results.get("failed_checks", []):
            lines = check.get("file_line_range") or [0]
            failed.append(
                f"{check['check_id']} {check['resource']} {check.get('file_path', '?')}:{lines[0]} "
                f"({check.get('check_name', '')})"
            )
        for check in results.get("skipped_checks", []):
            reason = (check.get("check_result") or {}).get("suppress_comment", "")
            skipped.append((check["check_id"], check["resource"], reason))
    return PolicyResult(framework, passed, failed, skipped)


def checkov(
    target: Path,
    framework: str,
    report_dir: Path,
    *,
    skip: Sequence[str] = (),
    path_dirs: Sequence[Path] = (),
    run: proc.Runner = proc.run,
) -> PolicyResult:
    """Run checkov's checks of one framework on target; its JSON report lands in report_dir."""
    env = k8s_tools.isolated_env(CHECKOV)
    if path_dirs:
        env["PATH"] = ":".join([*map(str, path_dirs), env.get("PATH", "")])
    report_dir.mkdir(parents=True, exist_ok=True)
    done = run(checkov_argv(target, framework, report_dir, skip), timeout=CHECKOV_TIMEOUT, env=env)
    # Exit 1 means findings (read from the report); anything else is checkov failing to run.
    if done.returncode not in (0, 1):
        raise HarnessError(f"chart: checkov ({framework}) did not run: {done.last_error_line()}")
    return read_checkov(report_dir, framework)


def package(
    root: Path,
    helm: Path,
    out_dir: Path,
    *,
    app_version: str | None = None,
    version: str | None = None,
    run: proc.Runner = proc.run,
) -> Path:
    """`helm package` the chart into out_dir (symlinks resolved); the .tgz path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    argv = [str(helm), "package", str(chart_dir(root)), "--destination", str(out_dir)]
    if app_version:
        argv += ["--app-version", app_version]
    if version:
        argv += ["--version", version]
    done = run(argv, timeout=HELM_TIMEOUT)
    found = sorted(out_dir.glob("*.tgz"))
    if not done.ok or not found:
        raise HarnessError(f"chart: `helm package` failed: {done.last_error_line()}")
    return found[-1]


# Registries on this machine speak plain HTTP (as Docker assumes for them); others TLS.
_LOCAL_REGISTRY = re.compile(r"^(127\.\d+\.\d+\.\d+|localhost)(:\d+)?(/|$)")
_PUSH_DIGEST = re.compile(r"Digest: (sha256:[0-9a-f]{64})")


def chart_version(base: str, sha: str, release: str | None) -> str:
    """The published chart's version: the release's on a vX.Y.Z tag, else base-g<sha>.

    (`g` keeps the pre-release part alphanumeric: semver forbids a leading zero in a
    numeric one, and a sha can be all digits.)
    """
    return release or f"{base.split('-')[0]}-g{sha}"


def publish(
    root: Path,
    registry_prefix: str,
    *,
    app_version: str,
    release: str | None,
    run: proc.Runner = proc.run,
) -> tuple[str, str]:
    """Package the chart with appVersion set to the published tag, push it as an OCI
    artifact beside the images (<registry>/annadata:<version>); (reference, digest)."""
    found = k8s_tools.tools(run=run)
    meta = _load_yaml(chart_dir(root) / "Chart.yaml")
    version = chart_version(str(meta["version"]), app_version, release)
    prefix = registry_prefix.rstrip("/").lower()
    with tempfile.TemporaryDirectory(prefix="annadata-chart-") as scratch:
        archive = package(
            root, found.helm, Path(scratch), app_version=app_version, version=version, run=run
        )
        argv = [str(found.helm), "push", str(archive), f"oci://{prefix}"]
        if _LOCAL_REGISTRY.match(prefix):
            argv.append("--plain-http")
        done = run(argv, timeout=HELM_TIMEOUT)
    digest = _PUSH_DIGEST.search(done.stdout + done.stderr)
    if not done.ok or not digest:
        raise HarnessError(
            f"publish: helm push of the chart to oci://{prefix} failed ({done.last_error_line()}); "
            "is `docker login` (or `helm registry login`) done for this registry?"
        )
    return f"{prefix}/{meta['name']}:{version}", digest.group(1)


def extract(archive: Path, out_dir: Path) -> Path:
    """Unpack a packaged chart (a .tgz helm wrote) into out_dir; the chart's directory."""
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(out_dir, filter="data")
    charts = [p for p in out_dir.iterdir() if (p / "Chart.yaml").is_file()]
    if len(charts) != 1:
        raise HarnessError(f"chart: {archive} does not hold exactly one chart")
    return charts[0]


def _stage(
    say: Callable[[str], None], timings: dict[str, float], name: str, started: float, detail: str
) -> None:
    timings[name] = time.monotonic() - started
    say(f"chart: {name:<10} {timings[name]:6.1f}s  {detail}")


def run(root: Path, *, pytest_args: Sequence[str] = (), say: Callable[[str], None] = print) -> int:
    """The whole `nox -s chart`: lint, render, validate, checkov, then tests/chart."""
    import pytest

    timings: dict[str, float] = {}
    found = k8s_tools.tools()
    out = root / reports.CHART_DIR
    chosen = profiles(root)

    started = time.monotonic()
    for profile, files in chosen.items():
        for kube in KUBE_VERSIONS:
            lint(root, found.helm, profile, files, kube)
    _stage(
        say,
        timings,
        "lint",
        started,
        f"helm lint --strict: {len(chosen)} profiles x Kubernetes {', '.join(KUBE_VERSIONS)}",
    )

    started = time.monotonic()
    renders = [
        render(root, profile, files, kube, helm=found.helm, out_dir=out / "rendered")
        for profile, files in chosen.items()
        for kube in KUBE_VERSIONS
    ]
    count = sum(len(r.objects) for r in renders)
    _stage(
        say,
        timings,
        "template",
        started,
        f"{len(renders)} renders, {count} objects in {out.relative_to(root)}/rendered",
    )

    started = time.monotonic()
    validate(renders)
    _stage(
        say,
        timings,
        "validate",
        started,
        f"strict schemas (kubernetes-validate's) of {', '.join(KUBE_VERSIONS)}",
    )

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="annadata-chart-") as scratch:
        packaged = extract(
            package(root, found.helm, Path(scratch) / "package"), Path(scratch) / "chart"
        )
        # checkov's Helm runner renders into the namespace "default" itself; the namespace
        # check (CKV_K8S_21) is made on our renders above, which name the release's namespace.
        scans: list[Callable[[], PolicyResult]] = [
            lambda: checkov(out / "rendered", "kubernetes", out / "checkov-kubernetes"),
            lambda: checkov(
                packaged, "helm", out / "checkov-helm", skip=["CKV_K8S_21"],
                path_dirs=[found.helm.parent],
            ),
        ]  # fmt: skip
        results = proc.two_at_a_time(lambda scan: scan(), scans)
    failed = [f"{r.framework}: {line}" for r in results for line in r.failed]
    unjustified = [
        f"{r.framework}: {c} on {res}"
        for r in results
        for c, res, why in r.skipped
        if len(why.strip()) < 10
    ]
    summary = ", ".join(
        f"{r.framework} {r.passed} passed, {len(r.failed)} failed, {len(r.skipped)} skipped"
        for r in results
    )
    _stage(say, timings, "checkov", started, summary)
    for line in failed:
        say(f"chart: checkov: {line}")
    if failed:
        raise HarnessError(
            f"chart: checkov found {len(failed)} problems (first: {failed[0]}): fix the template, "
            "or skip the check with a checkov.io/skipN annotation that says why"
        )
    if unjustified:
        raise HarnessError(
            f"chart: checkov skip without a reason: {unjustified[0]}: say why in its annotation"
        )

    started = time.monotonic()
    junit = f"--junitxml={reports.junit(root, 'chart')}"
    status = int(pytest.main([SUITE, junit, "-p", "no:cacheprovider", *pytest_args]))
    _stage(say, timings, "tests", started, f"pytest {SUITE}: exit {status}")
    say(f"chart: total      {sum(timings.values()):6.1f}s")
    return status
