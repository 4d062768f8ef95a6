"""Annadata platform sessions: `nox -l` lists them; `nox` runs the whole gate.

Sessions are thin: they install the harness (infra/harness) and call it. Settings first.
"""

from __future__ import annotations

import nox

nox.needs_version = ">=2025.10.16"
nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
# The gate, in the order a reviewer reads it: cheap checks first, Docker last.
nox.options.sessions = ["lint", "unit", "standins"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
TEST_DEPS = nox.project.dependency_groups(PYPROJECT, "test")
LINT_DEPS = nox.project.dependency_groups(PYPROJECT, "lint")


def _install_harness(session: nox.Session, *extra: str) -> None:
    session.install("-e", ".", *extra)


@nox.session(tags=["quick"])
def lint(session: nox.Session) -> None:
    """Lint and format-check the Python code with ruff."""
    session.install(*LINT_DEPS)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(tags=["quick"])
def unit(session: nox.Session) -> None:
    """Unit tests of the harness (no Docker)."""
    _install_harness(session, *TEST_DEPS)
    session.run("pytest", "tests/harness", *session.posargs)


@nox.session(tags=["docker"])
def doctor(session: nox.Session) -> None:
    """Check this machine can run the stack (provisions Docker on bare Debian as root)."""
    _install_harness(session)
    session.run("python", "-m", "harness", "doctor", *session.posargs)


@nox.session(tags=["docker"])
def bases(session: nox.Session) -> None:
    """Build the no-registry stand-in images that changed and write their env file."""
    _install_harness(session)
    session.run("python", "-m", "harness", "bases", *session.posargs)


@nox.session(tags=["docker"])
def standins(session: nox.Session) -> None:
    """Prove the stand-in images keep their official images' contracts (Docker)."""
    _install_harness(session, *TEST_DEPS)
    session.run("pytest", "tests/standins", *session.posargs)
