"""Behaviour of the chart's templates beyond the registry: discovery, data sources, refusals."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import proc
from harness.errors import HarnessError
from harness.k8s import chart

from .conftest import ROOT

NGINX_TEMPLATE = ROOT / "infra/docker-templates/nginx/spa.conf"
KUBE = chart.KUBE_VERSIONS[-1]


def _render(helm: Path, tmp_path: Path, sets: dict, files=()) -> chart.Render:
    return chart.render(ROOT, "case", files, KUBE, helm=helm, out_dir=tmp_path, sets=sets)


def _failure(helm: Path, sets: dict) -> str:
    done = proc.run(chart.template_argv(helm, ROOT, (), KUBE, sets), timeout=120)
    assert not done.ok
    return done.stderr


def _expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion of command arguments and env values."""
    return re.sub(
        r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), text
    )


def test_frontend_config_rewrite_points_api_at_the_backend_service(cases, tmp_path):
    """The init container's sed, run for real on the image's config, proxies /api/ to an IP."""
    case = cases[("test-cluster", KUBE)]
    comp = next(c for c in case.enabled() if c.ref == "msp_mitra.frontend")
    init = next(c for c in case.pod(comp)["initContainers"] if c["name"] == "nginx-config")
    # What the image holds: the template with the Dockerfile's substitutions.
    baked = tmp_path / "baked.conf"
    baked.write_text(
        NGINX_TEMPLATE.read_text()
        .replace("__PORT__", "5173")
        .replace("__API_UPSTREAM__", "msp_mitra-backend:8001")
    )
    service_env = {
        "ANNADATA_MSP_MITRA_BACKEND_SERVICE_HOST": "10.233.0.17",
        "ANNADATA_MSP_MITRA_BACKEND_SERVICE_PORT": "8001",
    }
    env = {e["name"]: _expand(e["value"], service_env) for e in init["env"]}
    argv = [_expand(arg, env) for arg in init["command"]]
    out = tmp_path / "out"
    out.mkdir()
    argv = [
        a.replace("/etc/annadata-nginx", str(out)).replace(
            "/etc/nginx/conf.d/default.conf", str(baked)
        )
        for a in argv
    ]
    assert shutil.which(argv[0]), "sed is needed on this machine"
    subprocess.run(argv, check=True, timeout=30)
    written = (out / "default.conf").read_text()
    assert "set $api_upstream http://10.233.0.17:8001;" in written
    assert "resolver" not in written
    assert "msp_mitra-backend" not in written
    # Everything else of the image's config is kept.
    assert "listen 5173;" in written
    assert "try_files $uri $uri/ /index.html;" in written


def test_data_from_an_image_is_copied_then_mounted_read_only(helm, tmp_path):
    render = _render(helm, tmp_path, {"data.source": "image", "image.tag": "abc123"})
    deployment = next(
        o for o in render.objects
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "annadata-yield-api-backend"
    )  # fmt: skip
    spec = deployment["spec"]["template"]["spec"]
    init = next(c for c in spec["initContainers"] if c["name"] == "data")
    assert init["image"] == "annadata/data:abc123"
    assert init["command"] == [
        "cp",
        "-R",
        "--parents",
        "data/processed",
        "src/models/saved_models",
        "/data/",
    ]
    volume = next(v for v in spec["volumes"] if v["name"] == "data")
    assert "emptyDir" in volume
    mounts = [m for m in spec["containers"][0]["volumeMounts"] if m["name"] == "data"]
    assert {(m["mountPath"], m["subPath"], m["readOnly"]) for m in mounts} == {
        ("/app/data/processed", "data/processed", True),
        ("/app/src/models/saved_models", "src/models/saved_models", True),
    }


def test_data_from_a_claim_is_mounted_read_only(cases):
    case = cases[("default", KUBE)]
    comp = next(c for c in case.enabled() if c.ref == "yield_api.backend")
    volume = next(v for v in case.pod(comp)["volumes"] if v["name"] == "data")
    assert volume["persistentVolumeClaim"] == {"claimName": "annadata-data", "readOnly": True}


def test_components_without_mounts_get_no_data_volume(cases):
    case = cases[("default", KUBE)]
    comp = next(c for c in case.enabled() if c.ref == "soil_health.backend")
    assert all(v["name"] != "data" for v in case.pod(comp)["volumes"])


def test_in_chart_databases_are_found_through_service_variables(cases):
    case = cases[("test-cluster", KUBE)]
    env = {
        e["name"]: e
        for e in case.container(next(c for c in case.enabled() if c.ref == "msp_mitra.backend"))[
            "env"
        ]
    }
    assert env["POSTGRES_HOST"]["value"] == "$(ANNADATA_POSTGRES_SERVICE_HOST)"
    assert env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "annadata-test-postgres", "key": "POSTGRES_PASSWORD",
    }  # fmt: skip
    worker = {
        e["name"]: e
        for e in case.container(next(c for c in case.enabled() if c.kind == "worker"))["env"]
    }
    assert (
        worker["REDIS_URL"]["value"]
        == "redis://$(ANNADATA_REDIS_SERVICE_HOST):$(ANNADATA_REDIS_SERVICE_PORT)/0"
    )
    # The Secret the harness generates for the test cluster (harness.k8s.release).
    assert worker["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "annadata-test-redis", "key": "REDIS_PASSWORD",
    }  # fmt: skip


