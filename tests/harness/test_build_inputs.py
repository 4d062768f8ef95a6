"""A build's input key: the context walk by .dockerignore, the bases, and the skipped build
(docker faked at its argument boundary; tests/publish/test_build_cache.py checks the walk
against what a real docker sends)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness import paths, registry
from harness.docker import build_inputs, dockerfiles, images

from .conftest import FakeDocker, ok

REPO = paths.repo_root(Path(__file__))
IGNORE = """\
# a comment, then a blank line

**/node_modules
data
/build/
!data/keep.txt
*.md
!services/**/README.md
[ab]uild
"""


def _tree(root: Path, files: list[str], ignore: str = IGNORE) -> Path:
    (root / ".dockerignore").write_text(ignore)
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    return root


def _walked(root: Path) -> set[str]:
    return {rel for rel, entry in build_inputs.context_entries(root) if entry.is_file()}


def test_the_walk_leaves_out_only_the_directories_docker_leaves_out(tmp_path: Path):
    root = _tree(tmp_path, [
        "app.py", "node_modules/a.js", "services/x/node_modules/b.js",
        "services/x/node_modules/README.md", "data/big.csv", "data/keep.txt",
        "services/data/kept.csv", "build/out.o", "services/build/kept.o", "auild/kept.txt",
        "notes.md",
    ])  # fmt: skip
    assert _walked(root) == {
        ".dockerignore", "app.py",
        # data is excluded, but a re-include names a file in it: docker walks it.
        "data/big.csv", "data/keep.txt",
        # Patterns without a leading **/ hold at the context root only.
        "services/data/kept.csv", "services/build/kept.o",
        # A character class is not translated: it leaves nothing out.
        "auild/kept.txt",
        # A file pattern drops no file from the walk: one too many costs a cached rebuild.
        "notes.md",
    }  # fmt: skip


def test_a_re_include_keeps_its_own_directory_only(tmp_path: Path):
    # moby walks an excluded directory only when a re-include's text starts with its path.
    root = _tree(tmp_path, ["a/x/keep.txt", "a/y/drop.txt"], "a\n!a/x/keep.txt\n")
    assert _walked(root) == {".dockerignore", "a/x/keep.txt"}


def test_a_re_include_after_an_exclude_keeps_the_directory(tmp_path: Path):
    root = _tree(tmp_path, ["logs/a.txt", "cache/b.txt"], "logs\ncache\n!logs\n")
    assert _walked(root) == {".dockerignore", "logs/a.txt"}


def test_the_digest_follows_bytes_modes_and_new_files_but_not_left_out_ones(tmp_path: Path):
    root = _tree(tmp_path, ["app.py", "node_modules/a.js"])
    first = build_inputs.context_digest(root)
    (root / "node_modules/a.js").write_text("changed where docker does not look")
    (root / "node_modules/new.js").write_text("new")
    assert build_inputs.context_digest(root) == first
    (root / "app.py").write_text("changed")
    changed = build_inputs.context_digest(root)
    assert changed != first
    (root / "app.py").chmod(0o755)
    assert build_inputs.context_digest(root) not in (first, changed)
    (root / "app.py").chmod(0o644)
    assert build_inputs.context_digest(root) == changed
    (root / "extra.py").write_text("")
    assert build_inputs.context_digest(root) != changed


def test_an_unreadable_context_has_no_digest(tmp_path: Path):
    assert build_inputs.context_digest(tmp_path / "absent") is None


def test_bases_come_from_the_args_then_the_defaults_and_skip_stages():
    text = (REPO / "infra/docker-templates/Dockerfile.node").read_text()
    assert build_inputs.base_images(text, {}) == ["node:22-alpine", "nginx:stable-alpine"]
    assert build_inputs.base_images(text, {"NODE_IMAGE": "local/node:1"}) == [
        "local/node:1", "nginx:stable-alpine",
    ]  # fmt: skip
    scratch = "FROM scratch AS a\nFROM a\nFROM $NAME\n"
    assert build_inputs.base_images(scratch, {"NAME": "x:1"}) == ["x:1"]
    assert build_inputs.base_images(scratch, {}) is None
    # A FROM split over lines, or with options not read here: the bases are not known.
    assert build_inputs.base_images("FROM \\\n  python:3.11\n", {}) is None
    assert build_inputs.base_images("FROM --flag=x python:3.11 AS a b\n", {}) is None


def _argv(root: Path, tag: str = "1") -> list[str]:
    return ["docker", "build", "--file", f"{root}/Dockerfile", "--tag", f"x:{tag}", str(root)]


def test_the_key_needs_every_base_and_ignores_where_the_checkout_is(tmp_path: Path):
    ids = {"python:3.11-slim": "sha256:1"}
    text = "ARG PYTHON_IMAGE=python:3.11-slim\nFROM ${PYTHON_IMAGE}\n"
    one = build_inputs.key(tmp_path / "a", _argv(tmp_path / "a"), text, "ctx", ids.get)
    assert one is not None
    assert build_inputs.key(tmp_path / "b", _argv(tmp_path / "b"), text, "ctx", ids.get) == one
    assert build_inputs.key(tmp_path / "a", _argv(tmp_path / "a", "2"), text, "ctx", ids.get) != one
    assert build_inputs.key(tmp_path / "a", _argv(tmp_path / "a"), text, "ctx2", ids.get) != one
    assert build_inputs.key(tmp_path / "a", _argv(tmp_path / "a"), text + "RUN x\n", "ctx",
                            ids.get) != one  # fmt: skip
    rebuilt = {"python:3.11-slim": "sha256:2"}.get
    assert build_inputs.key(tmp_path / "a", _argv(tmp_path / "a"), text, "ctx", rebuilt) != one
    assert build_inputs.key(tmp_path / "a", _argv(tmp_path / "a"), text, "ctx", {}.get) is None


@pytest.fixture
def soil(registry_root: Path) -> tuple[Path, registry.Registry, registry.Component]:
    shutil.copytree(REPO / "infra/docker-templates", registry_root / "infra/docker-templates")
    # Its build report and logs go where the real one leaves them out.
    shutil.copy(REPO / ".dockerignore", registry_root / ".dockerignore")
    reg = registry.load(registry_root)
    dockerfiles.write_all(registry_root, reg)
    return registry_root, reg, reg.component("soil_health.backend")


def _build(soil, fake: FakeDocker, said: list[str], **options) -> list[images.Built]:
    root, reg, comp = soil
    return images.build(root, reg, [comp], tag="t", image_env={}, run=fake, say=said.append,
                        **options)  # fmt: skip


def _docker(image_answer: str) -> FakeDocker:
    return FakeDocker({
        ("docker", "build"): ok(),
        ("docker", "tag"): ok(),
        # The base image's id, then the component image's size and key label.
        ("docker", "image", "inspect", "--format", "{{.Id}}"): ok("sha256:base"),
        ("docker", "image", "inspect", "--format", "{{.Size}}"): ok("3000000"),
        ("docker", "image", "inspect"): ok(image_answer),
    })  # fmt: skip


def _builds(fake: FakeDocker) -> list[tuple[str, ...]]:
    return [c for c in fake.calls if c[:2] == ("docker", "build")]


def test_a_build_labels_its_key_and_the_same_inputs_next_time_only_retag(soil):
    first = _docker("2000000")
    _build(soil, first, [])
    (build,) = _builds(first)
    labels = [build[i + 1] for i, item in enumerate(build) if item == "--label"]
    (key,) = [v.split("=", 1)[1] for v in labels if v.startswith(build_inputs.KEY_LABEL + "=")]

    again = _docker(f"2000000 {key}")
    said: list[str] = []
    built = _build(soil, again, said)
    assert _builds(again) == []
    assert ("docker", "tag", "annadata/soil_health-backend:t",
            "annadata/soil_health-backend:dev") in again.calls  # fmt: skip
    assert built[0].cached
    assert built[0].size_mb == 2.0
    assert any("annadata/soil_health-backend unchanged" in line for line in said)


def test_an_image_with_another_key_or_none_is_built(soil):
    for answer in ("2000000 an-older-key", "2000000", ""):
        fake = _docker(answer)
        _build(soil, fake, [])
        assert len(_builds(fake)) == 1, answer


def test_a_build_with_a_registry_cache_always_runs_and_carries_no_key(soil):
    fake = FakeDocker({("docker",): ok("9")})
    _build(soil, fake, [], cache=images.LayerCache(source="127.0.0.1:5000/ns"))
    (build,) = _builds(fake)
    assert not [item for item in build if item.startswith(build_inputs.KEY_LABEL)]
