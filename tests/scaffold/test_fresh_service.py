"""`nox -s new-service`, then unit, smoke and contract pass with no hand edits (Docker).

Runs the real sessions, nested, in a clone: what a developer types after scaffolding.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.docker import compose, engine
from harness.docker.stack import Stack
from tests import kept_images, nested

from .conftest import ROOT, work_tree

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


@pytest.fixture
def checkout_dir() -> Iterator[Path]:
    """The same directory on every run: the nested venvs' installs hold (tests.nested)."""
    with nested.place(ENVDIR) as work:
        yield work


@pytest.fixture
def new_images() -> Iterator[None]:
    """The scaffolded services' images keep one tag each, the next run's layer cache."""
    engine.ensure(root=ROOT)
    with kept_images.kept(NEW_IMAGES):
        yield


def _leftovers(checkout: Path) -> dict[str, dict[str, list[str]]]:
    """Containers, networks and volumes of the stacks the nested runs made, by project."""
    # Each stack's project name is its report directory's (annadata-smoke-<hex>, ...).
    projects = [p.name for p in (checkout / "reports").glob("*/annadata-*") if p.is_dir()]
    assert len(projects) >= 2, projects  # the smoke stack and the contract stack
    compose_file = [checkout / compose.COMPOSE_FILE]
    left = {
        project: Stack(checkout, compose_file, name=project, report_dir=checkout).leftovers()
        for project in projects
    }
    return {project: found for project, found in left.items() if any(found.values())}


def _hashes(checkout: Path) -> dict[str, str]:
    """Each tracked file's sha256; a symlink's is of its target path, as git stores it."""
    return {n: hashlib.sha256(_stored(checkout / n)).hexdigest() for n in work_tree(checkout)}


def _stored(path: Path) -> bytes:
    return os.readlink(path).encode() if path.is_symlink() else path.read_bytes()


def _passed(junit: Path) -> set[str]:
    """Names of the test cases that passed in a JUnit report."""
    # Our own pytest wrote it a moment ago: not untrusted input.
    cases = ET.parse(junit).getroot().iter("testcase")  # noqa: S314
    return {c.get("name", "") for c in cases if not list(c)}


@pytest.mark.docker
# Five nested sessions, each with its own venv check, builds and stack: longer than one test.
@pytest.mark.timeout(2400)
def test_a_fresh_scaffold_passes_unit_smoke_and_contract(checkout: Path, new_images: None):
    before = _hashes(checkout)
    nox(checkout, "-s", "new-service", "--", *PLAIN)
    nox(checkout, "-s", "new-service", "--", *WITH_FRONTEND)
    after = _hashes(checkout)
    changed = {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)}
    new_dirs = ("services/pest_alerts/", "services/seed_catalog/")
    assert {n for n in changed if not n.startswith(new_dirs)} == {
        ".env.example", "docker-compose.override.yml.sample", "docker-compose.yml",
        "services.json",
    }  # fmt: skip
    assert "services/seed_catalog/frontend/package.json" in changed

    nox(checkout, "-s", "unit(target='pest_alerts.backend')", "unit(target='seed_catalog.backend')")

    # What the scaffold changed (the new services, and the files it edited), against HEAD:
    # the existing services are the gate's own smoke and contract sessions' to check.
    nox(checkout, "-s", "smoke", "--", "--affected", "HEAD")
    passed = _passed(checkout / "reports/junit/smoke.xml")
    # The new components were really exercised, not deselected.
    for expected in (
        "test_health_is_ok_with_every_dependency[pest_alerts.backend]",
        "test_answers_through_traefik_on_its_route[pest_alerts.backend]",
        "test_answers_through_traefik_on_its_route[seed_catalog.frontend]",
        "test_frontend_serves_its_page_and_reaches_its_api[seed_catalog.frontend]",
    ):
        assert expected in passed, sorted(passed)

    nox(checkout, "-s", "contract", "--", "--affected", "HEAD")
    summary = json.loads((checkout / "reports/contract/summary.json").read_text())
    for service in ("pest_alerts", "seed_catalog"):
        row = summary[service]
        assert row["ok"], row
        assert row["failures"] == 0, row
        assert row["operations"] >= 3, row  # /health, /version, /api/v1/hello
        assert row["examples"] > 0, row
    assert _leftovers(checkout) == {}