def test_external_databases_come_from_existing_secrets(cases):
    case = cases[("default", KUBE)]
    env = {
        e["name"]: e
        for e in case.container(next(c for c in case.enabled() if c.ref == "yield_api.backend"))[
            "env"
        ]
    }
    assert env["REDIS_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "annadata-redis",
        "key": "REDIS_URL",
    }
    assert env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "annadata-redis",
        "key": "REDIS_PASSWORD",
    }


def test_autoscaled_backends_leave_replicas_to_the_autoscaler(cases):
    case = cases[("default", KUBE)]
    hpas = case.objects("HorizontalPodAutoscaler")
    for name, deployment in case.objects("Deployment").items():
        assert ("replicas" in deployment["spec"]) == (name not in hpas), name
    assert {n for n in hpas} == {
        case.name(c.compose_name) for c in case.enabled() if c.kind == "backend"
    }


def test_a_dependency_switched_off_is_refused(helm):
    error = _failure(helm, {"components.msp_mitra-backend.enabled": False})
    assert "msp_mitra.frontend depends on msp_mitra.backend" in error


def test_an_unknown_data_source_is_refused(helm):
    assert "/data/source" in _failure(helm, {"data.source": "nfs"})


@pytest.mark.parametrize("name", ["DB_PASSWORD", "API_TOKEN", "aws_secret_key"])
def test_values_refuse_secret_looking_settings(helm, name):
    assert name in _failure(helm, {f"config.{name}": "x"})


def test_a_profile_switch_must_be_a_boolean(helm):
    assert "enabled" in _failure(helm, {"ml.enabled": "yes"})


def test_validation_refuses_an_api_the_oldest_cluster_lacks(cases, tmp_path):
    """1.20's schemas: policy/v1 PDBs do not exist there."""
    rendered = cases[("test-cluster", "1.20.0")].render
    chart.validate([rendered])
    broken = tmp_path / "broken.yaml"
    broken.write_text(rendered.path.read_text().replace("policy/v1beta1", "policy/v1", 1))
    with pytest.raises(
        HarnessError, match=r"1\.20\.0: .*PodDisruptionBudget with api version policy/v1"
    ):
        chart.validate([chart.Render("broken", "1.20.0", broken, rendered.objects)])


@pytest.mark.parametrize("kube", chart.KUBE_VERSIONS)
def test_validation_refuses_an_unknown_field(cases, tmp_path, kube):
    rendered = cases[("default", kube)].render
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        rendered.path.read_text().replace("revisionHistoryLimit: 5", "revisionHistoryLimits: 5", 1)
    )
    with pytest.raises(
        HarnessError, match=rf"{re.escape(kube)}: broken\.yaml: Deployment/.*revisionHistoryLimits"
    ):
        chart.validate([chart.Render("broken", kube, broken, rendered.objects)])


def test_a_new_app_tag_leaves_the_databases_pod_templates_alone(helm, tmp_path):
    """An upgrade to a new tag rolls the components, never Postgres or Redis (their data)."""
    files = chart.profiles(ROOT)["test-cluster"]

    def templates(tag: str) -> dict[str, dict]:
        rendered = _render(helm, tmp_path / tag, {"image.tag": tag}, files)
        return {
            o["metadata"]["name"]: o["spec"]["template"]
            for o in rendered.objects
            if o["kind"] in ("StatefulSet", "Deployment")
        }

    old, new = templates("aaa111"), templates("bbb222")
    changed = {name for name in old if old[name] != new[name]}
    assert {"annadata-postgres", "annadata-redis"}.isdisjoint(changed)
    assert "annadata-yield-api-backend" in changed


def test_the_default_probe_timing_is_composes():
    """values.yaml's probes are compose's healthcheck timing, for every component."""
    from harness import registry

    from .conformance import compose_services, seconds

    probes = chart.values(ROOT)["probes"]
    services = compose_services(ROOT)
    for name in (c.compose_name for c in registry.load(ROOT).components()):
        check = services[name]["healthcheck"]
        assert (seconds(check["interval"]), seconds(check["timeout"]), check["retries"]) == (
            probes["periodSeconds"], probes["timeoutSeconds"], probes["failureThreshold"],
        ), name  # fmt: skip
        assert seconds(check["start_period"]) == probes["startPeriodSeconds"], name


def _compose_default(value: str) -> str:
    """The default of a compose `${VAR:-default}` value."""
    match = re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}", str(value))
    assert match, f"{value!r} is not a ${{VAR:-default}}"
    return match.group(1)


def test_the_default_config_is_composes_backend_env():
    """values.yaml's config is the variables compose gives every Python component, with
    compose's defaults (GIT_SHA aside: the chart sets it to the image tag)."""
    from harness import registry

    from .conformance import compose_services

    services = compose_services(ROOT)
    python = [c.compose_name for c in registry.load(ROOT).components() if c.kind != "frontend"]
    shared = set.intersection(*(set(services[n]["environment"]) for n in python))
    config = chart.values(ROOT)["config"]
    assert set(config) == shared - {"GIT_SHA"}
    for name in python:
        for key in config:
            assert str(config[key]) == _compose_default(services[name]["environment"][key]), name


def test_the_in_chart_postgres_defaults_are_composes():
    from .conformance import compose_services

    env = compose_services(ROOT)["postgres"]["environment"]
    own = chart.values(ROOT)["postgres"]["chart"]
    assert (own["user"], own["database"]) == (
        _compose_default(env["POSTGRES_USER"]), _compose_default(env["POSTGRES_DB"]),
    )  # fmt: skip
