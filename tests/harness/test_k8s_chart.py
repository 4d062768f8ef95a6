"""The chart command's plumbing, with helm, kubernetes-validate and checkov faked at argv."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.k8s import chart

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


def test_validate_treats_a_warning_as_a_failure(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    (tmp_path / "isolated" / "kubernetes-validate-1.28").mkdir(parents=True)
    calls = []

    def run(argv, **options):
        calls.append((argv, options.get("env")))
        if "1.37.0" in argv:
            return ok("WARN p-1.37.0.yaml Couldn't find schema for kind X\n")
        return ok("")

    with pytest.raises(HarnessError, match=r"not valid Kubernetes 1\.37\.0: WARN .*find schema"):
        chart.validate([_render(tmp_path, "1.37.0"), _render(tmp_path, "1.20.0")], run)
    by_version = {argv[argv.index("--kubernetes-version") + 1]: env for argv, env in calls}
    assert by_version["1.37.0"] is None
    assert by_version["1.20.0"]["PYTHONPATH"].startswith(str(tmp_path / "isolated"))


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
