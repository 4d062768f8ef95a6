"""The drift check as the unit sessions run it: a pytest plugin after a service's own tests."""

from __future__ import annotations

import pytest

from harness.contract.openapi_diff import dump

pytest_plugins = ["pytester"]
SPEC = {"openapi": "3.1.0", "info": {"title": "demo", "version": "1.0.0"}, "paths": {}}
# A stand-in app: the plugin needs only `app.openapi()` from the backend's app.py.
APP = (
    "SPEC = {spec!r}\n\nclass _App:\n    def openapi(self):\n        return SPEC\n\napp = _App()\n"
)
FIX = "nox -s contract -- --update"


@pytest.fixture
def backend(pytester: pytest.Pytester) -> pytest.Pytester:
    """A backend directory with an app, one test, and (per test) an openapi.yaml."""
    pytester.makefile(".py", app=APP.format(spec=SPEC))
    pytester.makeini("[pytest]\npythonpath = .\n")
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_app.py").write_text(
        "import app\n\n\ndef test_app():\n    assert app.app\n"
    )
    return pytester


def _run(backend: pytest.Pytester) -> pytest.RunResult:
    # In-process (pytester restores sys.modules and sys.path): no interpreter start-up.
    return backend.runpytest_inprocess(
        "tests",
        "-p",
        "harness.contract.openapi_drift",
        "--openapi-fix",
        FIX,
        "-p",
        "no:cacheprovider",
    )


def test_a_matching_spec_passes(backend: pytest.Pytester):
    (backend.path / "openapi.yaml").write_text(dump(SPEC))
    result = _run(backend)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*openapi.yaml: matches the app"])


def test_drift_fails_the_run_with_the_difference_and_the_fix(backend: pytest.Pytester):
    stale = {**SPEC, "paths": {"/gone": {"get": {"responses": {}}}}}
    (backend.path / "openapi.yaml").write_text(dump(stale))
    result = _run(backend)
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        f"*openapi.yaml: 1 difference(s) from what the app generates (run `{FIX}`*",
        "  - operation GET /gone: removed",
    ])  # fmt: skip


def test_a_missing_spec_fails_and_names_the_fix(backend: pytest.Pytester):
    result = _run(backend)
    assert result.ret == 1
    result.stdout.fnmatch_lines([f"*openapi.yaml: missing: run `{FIX}` to create it"])


def test_an_unreadable_spec_fails_with_one_line_not_an_internal_error(backend: pytest.Pytester):
    # Before: a YAML error in pytest_sessionfinish was an INTERNALERROR traceback.
    (backend.path / "openapi.yaml").write_text("openapi: 3.1.0\npaths: [\n")
    result = _run(backend)
    assert result.ret == 1
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(["*openapi.yaml:3: *; regenerate it with `nox -s contract*"])
