"""Publishing without pushing: tags, the plan, the dirty-tree refusal, the dry run."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from harness import publish, registry
from harness.errors import HarnessError


@pytest.mark.parametrize(
    ("branch", "version", "expected"),
    [
        ("main", None, ["abc123", "main", "latest"]),
        ("feature/soil-index", None, ["abc123", "feature-soil-index"]),
        (None, "1.4.0", ["abc123", "1.4.0"]),
        ("main", "2.0.0", ["abc123", "main", "2.0.0", "latest"]),
    ],
)
def test_tags_are_sha_branch_version_and_latest_only_from_main(branch, version, expected):
    assert publish.tags("abc123", branch, version) == expected


def test_the_plan_names_every_component_under_the_registry(registry_root: Path):
    pushes = publish.plan(registry.load(registry_root), "ghcr.io/annadata/", "abc123", "main", None)
    assert [p.component for p in pushes][:2] == [
        "protein_engineering.backend",
        "protein_engineering.frontend",
    ]
    first = pushes[0]
    assert first.source == "annadata/protein_engineering-backend:abc123"
    assert first.targets == (
        "ghcr.io/annadata/annadata-protein_engineering-backend:abc123",
        "ghcr.io/annadata/annadata-protein_engineering-backend:main",
        "ghcr.io/annadata/annadata-protein_engineering-backend:latest",
    )


def test_an_owner_in_capitals_is_lowercased_and_nonsense_is_refused(registry_root: Path):
    pushes = publish.plan(registry.load(registry_root), "ghcr.io/Annadata", "abc123", None, None)
    assert pushes[0].targets == ("ghcr.io/annadata/annadata-protein_engineering-backend:abc123",)
    with pytest.raises(HarnessError, match=re.escape("give e.g. ghcr.io/<owner>")):
        publish.plan(registry.load(registry_root), "ghcr.io/ann data", "abc123", None, None)


def _git(repo: Path, *argv: str) -> None:
    subprocess.run(["git", "-C", str(repo), *argv], check=True, capture_output=True)


def test_a_dirty_tree_is_refused_in_one_line(registry_root: Path):
    _git(registry_root, "init", "--quiet", "--initial-branch=main")
    _git(registry_root, "config", "user.email", "ci@example.invalid")
    _git(registry_root, "config", "user.name", "CI")
    _git(registry_root, "add", ".")
    _git(registry_root, "commit", "--quiet", "-m", "v1")
    (registry_root / "services.json").write_text(
        (registry_root / "services.json").read_text() + "\n"
    )
    with pytest.raises(HarnessError) as refused:
        publish.run(registry_root, registry_prefix="127.0.0.1:5000", dry_run=True)
    assert str(refused.value).startswith("publish: the work tree is dirty (1 paths, e.g. ")
    assert "commit first or pass --allow-dirty" in str(refused.value)
    said: list[str] = []
    assert publish.run(registry_root, registry_prefix="127.0.0.1:5000", dry_run=True,
                       allow_dirty=True, say=said.append) == 0  # fmt: skip
    components = len(registry.load(registry_root).components())
    # Each component: sha, main, latest.
    assert said[-1] == f"publish: dry run, {components * 3} references not pushed"
