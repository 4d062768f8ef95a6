"""The cluster binaries' cache: keyed by recipe, complete or absent, one-line build errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.k8s import binaries

from .conftest import fail, ok


def _complete(directory: Path) -> None:
    (directory / "bin").mkdir(parents=True)
    for name in binaries.BINARIES:
        (directory / "bin" / name).write_bytes(b"\x7fELF")
    (directory / binaries.MARKER).write_text("{}")


def test_the_cache_key_follows_the_recipe(tmp_path, monkeypatch):
    first = binaries.cache_dir(tmp_path)
    monkeypatch.setattr(binaries, "ETCD_VERSION", "3.4.99")
    assert binaries.cache_dir(tmp_path) != first
    assert first.parent == tmp_path
    assert first.name.startswith(binaries.KUBE_VERSION)


def test_only_a_complete_build_counts(tmp_path):
    directory = binaries.cache_dir(tmp_path)
    assert binaries.cached(tmp_path) is None
    _complete(directory)
    assert binaries.cached(tmp_path).path("kubelet") == directory / "bin" / "kubelet"
    (directory / "bin" / "etcd").unlink()
    assert binaries.cached(tmp_path) is None


def test_the_cache_lives_outside_the_repository_unless_told(monkeypatch, tmp_path):
    monkeypatch.delenv(binaries.CACHE_ENV, raising=False)
    assert binaries.cache_root() == Path("/var/cache/annadata/kubernetes")
    monkeypatch.setenv(binaries.CACHE_ENV, str(tmp_path))
    assert binaries.cache_root() == tmp_path


def test_ensure_uses_a_cached_build_without_running_anything(tmp_path):
    _complete(binaries.cache_dir(tmp_path))

    def run(argv, **_):
        raise AssertionError(f"ran {argv}")

    assert binaries.ensure(tmp_path, run=run, say=lambda _: None).directory == binaries.cache_dir(
        tmp_path
    )


def test_a_failed_step_names_itself_and_its_log_and_writes_no_cache(tmp_path):
    def run(argv, **_):
        return fail("E: Unable to locate package golang-1.19-go") if argv[1] == "install" else ok()

    with pytest.raises(
        HarnessError, match=r"failed at installing the build tools: E: Unable .*build\.log"
    ):
        binaries.ensure(tmp_path, run=run, say=lambda _: None)
    assert binaries.cached(tmp_path) is None


def test_a_source_that_does_not_take_the_patch_is_refused(tmp_path):
    def run(argv, **options):
        cwd = options.get("cwd")
        if argv[:1] == ["apt-get"] and "source" in argv:
            (cwd / "kubernetes_1.dsc").write_text("")
        if argv[0] == "dpkg-source":
            for relative, *_ in binaries.PATCHES:
                path = cwd / "src" / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("nothing to patch here\n")
        return ok()

    with pytest.raises(HarnessError, match=r"pkg/kubelet/qos/policy.go has 0 of .*expected 2"):
        binaries.ensure(tmp_path, run=run, say=lambda _: None)


def test_source_comes_through_a_private_apt_config(tmp_path):
    options = binaries._private_apt(tmp_path)
    parts = Path(options[options.index("-o") + 3].split("=", 1)[1])
    assert "Dir::Etc::SourceList=/dev/null" in options
    assert (parts / "debian-src.sources").read_text().startswith("Types: deb-src")
