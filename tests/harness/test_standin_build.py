"""Which stand-ins a bases run builds, with what arguments, and the env file it writes."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from harness import hostlock, paths, proc, registry
from harness.bases import standin_build, standins
from harness.docker import dockerfiles, images
from harness.errors import HarnessError

from .conftest import REPO, FakeDocker, ok


class FakeEngine:
    """A Docker CLI fake holding labelled images; `docker build` records and 'creates'."""

    def __init__(self, labels: dict[str, str], build_fails: bool = False):
        self.labels = dict(labels)
        self.build_fails = build_fails
        self.builds: list[list[str]] = []

    def __call__(self, argv, **options) -> proc.Result:
        argv = list(argv)
        if argv[:3] == ["docker", "image", "inspect"]:
            tag = argv[-1]
            if tag not in self.labels:
                return proc.Result(tuple(argv), 1, "", f"Error: No such image: {tag}")
            fmt = argv[4]
            out = {"{{.Id}}": f"sha256:{tag}", "{{.Size}}": "123000000"}.get(fmt, self.labels[tag])
            return proc.Result(tuple(argv), 0, out + "\n", "")
        if argv[:2] == ["docker", "build"]:
            self.builds.append(argv)
            if self.build_fails:
                return proc.Result(tuple(argv), 1, "", "E: Unable to locate package nodejs")
            tag = argv[argv.index("--tag") + 1]
            label = next(a for a in argv if a.startswith(standins.HASH_LABEL + "="))
            self.labels[tag] = label.split("=", 1)[1]
            return proc.Result(tuple(argv), 0, "", "")
        if argv[:3] == ["docker", "image", "rm"]:
            return proc.Result(tuple(argv), 0, "", "")
        raise AssertionError(f"unexpected command {argv}")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "infra/bases", tmp_path / "infra/bases")
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    monkeypatch.setenv("ANNADATA_CA_BUNDLE", str(bundle))
    return tmp_path


def _current(root: Path) -> dict[str, str]:
    items = standins.load(root)
    hashes = standins.recipe_hashes(items)
    return {s.tag: hashes[name] for name, s in items.items()}


def test_nothing_changed_builds_nothing_and_writes_env_file(root: Path):
    fake = FakeEngine(_current(root))
    outcomes = standin_build.build(root, run=fake, say=print)
    assert fake.builds == []
    assert {o.action for o in outcomes} == {"up to date"}
    env = (root / paths.NO_REGISTRY_ENV_FILE).read_text()
    assert "POSTGRES_IMAGE=annadata-local/postgres:15\n" in env
    assert "PYTHON_IMAGE=annadata-local/python:3.11-slim\n" in env
    assert not list((root / paths.STATE_DIR).glob("*.tmp"))


def test_stale_label_rebuilds_that_image_with_label_and_base_args(root: Path):
    labels = _current(root)
    labels["annadata-local/traefik:v3"] = "an-old-hash"
    fake = FakeEngine(labels)
    outcomes = standin_build.build(root, run=fake, say=print)
    assert [o.name for o in outcomes if o.action == "built"] == ["traefik"]
    (argv,) = fake.builds
    assert f"{standins.HASH_LABEL}={_current(root)['annadata-local/traefik:v3']}" in argv
    assert "PYTHON_IMAGE=annadata-local/python:3.11-slim" in argv
    assert "DEBIAN_IMAGE=annadata-local/debian:bookworm" in argv
    assert "--force-rm" in argv


def test_changed_recipe_rebuilds_it_and_what_builds_on_it(root: Path):
    fake = FakeEngine(_current(root))
    with (root / "infra/bases/python/Dockerfile").open("a") as handle:
        handle.write("# changed\n")
    built = [o.name for o in standin_build.build(root, run=fake, say=print) if o.action == "built"]
    # node builds on python now (it fetches the Node wheel with pip).
    assert built == ["python", "node", "traefik"]


def test_only_builds_the_named_stand_in(root: Path):
    labels = {tag: "stale" for tag in _current(root)}
    # debian is a rootfs (debootstrap), so keep it current: this test is about selection.
    labels["annadata-local/debian:bookworm"] = _current(root)["annadata-local/debian:bookworm"]
    fake = FakeEngine(labels)
    outcomes = standin_build.build(root, only=["redis"], run=fake, say=print)
    assert [(o.name, o.action) for o in outcomes] == [("debian", "up to date"), ("redis", "built")]


def test_unknown_name_is_refused(root: Path):
    with pytest.raises(HarnessError, match="no stand-in named 'redis7'"):
        standin_build.build(root, only=["redis7"], run=FakeEngine({}), say=print)


def test_failed_build_names_recipe_and_log(root: Path):
    labels = _current(root)
    labels["annadata-local/node:22"] = "stale"
    with pytest.raises(HarnessError) as caught:
        standin_build.build(root, run=FakeEngine(labels, build_fails=True), say=print)
    message = str(caught.value)
    assert "infra/bases/node/Dockerfile failed (E: Unable to locate package nodejs)" in message
    assert ".annadata/logs/bases-node.log" in message


def test_states(root: Path):
    items = standins.load(root)
    hashes = standins.recipe_hashes(items)
    labels = _current(root)
    labels["annadata-local/redis:7"] = "old"
    del labels["annadata-local/nginx:stable"]
    found = standin_build.states(items, hashes, run=FakeEngine(labels))
    assert found["redis"] == "stale"
    assert found["nginx"] == "missing"
    assert found["postgres"] == "current"


def test_a_state_directory_that_is_a_file_is_refused_before_any_build(root: Path):
    # Before: images were built, then writing .annadata/no-registry.env failed (traceback).
    (root / paths.STATE_DIR).write_text("a file where the directory goes")
    engine = FakeEngine({})
    with pytest.raises(HarnessError, match=r"cannot create the log directory \(.* is a file"):
        standin_build.build(root, run=engine, say=lambda _: None)
    assert engine.builds == []


def test_a_report_directory_that_is_a_file_is_refused_before_any_image_build(
    registry_root: Path,
):
    shutil.copytree(REPO / "infra/docker-templates", registry_root / "infra/docker-templates")
    reg = registry.load(registry_root)
    dockerfiles.write_all(registry_root, reg)
    (registry_root / "reports").write_text("a file")
    engine = FakeEngine({})
    with pytest.raises(HarnessError, match=r"reports: cannot create the report directory"):
        images.build(registry_root, reg, reg.components(), tag="t", image_env={}, run=engine)
    assert engine.builds == []


def test_an_image_another_run_is_building_is_waited_for_then_built(registry_root: Path):
    shutil.copytree(REPO / "infra/docker-templates", registry_root / "infra/docker-templates")
    reg = registry.load(registry_root)
    dockerfiles.write_all(registry_root, reg)
    comp = reg.component("soil_health.backend")
    fake = FakeDocker({("docker", "build"): ok(), ("docker", "image", "inspect"): ok("1000")})
    said: list[str] = []

    def build() -> None:
        # A prefix of its own (as a test's): the lock is the component's all the same.
        images.build(registry_root, reg, [comp], tag="t", image_env={}, prefix="annadata-t1/",
                     run=fake, say=said.append)  # fmt: skip

    worker = threading.Thread(target=build)
    with hostlock.machine(f"image-{comp.compose_name}", "building it (another run)"):
        worker.start()
        deadline = time.monotonic() + 30
        while not said and time.monotonic() < deadline:
            time.sleep(0.05)
        assert said[:1] == [
            "harness: waiting for another run that is building annadata-t1/soil_health-backend "
            f"(lock {hostlock.locks_dir() / 'image-soil_health-backend.lock'})"
        ]
        assert not [c for c in fake.calls if c[:2] == ("docker", "build")]
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert len([c for c in fake.calls if c[:2] == ("docker", "build")]) == 1
