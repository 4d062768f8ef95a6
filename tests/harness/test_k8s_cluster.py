"""The cluster's refusals and teardown with the engine and tools faked at their argv."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.k8s import cluster, release
from harness.k8s.binaries import Binaries
from harness.k8s.tools import Tools

from .conftest import FakeDocker, ok


def _cluster(tmp_path: Path, fake, monkeypatch) -> cluster.Cluster:
    monkeypatch.setattr(cluster, "RUN_ROOT", tmp_path / "runs")
    return cluster.Cluster(
        Binaries(tmp_path / "cache"), Tools(tmp_path / "helm", tmp_path / "kubectl"),
        logs=tmp_path / "logs", run_id="r1", run=fake, say=lambda _: None,
    )  # fmt: skip


def test_containers_of_another_kubelet_are_refused_before_anything_changes(tmp_path, monkeypatch):
    fake = FakeDocker({("docker", "ps"): ok("abc\ndef\n")})
    instance = _cluster(tmp_path, fake, monkeypatch)
    with pytest.raises(
        cluster.ClusterError, match=r"2 containers labelled io\.kubernetes\.docker\.type exist"
    ):
        instance.start()
    assert instance.before is None
    assert not instance.dir.exists()


def test_kubernetes_iptables_chains_are_refused(tmp_path, monkeypatch):
    fake = FakeDocker({
        ("docker", "ps"): ok(""),
        ("iptables-save",): ok("*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n"),
        ("ip6tables-save",): ok(""),
    })  # fmt: skip
    with pytest.raises(cluster.ClusterError, match=r"Kubernetes chains \(KUBE-SERVICES .*--clean"):
        _cluster(tmp_path, fake, monkeypatch).start()


def test_stop_before_start_is_harmless_and_idempotent(tmp_path, monkeypatch):
    fake = FakeDocker(
        {("docker", "ps"): ok(""), ("iptables-save",): ok(""), ("ip6tables-save",): ok("")}
    )
    instance = _cluster(tmp_path, fake, monkeypatch)
    instance.stop()
    instance.stop()
    assert [c for c in fake.calls if c[:2] == ("docker", "rm")] == []


def test_pod_containers_are_removed_by_the_dockershim_label(tmp_path, monkeypatch):
    answers = {("docker", "ps"): [ok("c1 c2\n"), ok("")], ("docker", "rm"): ok(""),
               ("iptables-save",): ok(""), ("ip6tables-save",): ok("")}  # fmt: skip
    fake = FakeDocker(answers)
    _cluster(tmp_path, fake, monkeypatch).stop()
    ps = next(c for c in fake.calls if c[:2] == ("docker", "ps"))
    assert ps[-1] == f"label={cluster.DOCKERSHIM_LABEL}"
    assert ("docker", "rm", "--force", "--volumes", "c1", "c2") in fake.calls


def test_free_port_is_bindable():
    import socket

    port = cluster.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


@pytest.mark.parametrize(("text", "mb"), [("12.5MiB", 12.5), ("1GiB", 1024.0), ("512KiB", 0.5)])
def test_docker_stats_memory_is_read_in_mib(text, mb):
    assert cluster._mem_mb(text) == mb


def _pod(**status) -> dict:
    return {"metadata": {"name": "p"}, "status": status}


def test_why_a_pod_is_not_ready_names_the_container_and_reason():
    crashing = _pod(containerStatuses=[{
        "name": "backend", "ready": False, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
        "lastState": {"terminated": {"exitCode": 1}},
    }])  # fmt: skip
    assert release.why_not_ready(crashing) == "container backend CrashLoopBackOff, last exit 1"
    probing = _pod(
        containerStatuses=[{"name": "frontend", "ready": False, "state": {"running": {}}}]
    )
    assert "readiness probe" in release.why_not_ready(probing)
    assert release.why_not_ready(_pod(phase="Pending")) == "phase Pending"


def test_ready_reads_the_pod_condition():
    assert release.ready(_pod(conditions=[{"type": "Ready", "status": "True"}]))
    assert not release.ready(_pod(conditions=[{"type": "Ready", "status": "False"}]))
    assert not release.ready(_pod())


def test_databases_use_the_no_registry_stand_ins_when_bases_wrote_them(tmp_path):
    assert release.infra_images(tmp_path) == {"postgres": "postgres:15", "redis": "redis:7"}
    env = tmp_path / ".annadata" / "no-registry.env"
    env.parent.mkdir()
    env.write_text("# written by nox -s bases\nPOSTGRES_IMAGE=annadata-local/postgres:15\n")
    assert release.infra_images(tmp_path)["postgres"] == "annadata-local/postgres:15"


def test_object_names_follow_the_charts_part_names():
    assert release.object_name("msp_mitra-backend") == "annadata-msp-mitra-backend"


def test_staged_data_is_read_only(tmp_path):
    from harness import registry

    root = tmp_path / "repo"
    (root / "data/processed").mkdir(parents=True)
    (root / "data/processed/msp.csv").write_text("a,b\n")
    comp = registry.Component("s", "backend", "services/s/backend", mounts=("data/processed",))
    reg = registry.Registry(root / "services.json", {"s": (comp,)}, {})
    release.stage_data(root, reg, tmp_path / "staged")
    staged = tmp_path / "staged/data/processed/msp.csv"
    assert staged.read_text() == "a,b\n"
    assert staged.stat().st_mode & 0o777 == 0o444


def _chart_values(root: Path, base: str, test_cluster: str) -> None:
    ci = root / "infra/helm/annadata/ci"
    ci.mkdir(parents=True)
    (ci.parent / "values.yaml").write_text(base)
    (ci / "test-cluster-values.yaml").write_text(test_cluster)


def test_password_secrets_are_the_ones_the_test_values_name_with_fresh_passwords(tmp_path):
    _chart_values(
        tmp_path,
        "postgres: {chart: {passwordSecret: pg-default, passwordKey: POSTGRES_PASSWORD}}\n"
        "redis: {chart: {passwordSecret: redis-default, passwordKey: REDIS_PASSWORD}}\n",
        "postgres: {chart: {passwordSecret: pg-test}}\n"
        "redis: {chart: {passwordSecret: redis-test}}\n",
    )
    first, again = release.password_secrets(tmp_path), release.password_secrets(tmp_path)
    assert [(s["metadata"]["name"], list(s["stringData"])) for s in first] == [
        ("pg-test", ["POSTGRES_PASSWORD"]), ("redis-test", ["REDIS_PASSWORD"]),
    ]  # fmt: skip
    assert {s["metadata"]["namespace"] for s in first} == {release.NAMESPACE}
    passwords = [v for s in [*first, *again] for v in s["stringData"].values()]
    assert len(set(passwords)) == 4
    assert all(len(p) >= 32 for p in passwords)


def test_password_secrets_sharing_a_name_are_one_secret_with_a_key_each(tmp_path):
    _chart_values(
        tmp_path,
        "postgres: {chart: {passwordSecret: shared, passwordKey: POSTGRES_PASSWORD}}\n"
        "redis: {chart: {passwordSecret: shared, passwordKey: REDIS_PASSWORD}}\n",
        "{}\n",
    )
    (secret,) = release.password_secrets(tmp_path)
    assert sorted(secret["stringData"]) == ["POSTGRES_PASSWORD", "REDIS_PASSWORD"]
