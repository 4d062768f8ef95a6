"""What a change affects: one case per rule, asserted with its reasons, in a real clone.

Each test edits a clone of this repository (real git, the real registry, compose file,
Dockerfiles and stand-in recipes) and compares it with the clone's HEAD.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import paths, registry
from harness.errors import HarnessError
from harness.selection import affected, blocks, plan

ROOT = paths.repo_root(Path(__file__))
PYTHON = [
    "protein_engineering.backend", "msp_mitra.backend", "yield_api.backend", "worker.worker",
    "soil_health.backend", "weather_alerts.backend", "crop_calendar.backend",
]  # fmt: skip
FRONTENDS = ["protein_engineering.frontend", "msp_mitra.frontend", "crop_calendar.frontend"]


def _git(*argv: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}  # fmt: skip
    return subprocess.run(
        ["git", *argv], cwd=cwd, env=env, check=True, capture_output=True, text=True, timeout=60
    ).stdout.strip()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this repository at HEAD, shared by the module's tests."""
    dest = tmp_path_factory.mktemp("affected") / "repo"
    _git("clone", "--quiet", str(ROOT), str(dest), cwd=dest.parent)
    return dest


@pytest.fixture
def repo(pristine: Path) -> Iterator[Path]:
    """The clone, put back to HEAD (commits, edits and new files undone) after each test."""
    head = _git("rev-parse", "HEAD", cwd=pristine)
    yield pristine
    _git("reset", "--quiet", "--hard", head, cwd=pristine)
    _git("clean", "-fdq", cwd=pristine)


def _append(repo: Path, path: str, text: str) -> None:
    with (repo / path).open("a", encoding="utf-8") as sink:
        sink.write(text)


def _replace(repo: Path, path: str, old: str, new: str) -> None:
    text = (repo / path).read_text(encoding="utf-8")
    assert old in text, f"{path} has no {old!r}"
    (repo / path).write_text(text.replace(old, new, 1), encoding="utf-8")


def _select(repo: Path, ref: str = "HEAD") -> tuple[affected.Selection, registry.Registry]:
    reg = registry.load(repo)
    return affected.compute(repo, reg, affected.change(repo, ref)), reg


def _plan(repo: Path, session: str, target: str | None = None) -> plan.Plan:
    sel, reg = _select(repo)
    return plan.decide(sel, reg, session, target)


# --- one case per rule ------------------------------------------------------------------------


def test_a_backend_change_reaches_its_backend_and_the_frontend_that_proxies_it(repo: Path):
    _append(repo, "services/msp_mitra/backend/app.py", "\n# a one-line change\n")
    sel, reg = _select(repo)
    assert sel.everything is None
    assert sel.components == {
        "msp_mitra.backend": "services/msp_mitra/backend/app.py → msp_mitra.backend (owns it)",
        "msp_mitra.frontend": "services/msp_mitra/backend/app.py → msp_mitra.backend (owns it) "
        "→ msp_mitra.frontend (depends on it)",
    }
    assert plan.decide(sel, reg, "unit", "msp_mitra.backend").run
    left = plan.decide(sel, reg, "unit", "soil_health.backend")
    assert not left.run
    assert left.line == (
        "unit(target='soil_health.backend'): nothing affected: no change reaches it "
        "(1 changed: services/msp_mitra/backend/app.py)"
    )
    assert plan.decide(sel, reg, "contract").targets == ("msp_mitra.backend",)
    smoke = plan.decide(sel, reg, "smoke")
    assert smoke.targets == ("msp_mitra.backend", "msp_mitra.frontend")
    assert smoke.line.startswith(
        "smoke: affected: 2 of 10 components (msp_mitra.backend, msp_mitra.frontend); left out 8, "
        "no change reaches them: protein_engineering.backend, "
    )
    for session in ("typecheck", "lint-corpus", "hooks", "standins", "stack", "devstack"):
        assert not plan.decide(sel, reg, session).run, session
    assert plan.decide(sel, reg, "lint").line == (
        "lint: affected: lint checks every change (1 changed)"
    )


