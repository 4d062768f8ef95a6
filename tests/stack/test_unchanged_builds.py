"""A build whose inputs have not changed is not run, against a real engine: the context walk
holds every file docker sends, and a change to one of them builds again.

Both tests work in a copy of the repository's tracked files (no git: the image labels do
not name a commit), so nothing in the checkout changes while other suites read it.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import git, paths, proc, registry
from harness.docker import build_inputs, images
from harness.docker.prepare import prepare

ROOT = paths.repo_root(Path(__file__))
COMPONENT = "soil_health.backend"
# Beyond the repository's own: a re-include inside an excluded directory, a pattern for
# any depth, and files in directories the walk must leave out and must not.
EXTRA_IGNORE = "\nvendor\n!vendor/keep/**\n**/generated\n*.log\n"
EXTRA_FILES = [
    "vendor/keep/a.txt", "vendor/drop/b.txt", "services/x/generated/c.py", "generated/d.py",
    "services/soil_health/backend/node_modules/e.js", "data/processed/f.csv", "run.log",
    "services/y/README.md", "notes.md", "libs/annadata_common/__pycache__/g.pyc",
]  # fmt: skip
pytestmark = pytest.mark.docker


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The repository's tracked files, the work tree's bytes, in a directory of their own."""
    tracked = git.files(ROOT)
    assert tracked, "git ls-files listed nothing"
    for name in tracked:
        if (ROOT / name).is_file():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, tmp_path / name)
    return tmp_path


def _python() -> str:
    return prepare(ROOT, registry.load(ROOT), []).image_env.get("PYTHON_IMAGE", "python:3.11-slim")


def test_the_walk_holds_every_file_docker_sends(copy: Path, tmp_path_factory):
    with (copy / ".dockerignore").open("a") as ignore:
        ignore.write(EXTRA_IGNORE)
    for name in EXTRA_FILES:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_text(name)
    # Outside the context: the CLI adds it under a name of its own, left out below.
    dockerfile = tmp_path_factory.mktemp("dockerfile") / "Dockerfile"
    dockerfile.write_text(f"FROM {_python()}\nCOPY . /context/\n")
    tag = f"annadata-walktest/context:{uuid.uuid4().hex[:8]}"
    built = proc.run(["docker", "build", "--quiet", "--file", str(dockerfile), "--tag", tag,
                      str(copy)], timeout=300)  # fmt: skip
    assert built.ok, built.last_error_line()
    try:
        listed = proc.run(["docker", "run", "--rm", "--network", "none", "--entrypoint", "find",
                           tag, "/context", "-type", "f"], timeout=120)  # fmt: skip
        assert listed.ok, listed.last_error_line()
    finally:
        proc.run(["docker", "rmi", tag], timeout=120)
    sent = {
        line.removeprefix("/context/")
        for line in listed.stdout.splitlines()
        if not line.startswith("/context/.dockerfile.")
    }
    walked = {rel for rel, entry in build_inputs.context_entries(copy) if entry.is_file()}
    assert "services/soil_health/backend/app.py" in sent
    assert sent - walked == set()
    # Not everything: what docker leaves out by directory, the walk leaves out too.
    left_out = {"vendor/drop/b.txt", "services/x/generated/c.py", "data/processed/f.csv",
                "services/soil_health/backend/node_modules/e.js"}  # fmt: skip
    assert left_out & (sent | walked) == set()
    assert "vendor/keep/a.txt" in sent & walked


@pytest.fixture
def prefix() -> Iterator[str]:
    """Image names of this test's own; every tag under them is removed afterwards."""
    name = f"annadata-skiptest-{uuid.uuid4().hex[:8]}/"
    yield name
    listed = proc.run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}}"], timeout=60)
    ours = [ref for ref in listed.stdout.split() if ref.startswith(name)]
    if ours:
        proc.run(["docker", "rmi", *ours], timeout=300)


def test_an_unchanged_build_is_skipped_and_a_changed_file_builds_again(copy: Path, prefix: str):
    reg = registry.load(copy)
    comp = reg.component(COMPONENT)
    env = prepare(ROOT, reg, []).image_env
    calls: list[list[str]] = []

    def recorded(argv, **options) -> proc.Result:
        calls.append(list(argv))
        return proc.run(argv, **options)

    def build() -> tuple[images.Built, int]:
        calls.clear()
        (done,) = images.build(copy, reg, [comp], tag="skiptest", image_env=env,
                               prefix=prefix, run=recorded, say=lambda _: None)  # fmt: skip
        return done, len([argv for argv in calls if argv[:2] == ["docker", "build"]])

    assert build()[1] == 1
    first_id = _image_id(f"{prefix}{comp.compose_name}:dev")
    try:
        _unchanged_then_changed(copy, comp, build, first_id)
    finally:
        # Untagged by the last build: the prefix's cleanup no longer finds it.
        proc.run(["docker", "rmi", first_id], timeout=120)


def _image_id(ref: str) -> str:
    found = proc.run(["docker", "image", "inspect", "--format", "{{.Id}}", ref], timeout=30)
    assert found.ok, found.last_error_line()
    return found.stdout.strip()


def _unchanged_then_changed(copy: Path, comp: registry.Component, build, first_id: str) -> None:
    again, builds = build()
    assert builds == 0
    assert again.cached
    # Where docker does not look: still nothing to build.
    (copy / comp.directory / "__pycache__").mkdir()
    (copy / comp.directory / "__pycache__/app.cpython-311.pyc").write_bytes(b"\0")
    assert build()[1] == 0
    with (copy / comp.directory / "app.py").open("a") as app:
        app.write("\n# changed\n")
    changed, builds = build()
    assert builds == 1
    assert not changed.cached
    assert _image_id(changed.image) != first_id
