"""The lint corpus (fixtures/lint/*.toml): each bad input gives exactly its findings.

Every case edits a copy of this repository, which itself lints clean (asserted below), so
each finding comes from the edit. The linters are the lint session's pinned wheels.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from harness import lint, paths
from harness.lint import findings, local_actions, policy, tools

ROOT = paths.repo_root(Path(__file__))
CORPUS = ROOT / "tests" / "harness" / "fixtures" / "lint"
CASES = sorted(CORPUS.glob("*.toml"))

CHECKERS: dict[str, Callable[[Path], list[findings.Finding]]] = {
    "policy": policy.check,
    "ruff": tools.ruff,
    "hadolint": lambda root: tools.hadolint(root, tools.dockerfiles(tools.files(root))),
    "yamllint": lambda root: tools.yamllint(root, tools.yaml_files(tools.files(root))),
    "shellcheck": lambda root: tools.shellcheck(root, tools.shell_scripts(root, tools.files(root))),
    "actionlint": lambda root: tools.actionlint(root, tools.workflows(tools.files(root))),
    local_actions.TOOL: lambda root: local_actions.check(root, tools.workflows(tools.files(root))),
    "compose": lambda root: tools.compose_config(root, policy.COMPOSE_FILE, ["ml"]),
    "openapi-spec-validator": lambda root: tools.openapi(
        root, [n for n in tools.files(root) if Path(n).name == "openapi.yaml"]
    ),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's files (what git sees), outside git."""
    return tools.copy_files(ROOT, tmp_path_factory.mktemp("repo"))


def _apply(case: dict, repo: Path) -> None:
    for edit in case.get("edit", []):
        path = repo / edit["file"]
        text = path.read_text(encoding="utf-8")
        assert text.count(edit["find"]) == 1, f"{edit['file']}: `find` must match exactly once"
        path.write_text(text.replace(edit["find"], edit["replace"]), encoding="utf-8")
    for write in case.get("write", []):
        (repo / write["file"]).parent.mkdir(parents=True, exist_ok=True)
        (repo / write["file"]).write_text(write["text"], encoding="utf-8")


def _expected_line(repo: Path, expect: dict) -> int:
    """`line`, or the line of the edited file matching the regex `at` (lines move as files grow)."""
    if "line" in expect:
        return expect["line"]
    lines = (repo / expect["path"]).read_text(encoding="utf-8").splitlines()
    hits = [n for n, text in enumerate(lines, start=1) if re.search(expect["at"], text)]
    assert len(hits) == 1, f"`at` must match exactly one line of {expect['path']}: {hits}"
    return hits[0]


def test_every_rule_and_every_tool_has_a_case():
    checked = {tomllib.loads(c.read_text())["checker"] for c in CASES}
    expected_rules = {e["rule"] for c in CASES for e in tomllib.loads(c.read_text())["expect"]}
    assert checked == set(CHECKERS)
    assert set(policy.RULES) <= expected_rules


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_a_bad_input_gives_exactly_its_findings(case_file: Path, pristine: Path, tmp_path: Path):
    case = tomllib.loads(case_file.read_text(encoding="utf-8"))
    repo = tmp_path / "repo"
    shutil.copytree(pristine, repo)
    _apply(case, repo)
    found = CHECKERS[case["checker"]](repo)
    got = sorted((f.rule, f.path, f.line) for f in found if f.level == "error")
    want = sorted((e["rule"], e["path"], _expected_line(repo, e)) for e in case["expect"])
    assert got == want, "\n".join(f.text() for f in found)


def test_the_repository_lints_clean():
    found = lint.collect(ROOT)
    assert [f.text() for f in found if f.level == "error"] == []


def test_reports_render_as_text_json_and_sarif():
    sample = [
        findings.Finding("docker-compose.yml", 12, "ANN004", "redis: port", "policy", "fix"),
        findings.Finding("a.sh", 3, "SC2086", "quote it", "shellcheck", "", "warning"),
    ]
    text = lint.render(sample, "text").splitlines()
    assert text[0] == "docker-compose.yml:12: ANN004 redis: port (fix)"
    assert text[-1].startswith("lint: 1 errors: ruff 0, hadolint 0")
    assert "shellcheck 0 (+1 warnings)" in text[-1]
    assert json.loads(lint.render(sample, "json"))[0]["line"] == 12
    sarif = json.loads(lint.render(sample, "sarif"))
    policy_run = next(r for r in sarif["runs"] if r["tool"]["driver"]["name"] == "policy")
    region = policy_run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert (policy_run["results"][0]["ruleId"], region["startLine"]) == ("ANN004", 12)
    assert sarif["version"] == "2.1.0"


def test_the_command_fails_with_the_pointer_and_writes_sarif(pristine: Path, tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(pristine, repo)
    case = tomllib.loads((CORPUS / "ann004-port-on-all-interfaces.toml").read_text())
    _apply(case, repo)
    sarif = tmp_path / "lint.sarif"
    done = subprocess.run(
        [sys.executable, "-m", "harness", "--root", str(repo), "lint", "--format", "sarif",
         "--output", str(sarif)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    line = _expected_line(repo, case["expect"][0])
    assert f"docker-compose.yml:{line}: ANN004 redis: port" in done.stdout
    assert json.loads(sarif.read_text())["version"] == "2.1.0"


@pytest.mark.parametrize(
    "case_name", ["ann011-compose-duplicate-key", "ann011-compose-is-a-list", "ann011-alias-bomb"]
)
def test_a_hostile_compose_file_is_a_finding_of_the_whole_lint(
    case_name: str, pristine: Path, tmp_path: Path
):
    repo = tmp_path / "repo"
    shutil.copytree(pristine, repo)
    _apply(tomllib.loads((CORPUS / f"{case_name}.toml").read_text()), repo)
    done = subprocess.run(
        [sys.executable, "-m", "harness", "--root", str(repo), "lint"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "docker-compose.yml:" in done.stdout
    assert "ANN011" in done.stdout