def test_a_frontend_only_change_reaches_that_frontend_alone(repo: Path):
    _append(repo, "services/msp_mitra/frontend/index.html", "\n<!-- a one-line change -->\n")
    sel, reg = _select(repo)
    assert sel.components == {
        "msp_mitra.frontend": "services/msp_mitra/frontend/index.html → msp_mitra.frontend "
        "(owns it)"
    }
    assert plan.decide(sel, reg, "smoke").targets == ("msp_mitra.frontend",)
    assert not plan.decide(sel, reg, "contract").run  # frontends have no contract
    assert not any(plan.decide(sel, reg, "unit", t).run for t in plan.unit_targets(reg))


def test_a_libs_change_reaches_every_python_component_that_installs_it(repo: Path):
    path = "libs/annadata_common/src/annadata_common/health.py"
    _append(repo, path, "\n# a one-line change\n")
    sel, reg = _select(repo)
    for ref in PYTHON:
        assert sel.components[ref] == f"{path} → {ref} (installs it)"
    # The frontends proxy a backend that installs it.
    assert sel.components["msp_mitra.frontend"].endswith(
        "msp_mitra.backend (installs it) → msp_mitra.frontend (depends on it)"
    )
    assert set(sel.components) == {*PYTHON, *FRONTENDS}
    assert sel.picks["unit"] == {
        "libs": f"{path} → shared library",
        "template": f"{path} → shared library",
    }
    assert plan.decide(sel, reg, "unit", "template").run


def test_a_libs_test_change_runs_the_librarys_own_tests_only(repo: Path):
    _append(repo, "libs/annadata_common/tests/test_health.py", "\n# a one-line change\n")
    sel, reg = _select(repo)
    assert sel.components == {}
    assert plan.decide(sel, reg, "unit", "libs").run
    assert not plan.decide(sel, reg, "unit", "template").run


def test_a_dockerfile_template_reaches_every_component_of_its_kind(repo: Path):
    _append(repo, "infra/docker-templates/Dockerfile.node", "\n# a one-line change\n")
    sel, reg = _select(repo)
    assert sel.components == {
        ref: f"infra/docker-templates/Dockerfile.node → {ref} (its Dockerfile is rendered from it)"
        for ref in FRONTENDS
    }
    assert plan.decide(sel, reg, "scaffold").run  # the scaffold renders from it


def test_a_file_a_dockerfile_copies_reaches_the_components_that_copy_it(repo: Path):
    _append(repo, "infra/docker-templates/nginx/spa.conf", "\n# a one-line change\n")
    sel, _ = _select(repo)
    assert sel.components == {
        ref: f"infra/docker-templates/nginx/spa.conf → {ref} (its image copies it)"
        for ref in FRONTENDS
    }


def test_a_standin_recipe_reaches_what_builds_or_runs_on_it(repo: Path):
    _append(repo, "infra/bases/redis/Dockerfile", "\n# a one-line change\n")
    sel, reg = _select(repo)
    step = "infra/bases/redis/Dockerfile → the redis stand-in (REDIS_IMAGE) → redis (runs on it)"
    assert sel.components == {
        "yield_api.backend": f"{step} → yield_api.backend (depends on it)",
        "worker.worker": f"{step} → worker.worker (depends on it)",
    }
    assert plan.decide(sel, reg, "standins").run
    assert plan.decide(sel, reg, "stack").run


def test_a_standin_that_others_build_on_reaches_theirs_too(repo: Path):
    _append(repo, "infra/bases/node/Dockerfile", "\n# a one-line change\n")
    sel, _ = _select(repo)
    assert set(sel.components) == set(FRONTENDS)
    assert sel.components["msp_mitra.frontend"] == (
        "infra/bases/node/Dockerfile → the node stand-in (NODE_IMAGE) → msp_mitra.frontend "
        "(builds on it)"
    )


