"""The provisioning decision: engine up, bare Debian as root, refused, and elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.docker import engine
from harness.errors import HarnessError

from .conftest import FakeDocker, fail, ok

VERSION = ("docker", "version")
COMPOSE = ("docker", "compose", "version")
PROVISION = ("bash",)


@pytest.fixture(autouse=True)
def _local_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv(engine.NO_PROVISION_ENV, raising=False)


@pytest.fixture
def debian(tmp_path: Path) -> Path:
    path = tmp_path / "os-release"
    path.write_text('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')
    return path


@pytest.fixture
def fedora(tmp_path: Path) -> Path:
    path = tmp_path / "os-release"
    path.write_text('ID=fedora\nID_LIKE="rhel centos"\n')
    return path


def test_engine_up_changes_nothing(debian: Path):
    fake = FakeDocker({VERSION: ok("20.10.24 28.2.2"), COMPOSE: ok("5.6.1")})
    found = engine.ensure(root=Path("/repo"), run=fake, euid=0, os_release=debian)
    assert found == engine.Engine("20.10.24", "28.2.2", "5.6.1")
    assert not any(call[0] == "bash" for call in fake.calls)


def test_bare_debian_as_root_provisions_and_says_so(debian: Path):
    said: list[str] = []
    fake = FakeDocker(
        {
            # Before the lock, under it (no other run provisioned it meanwhile), after.
            VERSION: [fail("Cannot connect to the Docker daemon")] * 2 + [ok("20.10.24 28.2.2")],
            COMPOSE: ok("5.6.1"),
            PROVISION: ok(),
        }
    )
    found = engine.ensure(root=Path("/repo"), run=fake, euid=0, os_release=debian, say=said.append)
    assert found.server == "20.10.24"
    assert ("bash", "/repo/infra/scripts/provision-docker.sh") in fake.calls
    assert len(said) == 1
    assert "provisioning with infra/scripts/provision-docker.sh" in said[0]
    assert engine.NO_PROVISION_ENV in said[0]


def test_ubuntu_derivative_counts_as_debian(tmp_path: Path):
    path = tmp_path / "os-release"
    path.write_text("ID=linuxmint\nID_LIKE=ubuntu\n")
    assert engine.can_provision(0, path)


@pytest.mark.parametrize(("euid", "release"), [(1000, "debian"), (0, "fedora")])
def test_elsewhere_stops_with_instructions(request, euid: int, release: str):
    fake = FakeDocker({VERSION: fail("Cannot connect"), PROVISION: ok()})
    with pytest.raises(HarnessError) as caught:
        engine.ensure(
            root=Path("/repo"), run=fake, euid=euid, os_release=request.getfixturevalue(release)
        )
    assert "Docker Desktop" in str(caught.value)
    assert "docs.docker.com/engine/install" in str(caught.value)
    assert not any(call[0] == "bash" for call in fake.calls)


def test_no_provision_flag_refuses(debian: Path):
    fake = FakeDocker({VERSION: fail("Cannot connect"), PROVISION: ok()})
    with pytest.raises(HarnessError, match="provisioning is refused"):
        engine.ensure(
            root=Path("/repo"), run=fake, euid=0, os_release=debian, allow_provision=False
        )
    assert not any(call[0] == "bash" for call in fake.calls)


def test_env_var_refuses(debian: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(engine.NO_PROVISION_ENV, "1")
    fake = FakeDocker({VERSION: fail("Cannot connect"), PROVISION: ok()})
    with pytest.raises(HarnessError, match="ANNADATA_NO_PROVISION=1"):
        engine.ensure(root=Path("/repo"), run=fake, euid=0, os_release=debian)


def test_missing_compose_plugin_is_provisioned(debian: Path):
    fake = FakeDocker(
        {
            VERSION: ok("20.10.24 28.2.2"),
            COMPOSE: [fail("'compose' is not a docker command")] * 2 + [ok("5.6.1")],
            PROVISION: ok(),
        }
    )
    found = engine.ensure(root=Path("/repo"), run=fake, euid=0, os_release=debian, say=print)
    assert found.compose == "5.6.1"
    assert fake.calls.count(("bash", "/repo/infra/scripts/provision-docker.sh")) == 1


def test_an_engine_another_run_provisioned_meanwhile_is_not_provisioned_again(debian: Path):
    # Absent at the first look; answering once this run holds the lock the other one held.
    fake = FakeDocker(
        {VERSION: [fail("Cannot connect"), ok("20.10.24 28.2.2")], COMPOSE: ok("5.6.1")}
    )
    found = engine.ensure(root=Path("/repo"), run=fake, euid=0, os_release=debian, say=print)
    assert found.server == "20.10.24"
    assert not any(call[0] == "bash" for call in fake.calls)


def test_failed_provisioning_names_the_script_and_log(debian: Path):
    fake = FakeDocker({VERSION: fail("Cannot connect"), PROVISION: fail("apt-get: no network")})
    with pytest.raises(HarnessError) as caught:
        engine.ensure(root=Path("/repo"), run=fake, euid=0, os_release=debian, say=print)
    assert "provision-docker.sh failed (apt-get: no network)" in str(caught.value)
    assert "/var/log/dockerd.log" in str(caught.value)


def test_missing_docker_client_counts_as_no_engine(fedora: Path):
    # proc.run turns a missing program into exit 127; the decision must not crash on it.
    fake = FakeDocker({VERSION: fail("docker: command not found", code=127)})
    with pytest.raises(HarnessError, match="no Docker engine answers"):
        engine.ensure(root=Path("/repo"), run=fake, euid=0, os_release=fedora)


def test_docker_host_set_and_silent_names_it_and_never_provisions(
    debian: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.9:2376")
    fake = FakeDocker({VERSION: fail("Cannot connect to the Docker daemon")})
    with pytest.raises(HarnessError, match=r"DOCKER_HOST=tcp://10\.0\.0\.9:2376: start that"):
        engine.ensure(root=Path("/repo"), run=fake, euid=0, os_release=debian)
    assert not any(call[0] == "bash" for call in fake.calls)


def test_env_var_false_allows_and_a_typo_is_refused(debian: Path, monkeypatch: pytest.MonkeyPatch):
    # Before: any value but "" and "0" refused, so `false` meant the opposite.
    monkeypatch.setenv(engine.NO_PROVISION_ENV, "false")
    fake = FakeDocker(
        {VERSION: [fail("Cannot connect")] * 2 + [ok("20.10.24 28.2.2")], COMPOSE: ok("5.6.1"),
         PROVISION: ok()}
    )  # fmt: skip
    engine.ensure(root=Path("/repo"), run=fake, euid=0, os_release=debian, say=lambda _: None)
    assert ("bash", "/repo/infra/scripts/provision-docker.sh") in fake.calls
    monkeypatch.setenv(engine.NO_PROVISION_ENV, "maybe")
    fake = FakeDocker({VERSION: fail("Cannot connect"), PROVISION: ok()})
    with pytest.raises(HarnessError, match=r"^ANNADATA_NO_PROVISION='maybe': use 1"):
        engine.ensure(root=Path("/repo"), run=fake, euid=0, os_release=debian)
    assert not any(call[0] == "bash" for call in fake.calls)
