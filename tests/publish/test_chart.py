"""The chart published for real: pushed as an OCI artifact to a registry on 127.0.0.1 beside
the images, pulled back, its appVersion the tag the images were pushed with."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from harness import git as harness_git
from harness import paths, proc
from harness.k8s import chart, tools

ROOT = paths.repo_root(Path(__file__))
pytestmark = pytest.mark.docker


def test_chart_is_pushed_beside_the_images_with_the_published_app_version(local_registry, tmp_path):
    sha = harness_git.short_sha(ROOT)
    reference, digest = chart.publish(ROOT, local_registry, app_version=sha, release=None)
    assert reference == f"{local_registry}/annadata:0.1.0-g{sha}"
    assert digest.startswith("sha256:")
    helm = tools.tools().helm
    pulled = proc.run(
        [str(helm), "pull", f"oci://{local_registry}/annadata", "--version", f"0.1.0-g{sha}",
         "--plain-http", "--destination", str(tmp_path)],
        timeout=120,
    )  # fmt: skip
    assert pulled.ok, pulled.stderr
    assert digest in pulled.stdout + pulled.stderr
    with tarfile.open(next(tmp_path.glob("annadata-*.tgz"))) as archive:
        archive.extractall(tmp_path / "x", filter="data")
    meta = (tmp_path / "x/annadata/Chart.yaml").read_text()
    assert f"appVersion: {sha}" in meta
    # The registry itself travels in the chart (the link resolved), not a copy of it.
    packaged = json.loads((tmp_path / "x/annadata/services.json").read_text())
    assert packaged == json.loads((ROOT / "services.json").read_text())
    # Installed as published, it runs the images publish pushed under that tag.
    shown = proc.run([str(helm), "template", "annadata", str(tmp_path / "x/annadata"),
                      "--set", f"image.registry={local_registry}"], timeout=120)  # fmt: skip
    assert f"image: {local_registry}/annadata-soil_health-backend:{sha}" in shown.stdout


def test_a_release_tag_publishes_its_own_version():
    assert chart.chart_version("0.1.0", "0123456789ab", "1.4.0") == "1.4.0"
    assert chart.chart_version("0.1.0", "0123456789ab", None) == "0.1.0-g0123456789ab"