def test_a_mounted_data_file_reaches_the_components_that_mount_it(repo: Path):
    _append(repo, "data/processed/msp.csv", "")
    (repo / "data/processed/msp.csv").write_text("commodity\nwheat\n")
    sel, _ = _select(repo)
    direct = {ref: why for ref, why in sel.components.items() if why.endswith("(mounts it)")}
    assert direct == {
        ref: f"data/processed/msp.csv → {ref} (mounts it)"
        for ref in ("protein_engineering.backend", "msp_mitra.backend", "yield_api.backend")
    }
    models = "src/models/saved_models/model_registry.json"
    _append(repo, models, "\n")
    sel, _ = _select(repo)
    assert sel.components["worker.worker"] == f"{models} → worker.worker (mounts it)"


def test_a_compose_block_of_one_service_reaches_that_service(repo: Path):
    _replace(
        repo, "docker-compose.yml", "    deploy: *limits-backend\n\n  msp_mitra-frontend:",
        "    deploy: *limits-backend\n    stop_grace_period: 5s\n\n  msp_mitra-frontend:",
    )  # fmt: skip
    sel, reg = _select(repo)
    assert sel.components["msp_mitra.backend"] == (
        "docker-compose.yml → msp_mitra.backend (its compose block changed)"
    )
    assert set(sel.components) == {"msp_mitra.backend", "msp_mitra.frontend"}
    assert plan.decide(sel, reg, "devstack").run  # the dev stack runs from this file
    # The attacks run whole: the compose file holds every container's hardening.
    attacks = plan.decide(sel, reg, "security")
    assert (attacks.run, attacks.targets) == (True, None), attacks.line


def test_a_shared_compose_block_reaches_the_services_that_merge_it(repo: Path):
    _replace(repo, "docker-compose.yml", 'limits: {cpus: "0.25", memory: 64M, pids',
             'limits: {cpus: "0.25", memory: 96M, pids')  # fmt: skip
    sel, _ = _select(repo)
    assert sel.components == {
        ref: f"docker-compose.yml → {ref} (its compose block merges x-limits-frontend: changed)"
        for ref in FRONTENDS
    }


def test_an_infrastructure_block_reaches_the_components_that_depend_on_it(repo: Path):
    postgres = '        limits: {cpus: "1.0", memory: 512M, pids: *pids-limit}\n\n  redis:'
    _replace(repo, "docker-compose.yml", postgres, postgres.replace("512M", "640M"))
    sel, _ = _select(repo)
    assert sel.components["msp_mitra.backend"] == (
        "docker-compose.yml → postgres (its compose block changed) → msp_mitra.backend "
        "(depends on it)"
    )
    assert set(sel.components) == {"msp_mitra.backend", "msp_mitra.frontend"}


def test_a_network_reaches_the_components_that_join_it(repo: Path):
    _replace(repo, "docker-compose.yml", "  postgres: {}\n  redis: {}",
             "  postgres: {internal: true}\n  redis: {}")  # fmt: skip
    sel, _ = _select(repo)
    assert sel.components["msp_mitra.backend"] == (
        "docker-compose.yml → msp_mitra.backend (its compose block joins network postgres "
        "(changed))"
    )
    assert set(sel.components) == {"msp_mitra.backend", "msp_mitra.frontend"}


def test_traefik_leaving_a_network_reaches_the_components_on_it_alone(repo: Path):
    member = "      weather_alerts: {}\n      crop_calendar: {}\n    ports:"
    _replace(repo, "docker-compose.yml", member, member.replace("      weather_alerts: {}\n", ""))
    sel, _ = _select(repo)
    assert sel.components == {
        "weather_alerts.backend": "docker-compose.yml → weather_alerts.backend (its compose "
        "block joins network weather_alerts (traefik joined or left it))"
    }
    # Anything else in Traefik's block is a change to every route: all of them.
    _replace(repo, "docker-compose.yml", "--ping=true", "--ping=false")
    sel, reg = _select(repo)
    assert set(sel.components) == {c.ref for c in reg.components()}


def test_a_network_only_infrastructure_joins_reaches_what_that_infrastructure_reaches(
    repo: Path,
):
    _replace(repo, "docker-compose.yml", "  socket_proxy:\n    # No route out",
             "  socket_proxy:\n    labels: [x=1]\n    # No route out")  # fmt: skip
    sel, reg = _select(repo)
    assert set(sel.components) == {c.ref for c in reg.components()}
    _replace(repo, "docker-compose.yml", "networks:\n  # Traefik alone",
             "networks:\n  default: {}\n  # Traefik alone")  # fmt: skip
    sel, _ = _select(repo)
    assert sel.everything == "docker-compose.yml: the default network added"


