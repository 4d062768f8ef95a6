"""`nox -s audit`: each corpus repository's report, field by field; bad input in one line.

The probe is real: a throwaway venv built from the corpus app's requirements (PyPI).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.adopt import audit, report
from harness.errors import HarnessError
from tests import adopt_corpus as corpus


def _snapshot(root: Path) -> tuple[str, list[str]]:
    """git status and every path, to prove the audit changed nothing."""
    status = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--ignored"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return status, sorted(str(p) for p in root.rglob("*") if ".git" not in p.parts)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, audit.Audit]:
    root = corpus.plan_monorepo(tmp_path_factory.mktemp("plan"))
    before = _snapshot(root)
    found = audit.run_audit(root)
    assert _snapshot(root) == before, "the audit changed the tree"
    return root, found


def _app(found: audit.Audit, entrypoint: str) -> audit.PythonApp:
    return next(a for a in found.apps if a.entrypoint == entrypoint)


def test_package_style_app_runs_from_the_root_with_openapi_from_settings(plan):
    _, found = plan
    app = _app(found, "src.api.app:app")
    assert (app.file, app.workdir, app.framework) == ("src/api/app.py", ".", "fastapi")
    # Built from settings: only importing the app can tell, and the report says so.
    assert (app.openapi.value, app.openapi.how) == ("/api/v1/openapi.json", "probe")
    assert (app.docs.value, app.docs.how) == ("/api/v1/docs", "probe")
    assert (app.health.value, app.health.how) == ("/status", "probe")
    assert (8002, "src/api/app.py:37") in app.ports
    assert (8002, "README.md:3") in app.ports
    assert app.requirements == "requirements.txt"
    assert app.unpinned == ["fastapi", "uvicorn", "pydantic-settings>=2"]
    assert app.settings == {
        "API_V1_STR": "/api/v1", "LOG_LEVEL": "INFO", "MODELS_DIR": "src/models/saved_models",
    }  # fmt: skip
    assert app.missing_imports == []
    assert app.needs == []
    assert app.probe == "ok"
    assert "/api/v1/predict" in app.routes
    assert found.locks["requirements.txt"]["fastapi"]


def test_subdirectory_app_with_its_own_requirements_and_data(plan):
    _, found = plan
    app = _app(found, "app:app")
    assert (app.file, app.workdir) == ("protein_lab/backend/app.py", "protein_lab/backend")
    assert app.requirements == "protein_lab/backend/requirements.txt"
    assert app.unpinned == []
    assert (app.health.value, app.openapi.value) == ("/health", "/openapi.json")
    assert found.artifacts.data_dirs == ["protein_lab/backend/data"]


def test_pickled_models_are_found_by_content_and_flagged_dev_only(plan):
    _, found = plan
    assert [(m.path, m.format, m.dev_only) for m in found.artifacts.models] == [
        ("src/models/saved_models/crop_yield.pkl", "pickle", True)
    ]
    entries = found.artifacts.registries["src/models/saved_models/model_registry.json"]
    assert [(e.name, e.status) for e in entries] == [("crop_yield", "ok")]


def test_the_proposal_maps_current_paths(plan):
    _, found = plan
    services = found.proposed["services"]
    api = services["src_api"]["components"]["backend"]
    assert api == {
        "directory": "src/api", "entrypoint": "src.api.app:app", "port": 8002,
        "health": "/status", "openapi": "/api/v1/openapi.json", "docs": "/api/v1/docs",
        "workdir": ".", "requirements": "requirements.lock.txt",
        "mounts": ["src/models/saved_models"], "profile": "dev",
    }  # fmt: skip
    lab = services["protein_lab"]["components"]["backend"]
    assert lab["directory"] == "protein_lab/backend"
    assert lab["mounts"] == ["protein_lab/backend/data"]
    assert "workdir" not in lab
    assert lab["port"] != api["port"]
    assert set(found.proposed["infrastructure"]) == {"socket_proxy", "traefik"}
    problems = {b.problem: b for b in found.blockers}
    unpinned = problems["3 unpinned requirement(s): fastapi, uvicorn, pydantic-settings>=2"]
    assert unpinned.fixed_by_adopt


def test_reports_in_both_formats_carry_the_same_facts(plan):
    _, found = plan
    data = json.loads(report.render(found, "json"))
    assert data["runnable"] == ["protein_lab.backend", "src_api.backend"]
    assert data["apps"][1]["openapi"] == {"value": "/api/v1/openapi.json", "how": "probe"}
    text = report.render(found, "md")
    assert "| src/api/app.py:11 (fastapi) | `src.api.app:app` | . |" in text
    assert "/api/v1/openapi.json (probe)" in text


def test_without_the_probe_a_settings_url_is_named_unresolved(tmp_path):
    found = audit.run_audit(corpus.plan_monorepo(tmp_path), use_probe=False)
    app = _app(found, "src.api.app:app")
    assert app.openapi == audit.Found(None, "expression: resolved by the probe")
    assert app.probe == "not run"
    assert (app.health.value, app.health.how) == ("/status", "ast")


def test_an_app_that_needs_postgres(tmp_path):
    found = audit.run_audit(corpus.postgres_app(tmp_path), use_probe=False)
    app = _app(found, "main:app")
    assert app.workdir == "msp_prices/backend"
    assert app.needs == ["postgres"]
    assert app.settings == {"DATABASE_URL": ""}
    assert app.health.value == "/healthz"
    assert found.proposed["services"]["msp_prices"]["components"]["backend"]["depends_on"] == [
        "postgres"
    ]
    assert set(found.proposed["infrastructure"]) == {"postgres", "socket_proxy", "traefik"}
    [web] = found.frontends
    assert (web.directory, web.framework, web.serve, web.node) == (
        "msp_prices/frontend",
        "next.js",
        "server",
        ">=20.9",
    )
    assert web.blockers == []
    assert found.proposed["services"]["msp_prices"]["components"]["frontend"] == {
        "directory": "msp_prices/frontend", "port": 3000, "health": "/", "serve": "server",
        "depends_on": ["msp_prices.backend"],
    }  # fmt: skip


def test_frontends_their_node_floor_and_a_platform_only_blocker(tmp_path):
    found = audit.run_audit(corpus.frontends(tmp_path), use_probe=False)
    fronts = {f.directory: f for f in found.frontends}
    web = fronts["web"]
    assert (web.framework, web.serve, web.node, web.node_how) == (
        "next.js",
        "server",
        ">=20.9",
        "framework",
    )
    assert (web.build, web.start, web.lockfile) == ("next build", "next start",
                                                     "package-lock.json")  # fmt: skip
    vite = fronts["vite-app"]
    assert (vite.framework, vite.serve, vite.build_output, vite.node) == (
        "vite",
        "static",
        "dist",
        ">=20.19",
    )
    mac = fronts["mac-only"]
    assert (mac.node, mac.node_how) == (">=20", "engines")
    [blocker] = mac.blockers
    assert "direct dependency fsevents is platform-only (os ['darwin'])" in blocker.problem
    assert "EBADPLATFORM" in blocker.problem
    assert 'move "fsevents" to "optionalDependencies"' in blocker.fix
    frontends = found.proposed["services"]
    assert frontends["web"]["components"]["frontend"]["serve"] == "server"
    assert "mac_only" not in frontends


def test_flask_and_a_bare_script_are_reported_not_adopted(tmp_path):
    found = audit.run_audit(corpus.not_servers(tmp_path), use_probe=False)
    reasons = {u.file: u.why_not for u in found.unrunnable}
    assert reasons["legacy/app.py"].startswith("a Flask app (WSGI)")
    assert reasons["tools/main.py"].startswith("a script with no server")
    assert found.proposed["services"] == {}
    assert found.empty


def test_a_tree_with_no_services_says_so_in_one_line(tmp_path):
    found = audit.run_audit(corpus.no_services(tmp_path), use_probe=False)
    assert found.empty
    assert "no services: no FastAPI or Starlette app and no Node frontend" in found.notes
    # The symlink loop is named, never followed.
    assert "loop: symlink loop, skipped" in found.notes
    assert "**No services found**" in report.render(found, "md")


def test_a_failing_import_and_unresolvable_requirements_are_reported(tmp_path):
    found = audit.run_audit(corpus.broken(tmp_path))
    gpu = _app(found, "app:app") if found.apps[0].file.startswith("gpu") else found.apps[1]
    assert not gpu.runnable
    assert "import of app:app failed: RuntimeError: needs a GPU driver" in gpu.why_not
    wrong = next(a for a in found.apps if a.file.startswith("pinned_wrong"))
    assert not wrong.runnable
    assert wrong.why_not.startswith("pinned_wrong/requirements.txt does not resolve:")
    assert found.proposed["services"] == {}


def test_a_big_tree_is_walked_without_node_modules(tmp_path):
    found = audit.run_audit(corpus.big_tree(tmp_path, files=10_000), use_probe=False)
    assert found.files < 10
    assert [a.entrypoint for a in found.apps] == ["app:app"]


@pytest.mark.parametrize("case", ["missing", "file", "not_git", "subdirectory"])
def test_bad_paths_get_one_line(tmp_path, case):
    expected = {
        "missing": "no such directory",
        "file": "not a directory",
        "not_git": "not a git repository: `git init` it and commit first",
        "subdirectory": "inside the git repository",
    }[case]
    target = tmp_path / "x"
    if case == "file":
        target.write_text("")
    elif case == "not_git":
        target.mkdir()
    elif case == "subdirectory":
        corpus.no_services(tmp_path / "repo")
        target = tmp_path / "repo" / "notes"
    with pytest.raises(HarnessError) as caught:
        audit.run_audit(target, use_probe=False)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_cli_prints_json_and_one_line_for_bad_input(tmp_path):
    root = corpus.postgres_app(tmp_path / "repo")
    done = subprocess.run(
        [sys.executable, "-m", "harness", "audit", str(root), "--format", "json", "--no-probe"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["apps"][0]["entrypoint"] == "main:app"
    bad = subprocess.run(
        [sys.executable, "-m", "harness", "audit", str(tmp_path / "nope")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0
    assert "no such directory" in bad.stderr


def test_a_factory_app_a_local_library_and_test_doubles(tmp_path):
    root = tmp_path / "repo"
    corpus._write(root, {
        "api/main.py": (
            "from fastapi import FastAPI\n\nimport common\n\n\n"
            "def create_app() -> FastAPI:\n    return FastAPI(openapi_url='/spec.json')\n\n\n"
            "app = create_app()\n"
        ),
        "api/requirements.txt": f"{corpus.FASTAPI}\n{corpus.UVICORN}\n",
        "libs/common/pyproject.toml": "[project]\nname = 'common'\n",
        "libs/common/src/common/__init__.py": "",
        "tests/fixtures/fake/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    })  # fmt: skip
    corpus.commit(root)
    found = audit.run_audit(root, use_probe=False)
    [app] = found.apps
    assert (app.file, app.entrypoint, app.framework) == ("api/main.py", "main:app", "fastapi")
    assert app.openapi.how == "factory: resolved by the probe"
    assert app.missing_imports == ["common"]
    fixes = [b.fix for b in found.blockers]
    assert any("common is a package in this tree (libs/common)" in f for f in fixes), fixes
    assert "audit without --no-probe" in fixes
