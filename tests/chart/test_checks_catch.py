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


BREAKS: dict[str, Callable[[list[dict[str, Any]]], None]] = {
    "workloads": _drop_worker,
    "images": _wrong_tag,
    "services": _wrong_port,
    "probes": _wrong_probe,
    "env": _lost_env,
    "limits": _wrong_limit,
    "mounts": _writable_models,
    "security": _privileged,
    "routes": _wrong_host,
    "api_versions": _new_pdb_on_old_cluster,
    "network": _open_postgres,
    "secrets": _literal_password,
    "checkov_skips": _bare_skip,
    "databases": _no_redis,
}


def test_every_check_has_a_break():
    assert set(BREAKS) == set(conformance.CHECKS)


@pytest.mark.parametrize("check", sorted(BREAKS))
def test_check_catches_its_break(cases, check):
    case: Case = cases[PROFILE]
    assert conformance.CHECKS[check](case) == []
    objects = copy.deepcopy(list(case.render.objects))
    BREAKS[check](objects)
    broken = dataclasses.replace(
        case, render=dataclasses.replace(case.render, objects=tuple(objects))
    )
    assert conformance.CHECKS[check](broken) != []