def test_a_compose_comment_reaches_nothing_and_a_top_level_change_everything(repo: Path):
    _replace(repo, "docker-compose.yml", "# The Annadata dev stack.", "# The Annadata stack.")
    sel, _ = _select(repo)
    assert (sel.components, sel.everything) == ({}, None)
    _replace(repo, "docker-compose.yml", "volumes:\n  pgdata:", "volumes:\n  pgdata:\n  other:")
    sel, _ = _select(repo)
    assert sel.everything == "docker-compose.yml: top-level `volumes` changed"


def test_an_env_template_variable_reaches_the_services_that_read_it(repo: Path):
    _replace(repo, ".env.example", "MSP_MITRA_BACKEND_PORT=8001", "MSP_MITRA_BACKEND_PORT=8011")
    sel, _ = _select(repo)
    assert sel.components["msp_mitra.backend"] == (
        ".env.example → msp_mitra.backend (its compose block reads MSP_MITRA_BACKEND_PORT "
        "(changed in .env.example))"
    )
    assert set(sel.components) == {"msp_mitra.backend", "msp_mitra.frontend"}


def test_an_env_variable_in_a_shared_block_reaches_through_its_anchor(repo: Path):
    _replace(repo, ".env.example", "POSTGRES_USER=annadata", "POSTGRES_USER=annadata2")
    sel, _ = _select(repo)
    # Read by x-postgres-credentials, which postgres and msp_mitra-backend merge.
    assert sel.components["msp_mitra.backend"].startswith(".env.example → msp_mitra.backend")
    assert "merges x-postgres-credentials" in sel.components["msp_mitra.backend"]
    assert set(sel.components) == {"msp_mitra.backend", "msp_mitra.frontend"}


def test_a_registry_entry_reaches_its_service_only(repo: Path):
    data = json.loads((repo / "services.json").read_text())
    data["services"]["soil_health"]["description"] += " Changed."
    (repo / "services.json").write_text(json.dumps(data, indent=2) + "\n")
    sel, reg = _select(repo)
    assert sel.components == {
        "soil_health.backend": "services.json → soil_health.backend (its entry changed)"
    }
    assert plan.decide(sel, reg, "scaffold").run  # the scaffold edits services.json


def test_scaffold_code_runs_the_scaffold_session_and_no_component(repo: Path):
    _append(repo, "infra/harness/scaffold/new_service.py", "\n# a one-line change\n")
    sel, reg = _select(repo)
    assert sel.components == {}
    running = {n for n, p in plan.plans(sel, reg).items() if p.run}
    # The chart's new-service test scaffolds; adopt writes with the scaffold's writers.
    assert running == {
        "lint", "typecheck", "unit(target='harness')", "scaffold", "chart", "adopt-corpus",
    }  # fmt: skip
    assert plan.decide(sel, reg, "scaffold").line == (
        "scaffold: affected: infra/harness/scaffold/new_service.py → scaffold code"
    )


def test_a_harness_core_change_selects_everything(repo: Path):
    _append(repo, "infra/harness/registry.py", "\n# a one-line change\n")
    sel, reg = _select(repo)
    assert sel.everything == "infra/harness/registry.py → harness core"
    assert all(p.run and p.targets is None for p in plan.plans(sel, reg).values())
    assert plan.decide(sel, reg, "smoke").line == (
        "smoke: affected: everything (infra/harness/registry.py → harness core)"
    )


def test_documentation_only_runs_lint(repo: Path):
    _append(repo, "data/README.md", "\nA one-line change.\n")
    sel, reg = _select(repo)
    running = {n for n, p in plan.plans(sel, reg).items() if p.run}
    assert running == {"lint"}
    assert sel.paths["data/README.md"] == ["data/README.md → documentation: lint only (lint only)"]


