"""Each conformance check fails on a render broken in its aspect (the checks can fail)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from . import conformance
from .conformance import Case

PROFILE = ("test-cluster", "1.20.0")


def _deployment(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == name)


def _main(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return _deployment(objects, name)["spec"]["template"]["spec"]["containers"][0]


def _drop_worker(objects):
    objects.remove(_deployment(objects, "annadata-worker-worker"))


def _wrong_tag(objects):
    _main(objects, "annadata-soil-health-backend")["image"] = "annadata/soil_health-backend:other"


def _wrong_port(objects):
    service = next(
        o
        for o in objects
        if o["kind"] == "Service" and o["metadata"]["name"] == "annadata-crop-calendar-backend"
    )
    service["spec"]["ports"][0]["port"] = 9999


def _wrong_probe(objects):
    _main(objects, "annadata-msp-mitra-backend")["readinessProbe"]["httpGet"]["path"] = "/"


def _lost_env(objects):
    container = _main(objects, "annadata-msp-mitra-backend")
    container["env"] = [e for e in container["env"] if e["name"] != "POSTGRES_HOST"]


def _wrong_limit(objects):
    _main(objects, "annadata-yield-api-backend")["resources"]["limits"]["memory"] = "384Mi"


def _writable_models(objects):
    for mount in _main(objects, "annadata-yield-api-backend")["volumeMounts"]:
        mount.pop("readOnly", None)


def _volume(objects, deployment: str, name: str) -> dict[str, Any]:
    spec = _deployment(objects, deployment)["spec"]["template"]["spec"]
    return next(v for v in spec["volumes"] if v["name"] == name)


def _tmp_bigger_than_composes(objects):
    _volume(objects, "annadata-worker-worker", "tmp")["emptyDir"]["sizeLimit"] = "64Mi"


def _tmp_on_disk(objects):
    _volume(objects, "annadata-msp-mitra-frontend", "tmp")["emptyDir"].pop("medium")


def _privileged(objects):
    _main(objects, "annadata-worker-worker")["securityContext"]["readOnlyRootFilesystem"] = False


def _wrong_host(objects):
    ingress = next(o for o in objects if o["kind"] == "Ingress")
    ingress["spec"]["rules"][0]["host"] = "elsewhere.localhost"


def _new_pdb_on_old_cluster(objects):
    next(o for o in objects if o["kind"] == "PodDisruptionBudget")["apiVersion"] = "policy/v1"


def _open_postgres(objects):
    policy = next(
        o
        for o in objects
        if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "annadata-soil-health-backend"
    )
    policy["spec"]["egress"] = [
        {"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/component": "postgres"}}}]}
    ]


def _policy(objects, name: str) -> dict[str, Any]:
    return next(
        o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == name
    )


def _redis_from_a_frontend(objects):
    peers = _policy(objects, "annadata-redis")["spec"]["ingress"][0]["from"]
    peers.append(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/component": "msp_mitra-frontend"}}}
    )


def _worker_from_outside(objects):
    _policy(objects, "annadata-worker-worker")["spec"]["ingress"] = [
        {
            "from": [
                {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "traefik"}}}
            ]
        }
    ]


def _redis_from_anywhere(objects):
    # An ingress rule without `from` lets in every source, in-cluster or not.
    _policy(objects, "annadata-redis")["spec"]["ingress"].append({"ports": [{"port": "redis"}]})


def _postgres_from_another_namespace(objects):
    # A podSelector beside a namespaceSelector selects pods of other namespaces too.
    peers = _policy(objects, "annadata-postgres")["spec"]["ingress"][0]["from"]
    peers[0]["namespaceSelector"] = {}


def _literal_password(objects):
    container = _main(objects, "annadata-msp-mitra-backend")
    for var in container["env"]:
        if var["name"] == "POSTGRES_PASSWORD":
            var.pop("valueFrom")
            var["value"] = "hunter2"


def _bare_skip(objects):
    _deployment(objects, "annadata-worker-worker")["metadata"]["annotations"][
        "checkov.io/skip9"
    ] = "CKV_K8S_8"


def _no_redis(objects):
    objects[:] = [
        o
        for o in objects
        if not (o["kind"] == "StatefulSet" and o["metadata"]["name"] == "annadata-redis")
    ]


def _redis_args(objects) -> list[str]:
    redis = next(
        o
        for o in objects
        if o["kind"] == "StatefulSet" and o["metadata"]["name"] == "annadata-redis"
    )
    args: list[str] = redis["spec"]["template"]["spec"]["containers"][0]["args"]
    return args


def _redis_without_password(objects):
    args = _redis_args(objects)
    del args[args.index("--requirepass") : args.index("--requirepass") + 2]


def _redis_unbounded(objects):
    args = _redis_args(objects)
    del args[args.index("--maxmemory") : args.index("--maxmemory") + 2]


def _redis_password_elsewhere(objects):
    for var in _main(objects, "annadata-worker-worker")["env"]:
        if var["name"] == "REDIS_PASSWORD":
            var["valueFrom"]["secretKeyRef"]["name"] = "another-secret"


Break = Callable[[list[dict[str, Any]]], None]
BREAKS: dict[str, list[Break]] = {
    "workloads": [_drop_worker],
    "images": [_wrong_tag],
    "services": [_wrong_port],
    "probes": [_wrong_probe],
    "env": [_lost_env],
    "limits": [_wrong_limit],
    "mounts": [_writable_models, _tmp_bigger_than_composes, _tmp_on_disk],
    "security": [_privileged],
    "routes": [_wrong_host],
    "api_versions": [_new_pdb_on_old_cluster],
    "network": [
        _open_postgres,
        _redis_from_a_frontend,
        _redis_from_anywhere,
        _postgres_from_another_namespace,
        _worker_from_outside,
    ],
    "secrets": [_literal_password],
    "checkov_skips": [_bare_skip],
    "databases": [_no_redis],
    "redis": [_redis_without_password, _redis_unbounded, _redis_password_elsewhere],
}
CASES = [(check, each) for check, breaks in sorted(BREAKS.items()) for each in breaks]


def test_every_check_has_a_break():
    assert set(BREAKS) == set(conformance.CHECKS)


def _broken(case: Case, damage: Break) -> Case:
    objects = copy.deepcopy(list(case.render.objects))
    damage(objects)
    return dataclasses.replace(
        case, render=dataclasses.replace(case.render, objects=tuple(objects))
    )


@pytest.mark.parametrize(("check", "damage"), CASES, ids=[f"{c}-{d.__name__}" for c, d in CASES])
def test_check_catches_its_break(cases, check, damage):
    case: Case = cases[PROFILE]
    assert conformance.CHECKS[check](case) == []
    assert conformance.CHECKS[check](_broken(case, damage)) != []


def _compose_changed(case: Case, change: Callable[[dict[str, Any]], None]) -> Case:
    compose = copy.deepcopy(case.compose)
    change(compose)
    return dataclasses.replace(case, compose=compose)


def test_network_follows_composes_networks(cases):
    """A pair the chart allows that compose's networks keep apart is caught, even when
    services.json says one depends on the other."""
    case: Case = cases[PROFILE]

    def split(compose: dict[str, Any]) -> None:
        compose["msp_mitra-backend"]["networks"] = ["msp_mitra"]

    assert conformance.network(_compose_changed(case, split)) != []


def test_tmpfs_sizes_follow_compose(cases):
    case: Case = cases[PROFILE]

    def grow(compose: dict[str, Any]) -> None:
        service = compose["soil_health-backend"]
        service["tmpfs"] = [entry + ",size=32m" for entry in service["tmpfs"]]

    assert conformance.mounts(_compose_changed(case, grow)) != []
    assert conformance.tmpfs_bytes("16m") == conformance.memory_bytes("16Mi") == 16 * 2**20
    assert conformance.compose_tmpfs({"tmpfs": ["/scratch:mode=1777,size=1g", "/run"]}) == {
        "/scratch": 2**30, "/run": None,
    }  # fmt: skip


def test_redis_follows_composes_command(cases):
    case: Case = cases[PROFILE]

    def loosen(compose: dict[str, Any]) -> None:
        compose["redis"]["command"][-1] = compose["redis"]["command"][-1].replace(
            "noeviction", "allkeys-lru"
        )

    assert conformance.redis(_compose_changed(case, loosen)) != []


def test_an_unplaced_infrastructure_entry_is_caught(cases):
    """services.json infrastructure is run by the chart or compose-only, never forgotten."""
    case: Case = cases[PROFILE]
    infra = dict(case.reg.infrastructure)
    infra["minio"] = infra["redis"]
    changed = dataclasses.replace(case, reg=dataclasses.replace(case.reg, infrastructure=infra))
    assert any("minio" in p for p in conformance.databases(changed))
