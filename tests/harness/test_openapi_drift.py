"""The drift check as the unit sessions run it: a pytest plugin after a service's own tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.openapi_diff import dump

SPEC = {"openapi": "3.1.0", "info": {"title": "demo", "version": "1.0.0"}, "paths": {}}
# A stand-in app: the plugin needs only `app.openapi()` from the backend's app.py.
APP = (
    "SPEC = {spec!r}\n\nclass _App:\n    def openapi(self):\n        return SPEC\n\napp = _App()\n"
)


@pytest.fixture
def backend(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP.format(spec=SPEC))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text(
        "import app\n\ndef test_app():\n    assert app.app\n"
    )
    return tmp_path


def _pytest(backend: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests", "-p", "harness.openapi_drift",
         "--openapi-fix", "nox -s contract -- --update", "-p", "no:cacheprovider"],
        cwd=backend, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_matching_spec_passes(backend: Path):
    (backend / "openapi.yaml").write_text(dump(SPEC))
    done = _pytest(backend)
    assert done.returncode == 0, done.stdout
    assert "openapi.yaml: matches the app" in done.stdout


def test_drift_fails_the_run_with_the_difference_and_the_fix(backend: Path):
    stale = {**SPEC, "paths": {"/gone": {"get": {"responses": {}}}}}
    (backend / "openapi.yaml").write_text(dump(stale))
    done = _pytest(backend)
    assert done.returncode == 1
    assert "1 difference(s) from what the app generates" in done.stdout
    assert "operation GET /gone: removed" in done.stdout
    assert "run `nox -s contract -- --update`" in done.stdout


def test_a_missing_spec_fails_and_names_the_fix(backend: Path):
    done = _pytest(backend)
    assert done.returncode == 1
    assert "openapi.yaml: missing: run `nox -s contract -- --update`" in done.stdout
