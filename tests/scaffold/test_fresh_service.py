"""`nox -s new-service`, then unit, smoke and contract pass with no hand edits (Docker).

Runs the real sessions, nested, in a clone: what a developer types after scaffolding.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import engine, proc

from .conftest import ROOT, git

# Venvs of the nested sessions persist between runs: later runs only re-check their pins.
ENVDIR = ROOT / ".nox" / "_scaffold-checkout"
# The issue's own example, and the other shape: a frontend in a profile of its own.
PLAIN = ["pest_alerts"]
WITH_FRONTEND = ["seed_catalog", "--frontend", "--profile", "extras"]
NEW_IMAGES = ("annadata/pest_alerts-*", "annadata/seed_catalog-*")
SESSION_TIMEOUT_S = 1200


def nox(checkout: Path, *args: str) -> str:
    """Run a nox session in the checkout; its output, or a failure showing the last lines."""
    argv = [sys.executable, "-m", "nox", "--envdir", str(ENVDIR), *args]
    done = subprocess.run(
        argv, cwd=checkout, capture_output=True, text=True, timeout=SESSION_TIMEOUT_S
    )
    output = done.stdout + done.stderr
    tail = "\n".join(output.splitlines()[-60:])
    assert done.returncode == 0, f"`nox {' '.join(args)}` failed in {checkout}:\n{tail}"
    return output


def _docker_objects() -> set[str]:
    found = set()
    for argv in (["ps", "--all"], ["network", "ls"], ["volume", "ls"]):
        done = proc.run(["docker", *argv, "--quiet"], timeout=60)
        assert done.ok, done.last_error_line()
        found |= {f"{argv[0]}:{ident}" for ident in done.stdout.split()}
    return found


@pytest.fixture
def engine_state() -> Iterator[None]:
    """Nothing the nested runs start may outlive them; their new images are removed after."""
    engine.ensure(root=ROOT)
    before = _docker_objects()
    yield
    for pattern in NEW_IMAGES:
        listed = proc.run(["docker", "image", "ls", "--quiet", pattern], timeout=60)
        if listed.stdout.split():
            proc.run(["docker", "image", "rm", "--force", *set(listed.stdout.split())], timeout=120)
    assert _docker_objects() - before == set()


def _status(checkout: Path) -> set[tuple[str, ...]]:
    """(status, path) of every changed or new path, as `git status --porcelain` says."""
    status = git("status", "--porcelain", "--untracked-files=normal", cwd=checkout)
    return {tuple(line.split(maxsplit=1)) for line in status.splitlines()}


def _passed(junit: Path) -> set[str]:
    """Names of the test cases that passed in a JUnit report."""
    # Our own pytest wrote it a moment ago: not untrusted input.
    cases = ET.parse(junit).getroot().iter("testcase")  # noqa: S314
    return {c.get("name", "") for c in cases if not list(c)}


@pytest.mark.docker
# Five nested sessions, each with its own venv check, builds and stack: longer than one test.
@pytest.mark.timeout(2400)
def test_a_fresh_scaffold_passes_unit_smoke_and_contract(checkout: Path, engine_state: None):
    before = _status(checkout)
    nox(checkout, "-s", "new-service", "--", *PLAIN)
    nox(checkout, "-s", "new-service", "--", *WITH_FRONTEND)
    assert _status(checkout) - before == {
        ("M", ".env.example"), ("M", "docker-compose.override.yml.sample"),
        ("M", "docker-compose.yml"), ("M", "services.json"),
        ("??", "services/pest_alerts/"), ("??", "services/seed_catalog/"),
    }  # fmt: skip

    nox(checkout, "-s", "unit(target='pest_alerts.backend')", "unit(target='seed_catalog.backend')")

    nox(checkout, "-s", "smoke")
    passed = _passed(checkout / "reports/junit/smoke.xml")
    # The new components were really exercised, not deselected.
    for expected in (
        "test_health_is_ok_with_every_dependency[pest_alerts.backend]",
        "test_answers_through_traefik_on_its_route[pest_alerts.backend]",
        "test_answers_through_traefik_on_its_route[seed_catalog.frontend]",
        "test_frontend_serves_its_page_and_reaches_its_api[seed_catalog.frontend]",
    ):
        assert expected in passed, sorted(passed)

    nox(checkout, "-s", "contract")
    summary = json.loads((checkout / "reports/contract/summary.json").read_text())
    for service in ("pest_alerts", "seed_catalog"):
        row = summary[service]
        assert row["ok"], row
        assert row["failures"] == 0, row
        assert row["operations"] >= 3, row  # /health, /version, /api/v1/hello
        assert row["examples"] > 0, row