def test_the_readme_runs_lint_and_only_the_check_of_the_sessions_it_names(repo: Path):
    _append(repo, "README.md", "\nA one-line change.\n")
    sel, reg = _select(repo)
    running = {n for n, p in plan.plans(sel, reg).items() if p.run}
    assert running == {"lint", "unit(target='harness')"}
    assert plan.decide(sel, reg, "unit", "harness").tests == (
        "tests/harness/test_sessions_named.py",
    )
    # A harness test changed as well: the whole harness suite runs.
    _append(repo, "tests/harness/test_cli.py", "\n# a one-line change\n")
    sel, reg = _select(repo)
    assert plan.decide(sel, reg, "unit", "harness").tests == ()


def test_an_unknown_top_level_file_selects_everything(repo: Path):
    (repo / "Makefile").write_text("all:\n\ttrue\n")
    sel, reg = _select(repo)
    assert sel.everything == "Makefile: no rule knows this path, so it may reach anything"
    assert plan.decide(sel, reg, "contract").run


def test_a_renamed_directory_reaches_its_component_from_both_paths(repo: Path):
    _git("mv", "services/soil_health/backend", "services/soil_health/api", cwd=repo)
    for path in ("services.json", "services/soil_health/api/Dockerfile"):
        old_dir, new_dir = "services/soil_health/backend", "services/soil_health/api"
        _replace(repo, path, old_dir, new_dir)
    sel, _ = _select(repo)
    assert sel.everything is None
    assert set(sel.components) == {"soil_health.backend"}
    old, new = "services/soil_health/backend/app.py", "services/soil_health/api/app.py"
    assert sel.paths[old] == [f"{old} → soil_health.backend (owned it at the base)"]
    assert sel.paths[new] == [f"{new} → soil_health.backend (owns it)"]
    assert sel.paths["services.json"] == [
        "services.json → the registry (scaffold, chart, k8s, adopt-corpus)",
        "services.json → soil_health.backend (its entry changed)",
    ]


def test_a_renamed_service_says_the_old_one_is_gone(repo: Path):
    _git("mv", "services/soil_health", "services/soil_index", cwd=repo)
    text = (repo / "services.json").read_text()
    text = text.replace('"soil_health": {', '"soil_index": {').replace(
        "services/soil_health/backend", "services/soil_index/backend"
    )
    (repo / "services.json").write_text(text)
    _replace(repo, "services/soil_index/backend/Dockerfile", "soil_health", "soil_index")
    sel, _ = _select(repo)
    old = "services/soil_health/backend/app.py"
    assert sel.paths[old] == [f"{old} → soil_health.backend (owned it; no longer in services.json)"]
    assert "soil_index.backend" in sel.components


# --- comparing ---------------------------------------------------------------------------------


def test_nothing_changed_means_nothing_affected(repo: Path):
    sel, reg = _select(repo)
    decided = plan.decide(sel, reg, "smoke")
    assert not decided.run
    assert decided.line.startswith("smoke: nothing affected: no file differs (")


def test_a_range_compares_commits_not_the_work_tree(repo: Path):
    start = _git("rev-parse", "HEAD", cwd=repo)
    _append(repo, "services/worker/worker.py", "\n# committed\n")
    _git("commit", "--quiet", "-am", "worker", cwd=repo)
    _append(repo, "services/msp_mitra/backend/app.py", "\n# not committed\n")
    change = affected.change(repo, f"{start}..HEAD")
    assert change.paths == ("services/worker/worker.py",)
    assert change.described.startswith(f"{start[:12]}..")


def test_the_pushed_range_comes_from_pre_commit(repo: Path, monkeypatch: pytest.MonkeyPatch):
    start = _git("rev-parse", "HEAD", cwd=repo)
    _append(repo, "services/worker/worker.py", "\n# pushed\n")
    _git("commit", "--quiet", "-am", "worker", cwd=repo)
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", start)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", _git("rev-parse", "HEAD", cwd=repo))
    assert affected.change(repo, affected.PUSHED).paths == ("services/worker/worker.py",)
    monkeypatch.delenv("PRE_COMMIT_FROM_REF")
    whole = affected.change(repo, affected.PUSHED)
    assert whole.everything is not None
    assert whole.everything.startswith("pre-commit named no pushed range")


