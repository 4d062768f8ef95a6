"""Breaking changes against a base ref, in a real (temporary) git repository."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest

from harness import git
from harness.contract import check as contract
from harness.contract.openapi_diff import dump
from harness.errors import HarnessError

from .test_breaking import BEFORE

SPEC = "services/demo/backend/openapi.yaml"


def _git(repo: Path, *argv: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose main has the demo spec, checked out on a feature branch."""
    _git(tmp_path, "init", "--quiet", "--initial-branch=main")
    _git(tmp_path, "config", "user.email", "ci@example.invalid")
    _git(tmp_path, "config", "user.name", "CI")
    (tmp_path / SPEC).parent.mkdir(parents=True)
    (tmp_path / SPEC).write_text(dump(BEFORE))
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "--quiet", "-m", "v1")
    _git(tmp_path, "switch", "--quiet", "-c", "feature")
    return tmp_path


def _change(repo: Path, spec: dict[str, Any]) -> None:
    (repo / SPEC).write_text(dump(spec))
    _git(repo, "commit", "--quiet", "-am", "change")


def test_the_default_base_is_the_merge_base_with_main(repo: Path):
    assert git.default_base(repo) == _git(repo, "rev-parse", "main")


def test_removing_an_endpoint_on_a_branch_is_breaking_with_rule_and_pointer(repo: Path):
    after = copy.deepcopy(BEFORE)
    del after["paths"]["/api/v1/models"]
    _change(repo, after)
    found, accepted = contract.breaking_against(repo, SPEC, git.default_base(repo))
    assert [(f.rule, f.pointer) for f in found if f.breaking] == [
        ("api-removed-without-deprecation", "/paths/~1api~1v1~1models/get")
    ]
    assert not accepted


def test_removing_a_response_field_is_breaking_and_adding_an_optional_one_is_not(repo: Path):
    after = copy.deepcopy(BEFORE)
    job_out = after["components"]["schemas"]["JobOut"]
    job_out["properties"]["queued_at"] = {"type": "string"}
    _change(repo, after)
    found, _ = contract.breaking_against(repo, SPEC, "main")
    assert [f for f in found if f.breaking] == []
    job_out["properties"].pop("status")
    job_out["required"].remove("status")
    _change(repo, after)
    found, _ = contract.breaking_against(repo, SPEC, "main")
    assert [f.rule for f in found if f.breaking] == ["response-required-property-removed"]


def test_a_major_version_bump_accepts_the_break(repo: Path):
    after = copy.deepcopy(BEFORE)
    del after["paths"]["/api/v1/models"]
    after["info"]["version"] = "2.0.0"
    _change(repo, after)
    found, accepted = contract.breaking_against(repo, SPEC, "main")
    assert accepted
    assert any(f.breaking for f in found)


def test_a_spec_new_on_the_branch_has_no_base_to_compare(repo: Path):
    other = "services/other/backend/openapi.yaml"
    (repo / other).parent.mkdir(parents=True)
    (repo / other).write_text(dump(BEFORE))
    assert contract.breaking_against(repo, other, "main") is None


def test_a_base_ref_that_names_no_commit_is_an_error_not_a_silent_pass(repo: Path):
    with pytest.raises(HarnessError) as refused:
        git.resolve(repo, "mian")
    assert str(refused.value).startswith("git ref 'mian' names no commit in ")
    assert "\n" not in str(refused.value)
    assert git.resolve(repo, "main") == _git(repo, "rev-parse", "main")


def test_tightening_request_constraints_on_a_branch_is_breaking_until_the_major_is_raised(
    repo: Path,
):
    after = copy.deepcopy(BEFORE)
    job_in = after["components"]["schemas"]["JobIn"]
    job_in["properties"]["records"]["maxItems"] = 100
    after["paths"]["/api/v1/jobs"]["post"]["parameters"][1]["schema"]["pattern"] = "^t_ha$"
    _change(repo, after)
    base = git.default_base(repo)
    found, accepted = contract.breaking_against(repo, SPEC, base)
    jobs = "/paths/~1api~1v1~1jobs/post"
    assert sorted((f.rule, f.pointer) for f in found if f.breaking) == [
        ("request-parameter-pattern-added", f"{jobs}/parameters/1/schema/pattern"),
        ("request-property-max-items-set",
         f"{jobs}/requestBody/content/application~1json/schema/properties/records/maxItems"),
    ]  # fmt: skip
    assert not accepted
    after["info"]["version"] = "2.0.0"
    _change(repo, after)
    found, accepted = contract.breaking_against(repo, SPEC, base)
    assert accepted
    assert sum(f.breaking for f in found) == 2
