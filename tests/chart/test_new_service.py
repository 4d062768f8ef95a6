"""`nox -s new-service` and the chart follows: no hand edits to the chart, every check holds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.k8s import chart

from . import conformance
from .conftest import ROOT, make_case

PLAIN = ["pest_alerts"]
WITH_FRONTEND = ["seed_catalog", "--frontend", "--profile", "extras"]


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=120
    ).stdout


def copy_checkout(dest: Path) -> Path:
    """A clone of this checkout with its uncommitted work (symlinks kept as links)."""
    _git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(dest), cwd=ROOT)
    listed = _git("ls-files", "--cached", "--others", "--exclude-standard", cwd=ROOT).splitlines()
    for name in listed:
        source, target = ROOT / name, dest / name
        if source.is_symlink():
            target.unlink(missing_ok=True)
            target.symlink_to(os.readlink(source))
        elif source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def new_service(checkout: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ANNADATA_ROOT"}
    done = subprocess.run(
        [sys.executable, "-m", "harness", "--root", str(checkout), "new-service", *args],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    checkout = copy_checkout(tmp_path_factory.mktemp("scaffold") / "annadata")
    new_service(checkout, *PLAIN)
    new_service(checkout, *WITH_FRONTEND)
    return checkout


@pytest.mark.parametrize("profile", ["default", "test-cluster"])
@pytest.mark.parametrize("kube", chart.KUBE_VERSIONS)
def test_the_chart_follows_new_services(scaffolded, helm, tmp_path, profile, kube):
    files = chart.profiles(scaffolded)[profile]
    case = make_case(scaffolded, profile, files, kube, helm, tmp_path)
    assert conformance.all_mismatches(case) == {}
    deployments = set(case.objects("Deployment"))
    assert "annadata-pest-alerts-backend" in deployments
    # A new profile is off until switched on, as in compose.
    assert "annadata-seed-catalog-frontend" not in deployments
    routes = {r["host"] for o in case.objects("Ingress").values() for r in o["spec"]["rules"]}
    if case.values["ingress"]["enabled"]:
        assert "pest-alerts.api.localhost" in routes


def test_a_new_profile_is_a_values_switch(scaffolded, helm, tmp_path):
    sets = {"extras": {"enabled": True}}
    render = chart.render(
        scaffolded, "extras", (), chart.KUBE_VERSIONS[-1], helm=helm, out_dir=tmp_path, sets=sets
    )
    case = conformance.Case(
        scaffolded, render, chart.values(scaffolded, (), sets),
        conformance.registry.load(scaffolded), conformance.compose_services(scaffolded),
    )  # fmt: skip
    assert conformance.all_mismatches(case) == {}
    names = set(case.objects("Deployment"))
    assert {"annadata-seed-catalog-backend", "annadata-seed-catalog-frontend"} <= names
    frontend = case.pod(next(c for c in case.enabled() if c.ref == "seed_catalog.frontend"))
    assert [c["name"] for c in frontend["initContainers"]] == ["nginx-config"]


def test_the_chart_reads_the_registry_itself():
    link = chart.chart_dir(ROOT) / "services.json"
    assert link.is_symlink()
    assert link.resolve() == (ROOT / "services.json").resolve()