def test_untracked_and_staged_files_count(repo: Path):
    (repo / "services/worker/new_module.py").write_text("X = 1\n")
    _append(repo, "services/soil_health/backend/app.py", "\n# staged\n")
    _git("add", "services/soil_health/backend/app.py", cwd=repo)
    assert affected.change(repo, "HEAD").paths == (
        "services/soil_health/backend/app.py", "services/worker/new_module.py",
    )  # fmt: skip


def test_a_ref_that_names_no_commit_is_an_error_naming_it(repo: Path):
    with pytest.raises(HarnessError, match=r"^git ref 'origin/mian' names no commit in "):
        affected.change(repo, "origin/mian")


# --- the request, the blocks and the command ---------------------------------------------------


def test_the_request_is_taken_out_of_the_session_arguments():
    env: dict[str, str] = {}
    assert plan.request(["-k", "x"], env) == (None, ["-k", "x"])
    assert plan.request(["--affected", "-k", "x"], env) == (
        plan.Request(None, "--affected"), ["-k", "x"],
    )  # fmt: skip
    assert plan.request(["--affected", "main", "-x"], env)[0] == plan.Request("main", "--affected")
    assert plan.request(["--affected=v1..v2"], env)[0] == plan.Request("v1..v2", "--affected")
    env = {plan.ENV: "origin/main"}
    assert plan.request([], env)[0] == plan.Request("origin/main", plan.ENV)
    assert plan.request(["--affected"], env)[0] == plan.Request("origin/main", "--affected")


def test_compose_text_this_reader_cannot_follow_is_refused():
    assert blocks.compose_blocks("services:\n\tweb:\n\t\timage: x\n") is None
    assert blocks.compose_blocks("{services: {web: {image: x}}}\n") is None
    assert blocks.compose_blocks("services:\n  web:\n    image: x\n") == {
        "services": "services:",
        "services.web": "  web:\n    image: x",
    }


def test_the_command_prints_reasons_and_a_ci_plan(repo: Path):
    _append(repo, "services/msp_mitra/backend/app.py", "\n# a one-line change\n")
    argv = [sys.executable, "-m", "harness", "--root", str(repo), "affected", "--base", "HEAD"]
    text = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True).stdout
    assert (
        "  services/msp_mitra/backend/app.py → msp_mitra.backend (owns it) → msp_mitra.frontend "
        "(depends on it)\n" in text
    )
    github = subprocess.run(
        [*argv[:-2], "--all", "--format", "github"], capture_output=True, text=True, timeout=120,
        check=True,
    ).stdout.splitlines()  # fmt: skip
    assert "everything=true" in github
    assert "base=" in github  # the full gate: sessions run with no selection
    sel, reg = _select(repo)
    lines = plan.report(sel, reg, "github").splitlines()
    assert 'unit=["msp_mitra.backend"]' in lines
    # The cluster is left to the chart's inputs (its images are those smoke checks).
    assert 'sessions=["build", "contract", "lint", "security", "smoke", "unit"]' in lines
    assert "docker=true" in lines
    data = json.loads(plan.report(sel, reg, "json"))
    assert data["sessions"]["unit(target='msp_mitra.backend')"]["run"] is True
    assert data["sessions"]["contract"]["targets"] == ["msp_mitra.backend"]
    # The attacks on that backend and the frontend that proxies it; none on the others.
    assert data["sessions"]["security"]["targets"] == ["msp_mitra.backend", "msp_mitra.frontend"]
    assert data["sessions"]["security"]["line"].startswith(
        "security: affected: 2 of 10 components (msp_mitra.backend, msp_mitra.frontend); left out 8"
    )
    assert data["sessions"]["k8s"]["run"] is False


def test_the_noxfile_imports_need_the_standard_library_alone():
    # -S: no site-packages. The noxfile decides before any session installs anything.
    code = (
        "import sys; sys.path.insert(0, 'infra'); "
        "from harness.selection import plan; from harness import installs, reports; "
        "print(sorted(plan.unit_targets(plan.unchecked_registry(__import__('pathlib').Path('.')))))"
    )
    done = subprocess.run([sys.executable, "-S", "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "msp_mitra.backend" in done.stdout
