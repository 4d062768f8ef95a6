"""Frontend ↔ backend: the /api/ calls found in real sources (tree-sitter), against real specs."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import git, registry
from harness.contract import frontend_calls
from harness.contract.frontend_calls import HOLE, calls_in, check_frontend, problems
from harness.contract.openapi_diff import dump, load
from harness.lint import tools
from harness.scaffold import new_service as scaffold

from .conftest import REPO


def _shown(rel: str, text: str) -> list[tuple[int, str]]:
    return [(c.line, c.shown()) for c in calls_in(rel, text)]


def test_urls_from_strings_templates_sums_and_consts_with_the_method_of_each_call():
    source = """\
const API = "/api/v1";
const STATES = `${API}/states`;
async function getJson(path) { return (await fetch(path)).json(); }
const postJson = async (url, body) => (await fetch(url, { method: "POST", body })).json();
getJson(STATES);
fetch(`/api/v1/crop-calendar/${encodeURIComponent(state)}?season=${season}`);
fetch("/api/v1/protein/analyze", { method: "POST", body });
axios.delete("/api/v1/jobs/" + id);
axios({ url: `${API}/jobs`, method: "put" });
new Request(API + "/models", options);
api.patch(`/api/v1/obs/${id}/`);
const LINKS = ["/api/v1/docs"];
postJson("/api/v1/jobs", job);
helperFromElsewhere("/api/v1/models");
fetch("https://example.invalid/api/v1/elsewhere");
export default { server: { proxy: { "/api/": { target } } } };
"""
    assert _shown("src/main.js", source) == [
        (5, "GET /api/v1/states"),  # a wrapper: the method of the fetch it makes
        (6, "GET /api/v1/crop-calendar/{…}"),
        (7, "POST /api/v1/protein/analyze"),
        (8, "DELETE /api/v1/jobs/{…}"),
        (9, "PUT /api/v1/jobs"),
        (10, "ANY /api/v1/models"),  # options built elsewhere: the method is unknown
        (11, "PATCH /api/v1/obs/{…}"),
        (12, "ANY /api/v1/docs"),  # a URL in data, not in a call
        (13, "POST /api/v1/jobs"),
        (14, "ANY /api/v1/models"),  # a function from elsewhere: checked by path alone
    ]


def test_typescript_tsx_and_vue_scripts_are_parsed_with_their_own_grammar_and_lines():
    ts = "type Crop = { name: string };\nconst c = await http.get<Crop>(`/api/v1/crops/${id}`);\n"
    tsx = 'export const A = () => <b onClick={() => fetch("/api/v1/a", {method: "POST"})} />;\n'
    vue = """\
<template>
  <p @click="go">{{ crop.name }}</p>
</template>

<script setup lang="ts">
const crop: Crop = await (await fetch(`/api/v1/crops/${id}`)).json();
</script>
"""
    assert _shown("src/a.ts", ts) == [(2, "GET /api/v1/crops/{…}")]
    assert _shown("src/A.tsx", tsx) == [(1, "POST /api/v1/a")]
    assert _shown("src/Crop.vue", vue) == [(6, "GET /api/v1/crops/{…}")]


def test_node_modules_dist_and_hidden_directories_are_not_sources(tmp_path: Path):
    for rel in ("src/main.js", "node_modules/lib/index.js", "dist/assets/index.js",
                ".vite/deps/chunk.js", "src/readme.md"):  # fmt: skip
        (tmp_path / "web" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "web" / rel).write_text('fetch("/api/v1/x");\n')
    assert [c.file for c in frontend_calls.scan(tmp_path, "web").calls] == ["web/src/main.js"]


def test_a_template_literal_segment_matches_a_path_parameter():
    match = frontend_calls._path_matches
    assert match("/api/v1/crop-calendar/{state}", f"/api/v1/crop-calendar/{HOLE}")
    assert match("/api/v1/crop-calendar/{state}", "/api/v1/crop-calendar/punjab")
    assert match("/api/v1/msp/{commodity}/{year}", f"/api/v1/msp/{HOLE}/2024-25")
    assert not match("/api/v1/crop-calendar/{state}", f"/api/v1/crop-calendar/{HOLE}/x")
    assert not match("/api/v1/crop-calendar/{state}", "/api/v1/crop-calendar")
    assert match("/api/v1/states", f"/api/v1/states{HOLE}")  # `${query}` may be empty
    assert not match("/api/v1/states", f"/api/v1/stats{HOLE}")


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A frontend and its backend spec, on main of a real git repository, then a branch."""
    (tmp_path / "web/src").mkdir(parents=True)
    (tmp_path / "api").mkdir()
    (tmp_path / "web/src/main.js").write_text(
        "const getJson = async (path) => (await fetch(path)).json();\n"
        "const rows = await getJson(`/api/v1/msp/${slug}/changes`);\n"
        'await fetch("/api/v1/observations", { method: "POST", body });\n'
    )
    (tmp_path / "api/openapi.yaml").write_text(dump({
        "openapi": "3.1.0", "info": {"title": "demo", "version": "1.0.0"},
        "paths": {
            "/api/v1/msp/{commodity}/changes": {"get": {"responses": {}}},
            "/api/v1/observations": {"get": {"responses": {}}, "post": {"responses": {}}},
        },
    }))  # fmt: skip
    for argv in (["init", "--quiet", "--initial-branch=main"],
                 ["config", "user.email", "ci@example.invalid"], ["config", "user.name", "CI"],
                 ["add", "."], ["commit", "--quiet", "-m", "v1"],
                 ["switch", "--quiet", "-c", "feature"]):  # fmt: skip
        subprocess.run(["git", "-C", str(tmp_path), *argv], check=True, capture_output=True)
    return tmp_path


