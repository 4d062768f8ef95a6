"""The chart command's plumbing, with helm and checkov faked at argv, and schemas of our own."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.k8s import chart, schemas

from .conftest import FakeDocker, fail, ok


@pytest.fixture
def chart_root(tmp_path: Path) -> Path:
    directory = tmp_path / chart.CHART_DIR
    (directory / "ci").mkdir(parents=True)
    (directory / "values.yaml").write_text(
        "image: {tag: ''}\nml: {enabled: false}\nkinds: {backend: {replicas: 2}}\n"
    )
    (directory / "ci" / "small-values.yaml").write_text(
        "kinds: {backend: {replicas: 1}}\nml: null\n"
    )
    (directory / "ci" / "notes.txt").write_text("not a profile")
    return tmp_path


def test_profiles_are_the_defaults_then_each_ci_values_file(chart_root):
    found = chart.profiles(chart_root)
    assert list(found) == ["default", "small"]
    assert found["small"] == (chart_root / chart.CHART_DIR / "ci" / "small-values.yaml",)


def test_values_coalesce_like_helm(chart_root):
    merged = chart.values(chart_root, chart.profiles(chart_root)["small"], {"image.tag": "abc"})
    assert merged == {"image": {"tag": "abc"}, "kinds": {"backend": {"replicas": 1}}}


def test_template_argv_names_version_files_and_json_values(chart_root):
    argv = chart.template_argv(
        Path("/h/helm"), chart_root, [Path("/v.yaml")], "1.20.0", {"a.b": [1, "x"]}
    )
    assert argv[:3] == ["/h/helm", "template", chart.RELEASE]
    assert argv[argv.index("--kube-version") + 1] == "1.20.0"
    assert argv[argv.index("--namespace") + 1] == chart.NAMESPACE
    assert argv[argv.index("--values") + 1] == "/v.yaml"
    assert argv[-2:] == ["--set-json", 'a.b=[1, "x"]']


def test_render_keeps_the_text_and_parses_objects(chart_root, tmp_path):
    text = "---\nkind: A\nmetadata: {name: a}\n---\n# only a comment\n---\n"
    text += "kind: B\nmetadata: {name: b}\n"
    fake = FakeDocker({("/h/helm", "template"): ok(text)})
    rendered = chart.render(
        chart_root, "p", (), "1.37.0", helm=Path("/h/helm"), out_dir=tmp_path / "out", run=fake
    )
    assert [o["kind"] for o in rendered.objects] == ["A", "B"]
    assert rendered.path.read_text() == text


def test_a_failed_render_names_profile_and_version(chart_root, tmp_path):
    fake = FakeDocker({("/h/helm", "template"): fail("Error: execution error at (x): boom")})
    with pytest.raises(HarnessError, match=r"profile p for Kubernetes 1\.20\.0 failed: .*boom"):
        chart.render(
            chart_root, "p", (), "1.20.0", helm=Path("/h/helm"), out_dir=tmp_path, run=fake
        )


def test_lint_reports_helms_first_error(chart_root):
    fake = FakeDocker({("/h/helm", "lint"): fail("x")})
    fake.answers[("/h/helm", "lint")] = chart.proc.Result(
        (), 1, "[INFO] fine\n[ERROR] templates/: bad\n", ""
    )
    with pytest.raises(
        HarnessError, match=r"profile p \(1\.37\.0\) failed: \[ERROR\] templates/: bad"
    ):
        chart.lint(chart_root, Path("/h/helm"), "p", (), "1.37.0", run=fake)


def _render(tmp_path: Path, kube: str) -> chart.Render:
    return chart.Render("p", kube, tmp_path / f"p-{kube}.yaml", ())


def _schemas(folder: Path) -> None:
    """A strict schema folder in kubernetes-validate's layout: one kind, Deployment apps/v1."""
    folder.mkdir(parents=True)
    deployment = {
        "type": "object", "additionalProperties": False, "required": ["kind"],
        "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                       "metadata": {"$ref": "#/definitions/meta"}},
    }  # fmt: skip
    meta = {"type": "object", "additionalProperties": False,
            "properties": {"name": {"type": "string"}}}  # fmt: skip
    (folder / schemas.DEFINITIONS).write_text(json.dumps({
        "definitions": {"io.k8s.api.apps.v1.Deployment": deployment, "meta": meta}
    }))  # fmt: skip
    (folder / "deployment-apps-v1.json").write_text(
        json.dumps({"$ref": "_definitions.json#/definitions/io.k8s.api.apps.v1.Deployment"})
    )


