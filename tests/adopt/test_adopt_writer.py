"""`nox -s adopt`: what it writes, on which branch, and what it refuses (no Docker here)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness import registry
from harness.adopt import writer
from harness.errors import HarnessError
from harness.lint import policy
from tests import adopt_corpus as corpus


def _git(root: Path, *argv: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *argv], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = corpus.plan_monorepo(tmp_path_factory.mktemp("plan"))
    writer.run(root, say=lambda _line: None)
    return root


def test_adopt_commits_on_a_new_branch_and_moves_no_code(adopted: Path):
    assert _git(adopted, "rev-parse", "--abbrev-ref", "HEAD") == writer.BRANCH
    assert _git(adopted, "status", "--porcelain") == ""
    changed = _git(adopted, "diff", "--name-status", "main", writer.BRANCH).splitlines()
    # Only additions, and .gitignore: nothing of the tree's own code moved or changed.
    assert all(line.startswith("A\t") for line in changed), changed
    reg = registry.load(adopted)
    api = reg.component("src_api.backend")
    assert (api.directory, api.workdir, api.entrypoint) == ("src/api", ".", "src.api.app:app")
    assert api.dockerfile_path == "infra/docker/src_api-backend/Dockerfile"
    assert api.profile == "dev"


def test_the_lock_is_pinned_by_pips_resolver(adopted: Path):
    lock = (adopted / "requirements.lock.txt").read_text().splitlines()
    assert lock[0] == "# Pinned by `nox -s adopt` from requirements.txt with pip's resolver"
    pins = [line for line in lock if not line.startswith("#")]
    assert pins
    assert all("==" in line for line in pins)
    assert any(line.startswith("fastapi==") for line in pins)


def test_the_dockerfile_builds_the_code_where_it_is(adopted: Path):
    text = (adopted / "infra/docker/src_api-backend/Dockerfile").read_text()
    assert "ARG REQUIREMENTS=requirements.lock.txt" in text
    assert "ARG APP_SOURCE=src\n" in text
    assert "ARG APP_DEST=/app/src\n" in text
    assert "ARG ENTRYPOINT=src.api.app:app" in text
    assert "ARG HEALTH_PATH=/status" in text
    lab = (adopted / "infra/docker/protein_lab-backend/Dockerfile").read_text()
    assert "ARG APP_SOURCE=protein_lab/backend\n" in lab
    assert "ARG APP_DEST=/app\n" in lab


def test_the_spec_the_probe_read_is_committed(adopted: Path):
    spec = (adopted / "src/api/openapi.yaml").read_text()
    assert "/api/v1/predict:" in spec


def test_the_adopted_tree_passes_the_stack_policy(adopted: Path):
    found = policy.check(adopted)
    assert [str(f) for f in found if f.level == "error"] == []
    # Its own apps' untyped responses are said, not held against the adoption.
    assert {f.rule for f in found} <= {"ANN012"}


def test_compose_mounts_data_read_only_and_keeps_pickles_in_dev(adopted: Path):
    text = (adopted / "docker-compose.yml").read_text()
    assert "        source: ./protein_lab/backend/data\n        target: /app/data\n" in text
    assert "profiles: [dev]" in text
    assert "127.0.0.1:${SRC_API_BACKEND_PORT:-8002}:8002" in text


def test_rerunning_changes_nothing(adopted: Path):
    head = _git(adopted, "rev-parse", "HEAD")
    lines: list[str] = []
    writer.run(adopted, say=lines.append)
    assert lines[-1].endswith("is adopted already: nothing to change")
    assert _git(adopted, "rev-parse", "HEAD") == head


def test_a_dirty_tree_is_refused_and_left_alone(adopted: Path):
    (adopted / "scratch.txt").write_text("work in progress\n")
    try:
        with pytest.raises(HarnessError, match=r"uncommitted changes \(scratch.txt\)"):
            writer.run(adopted, say=print)
        assert (adopted / "scratch.txt").read_text() == "work in progress\n"
    finally:
        (adopted / "scratch.txt").unlink()


def test_rerunning_adds_what_a_newer_stack_needs(adopted: Path):
    """A tree adopted before the socket proxy existed gets it in services.json and compose."""
    before = {rel: (adopted / rel).read_text() for rel in ("services.json", "docker-compose.yml")}
    data = json.loads(before["services.json"])
    del data["infrastructure"]["socket_proxy"]
    (adopted / "services.json").write_text(json.dumps(data, indent=2) + "\n")
    _git(
        adopted,
        "-c",
        "user.name=corpus",
        "-c",
        "user.email=corpus@example.invalid",
        "commit",
        "-q",
        "-am",
        "an older adoption",
    )
    writer.run(adopted, say=lambda _line: None)
    assert {rel: (adopted / rel).read_text() for rel in before} == before


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path):
    root = corpus.postgres_app(tmp_path / "repo")
    lines: list[str] = []
    writer.run(root, dry_run=True, say=lines.append)
    assert "+++ b/services.json" in lines[-1]
    assert '"depends_on": [' in lines[-1]
    assert _git(root, "status", "--porcelain", "--ignored") == ""
    assert _git(root, "branch", "--list", writer.BRANCH) == ""


def test_a_tree_with_nothing_to_run_is_refused(tmp_path: Path):
    root = corpus.no_services(tmp_path / "repo")
    with pytest.raises(HarnessError, match="no services to adopt"):
        writer.run(root, say=print)
    assert _git(root, "branch", "--list", writer.BRANCH) == ""


def test_an_existing_file_of_the_tree_is_never_replaced(tmp_path: Path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "noxfile.py").write_text("# theirs\n")
    corpus.postgres_app(root)
    with pytest.raises(HarnessError, match=r"noxfile\.py: exists and adopt would replace it"):
        writer.run(root, say=print)
    assert (root / "noxfile.py").read_text() == "# theirs\n"
    assert _git(root, "branch", "--list", writer.BRANCH) == ""
