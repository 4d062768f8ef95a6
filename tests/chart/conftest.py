"""Fixtures of the chart suite: every values profile rendered for each supported version."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from harness import paths, registry
from harness.k8s import chart, tools

from .conformance import Case, compose_services

ROOT = paths.repo_root(Path(__file__))
PROFILES = chart.profiles(ROOT)
CASES = list(itertools.product(PROFILES, chart.KUBE_VERSIONS))


@pytest.fixture(scope="session")
def helm() -> Path:
    """The pinned helm binary."""
    return tools.tools().helm


def make_case(
    root: Path, profile: str, files: tuple[Path, ...], kube: str, helm: Path, out: Path
) -> Case:
    """Render one profile for one version and pair it with its expectations."""
    render = chart.render(root, profile, files, kube, helm=helm, out_dir=out)
    return Case(
        root, render, chart.values(root, files), registry.load(root), compose_services(root)
    )


@pytest.fixture(scope="session")
def cases(helm: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Case]:
    """Every (profile, Kubernetes version) render of this checkout's chart."""
    out = tmp_path_factory.mktemp("rendered")
    return {
        (profile, kube): make_case(ROOT, profile, PROFILES[profile], kube, helm, out)
        for profile, kube in CASES
    }