def test_schemas_follow_refs_across_files_and_name_the_object_and_field(tmp_path):
    _schemas(tmp_path / "s")
    found = schemas.Schemas(tmp_path / "s")
    good = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}
    assert list(found.problems([good, good])) == []
    # The unknown field is two $refs deep: in the kind's file, then in _definitions.json.
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "x": 1}}
    [problem] = found.problems([good, bad])
    assert problem.startswith("Deployment/web: $.metadata: ")
    assert "'x' was unexpected" in problem
    unknown = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": "x"}
    assert list(found.problems([unknown, ["a list"]])) == [
        "PodDisruptionBudget/?: no schema for kind PodDisruptionBudget with api version policy/v1",
        "['a list']: not a Kubernetes object (no kind or apiVersion)",
    ]
    group = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role"}
    assert schemas.file_name(group) == "role-rbac-v1.json"


def test_validate_reads_each_versions_schemas_from_its_own_kubernetes_validate(
    tmp_path, monkeypatch
):
    # 1.20's come from the copy installed apart, under the venv (sys.prefix).
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    isolated = tmp_path / "isolated" / chart.VALIDATORS["1.20.0"] / schemas.PACKAGE
    _schemas(isolated / "kubernetes-json-schema" / "v1.20.0-local-strict")
    render = tmp_path / "p-1.20.0.yaml"
    render.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\n")
    chart.validate([chart.Render("p", "1.20.0", render, ())])
    # What is checked is the file as written, not the objects parsed when it was rendered.
    render.write_text("apiVersion: apps/v1\nkind: Deployment\nreplicas: 2\n")
    with pytest.raises(
        HarnessError,
        match=r"not valid Kubernetes 1\.20\.0: p-1\.20\.0\.yaml: Deployment/\?: \$: .*'replicas'",
    ):
        chart.validate([chart.Render("p", "1.20.0", render, ())])
    # No schemas for a version: what to run, and where they were looked for.
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "empty"))
    with pytest.raises(HarnessError, match=r"no Kubernetes 1\.20\.0 schemas in .*nox -s chart"):
        chart.validate([chart.Render("p", "1.20.0", render, ())])


def test_checkov_report_lists_failures_and_skips(tmp_path):
    report = {
        "check_type": "kubernetes",
        "results": {
            "passed_checks": [{}, {}],
            "failed_checks": [{
                "check_id": "CKV_K8S_8", "resource": "Deployment.ns.x", "file_path": "/a.yaml",
                "file_line_range": [3, 9], "check_name": "Liveness Probe Should be Configured",
            }],
            "skipped_checks": [{
                "check_id": "CKV_K8S_15", "resource": "Deployment.ns.x",
                "check_result": {"suppress_comment": "tags are immutable"},
            }],
        },
    }  # fmt: skip
    (tmp_path / "results_json.json").write_text(json.dumps([report]))
    result = chart.read_checkov(tmp_path, "kubernetes")
    assert result.passed == 2
    assert result.failed == [
        "CKV_K8S_8 Deployment.ns.x /a.yaml:3 (Liveness Probe Should be Configured)"
    ]
    assert result.skipped == [("CKV_K8S_15", "Deployment.ns.x", "tags are immutable")]


def test_checkov_that_cannot_run_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    (tmp_path / "isolated" / "checkov").mkdir(parents=True)
    with pytest.raises(HarnessError, match=r"checkov \(helm\) did not run: boom"):
        chart.checkov(tmp_path, "helm", tmp_path / "r", run=lambda argv, **_: fail("boom", 2))


def test_checkov_runs_offline_with_the_skips_it_is_given(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    (tmp_path / "isolated" / "checkov").mkdir(parents=True)
    argv = chart.checkov_argv(tmp_path / "t", "helm", tmp_path / "r", ["CKV_K8S_21"])
    assert "--skip-download" in argv
    assert argv[argv.index("--framework") + 1] == "helm"
    assert argv[argv.index("--skip-check") + 1] == "CKV_K8S_21"