def _line_of(path: Path, pattern: str) -> int:
    lines = path.read_text().splitlines()
    return next(n for n, text in enumerate(lines, 1) if re.search(pattern, text))


def test_calls_the_spec_answers_pass(demo: Path):
    assert check_frontend(demo, "web", ["api"], git.default_base(demo)) == []


def test_an_operation_removed_on_the_branch_names_the_call_and_where_the_base_had_it(demo: Path):
    spec = load(demo / "api/openapi.yaml")
    was = _line_of(demo / "api/openapi.yaml", r"^  /api/v1/msp/\{commodity\}/changes:") + 1
    del spec["paths"]["/api/v1/msp/{commodity}/changes"]
    (demo / "api/openapi.yaml").write_text(dump(spec))
    subprocess.run(["git", "-C", str(demo), "commit", "--quiet", "-am", "drop"], check=True)
    base = git.default_base(demo)
    assert base is not None
    assert check_frontend(demo, "web", ["api"], base) == [
        f"web/src/main.js:2: GET /api/v1/msp/{{…}}/changes: removed on this branch (it is at "
        f"api/openapi.yaml@{base[:12]}:{was}, the spec now lacks it): restore the operation, "
        "or change the frontend in the same branch"
    ]
    # Without a base there is nothing to say it was removed: it simply is not there.
    assert check_frontend(demo, "web", ["api"], None) == [
        "web/src/main.js:2: GET /api/v1/msp/{…}/changes: no such operation in api/openapi.yaml "
        "(fix the URL, or add the route to the backend and `nox -s contract -- --update`)"
    ]


def test_a_method_the_path_lacks_names_the_methods_it_has(demo: Path):
    spec = load(demo / "api/openapi.yaml")
    del spec["paths"]["/api/v1/observations"]["post"]
    (demo / "api/openapi.yaml").write_text(dump(spec))
    line = _line_of(demo / "api/openapi.yaml", r"^  /api/v1/observations:") + 1
    assert check_frontend(demo, "web", ["api"], None) == [
        f"web/src/main.js:3: POST /api/v1/observations: api/openapi.yaml:{line} has "
        "/api/v1/observations only as GET (call a method the backend has, or add the route)"
    ]


def test_a_source_that_is_not_text_is_one_line_naming_it(demo: Path):
    (demo / "web/src/bad.js").write_bytes(b'fetch("/api/v1/x");\n\xff\n')
    assert check_frontend(demo, "web", ["api"], None) == [
        "web/src/bad.js:2: the frontend source is not UTF-8 text (byte 0xff at offset 20): save "
        "it as UTF-8 (the contract check reads every source)"
    ]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files (what git sees), copied once."""
    return tools.copy_files(REPO, tmp_path_factory.mktemp("pristine"))


def test_the_repository_frontends_call_only_what_their_backends_have(pristine: Path):
    reg = registry.load(pristine)
    assert problems(pristine, reg, None) == {
        "protein_engineering": [], "msp_mitra": [], "crop_calendar": []
    }  # fmt: skip
    calls = frontend_calls.scan(pristine, "services/crop_calendar/frontend").calls
    assert [c.shown() for c in calls] == [
        "GET /api/v1/crop-calendar/{…}{…}", "GET /api/v1/states"
    ]  # fmt: skip


def test_a_new_service_from_the_template_is_covered_with_no_edits(pristine: Path, tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(pristine, repo)
    scaffold.run(repo, "pest_alerts", frontend=True)
    reg = registry.load(repo)
    assert problems(repo, reg, None)["pest_alerts"] == []
    web = "services/pest_alerts/frontend"
    assert [c.shown() for c in frontend_calls.scan(repo, web).calls] == ["GET /api/v1/hello"]
    # The backend renames its route: the frontend's call is now to nothing.
    spec_file = repo / "services/pest_alerts/backend/openapi.yaml"
    spec_file.write_text(spec_file.read_text().replace("/api/v1/hello:", "/api/v1/greeting:"))
    line = _line_of(repo / web / "src/main.js", r"/api/v1/hello")
    assert problems(repo, reg, None)["pest_alerts"] == [
        f"{web}/src/main.js:{line}: GET /api/v1/hello: no such operation in "
        "services/pest_alerts/backend/openapi.yaml (fix the URL, or add the route to the "
        "backend and `nox -s contract -- --update`)"
    ]
