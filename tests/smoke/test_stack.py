"""The running stack does what the platform promises, service by service (from services.json)."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date

import httpx
import pytest

from harness.docker.stack import Stack
from harness.registry import Component, Registry

from .conftest import ROOT, base_url

pytestmark = pytest.mark.docker
MODELS = ROOT / "src/models/saved_models"
# How long the worker may take to pick up and finish one small batch job.
JOB_DEADLINE_S = 60
# The /health check that proves each infrastructure dependency is reachable.
CHECK_FOR = {"postgres": "database", "redis": "redis"}


def test_health_is_ok_with_every_dependency(
    stack: Stack, docker_ip: str, http: httpx.Client, backend: Component
) -> None:
    response = http.get(base_url(stack, docker_ip, backend) + (backend.health or "/health"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok", body
    assert all(check["status"] == "ok" for check in body["checks"]), body["checks"]
    # Each infrastructure dependency in the registry is checked by /health, not assumed.
    names = {check["name"] for check in body["checks"]}
    for dep in backend.depends_on:
        if dep in CHECK_FOR:
            assert CHECK_FOR[dep] in names, f"{backend.ref} /health does not check {dep}"


def test_docs_and_openapi_answer(
    stack: Stack, docker_ip: str, http: httpx.Client, backend: Component
) -> None:
    url = base_url(stack, docker_ip, backend)
    docs = http.get(url + "/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    spec = http.get(url + (backend.openapi or "/openapi.json"))
    assert spec.status_code == 200
    assert spec.json()["openapi"].startswith("3.")
    assert any(path.startswith("/api/") for path in spec.json()["paths"])


def test_answers_through_traefik_on_its_route(
    stack: Stack, docker_ip: str, http: httpx.Client, reg: Registry, routed: Component
) -> None:
    web = reg.infrastructure["traefik"].ports["web"]
    port = stack.host_port("traefik", web)
    path = routed.health or "/"
    response = http.get(f"http://{docker_ip}:{port}{path}", headers={"Host": routed.route_host})
    assert response.status_code == 200, f"{routed.route_host}{path}: {response.text[:200]}"
    if routed.kind == "frontend":
        assert response.headers["content-type"].startswith("text/html")
    else:
        assert response.json()["service"] == routed.service
    # An unknown host is Traefik's 404, so the 200 above really came from the route.
    unknown = http.get(f"http://{docker_ip}:{port}{path}", headers={"Host": "nobody.localhost"})
    assert unknown.status_code == 404


@pytest.mark.needs("yield_api.backend")
def test_yield_api_loads_its_models_from_the_read_only_mount(
    stack: Stack, docker_ip: str, http: httpx.Client, reg: Registry
) -> None:
    comp = reg.component("yield_api.backend")
    body = http.get(base_url(stack, docker_ip, comp) + "/api/v1/models").json()
    expected = json.loads((MODELS / "model_registry.json").read_text())["models"]
    assert body["errors"] == {}
    assert body["models_dir"] == "/app/src/models/saved_models"
    loaded = {m["name"]: m for m in body["models"]}
    assert sorted(loaded) == sorted(expected)
    for name, entry in expected.items():
        on_disk = hashlib.sha256((MODELS / entry["file"]).read_bytes()).hexdigest()
        assert loaded[name]["sha256"] == entry["sha256"] == on_disk
        assert loaded[name]["path"] == f"/app/src/models/saved_models/{entry['file']}"
    write = stack.exec(comp.compose_name, "touch", "/app/src/models/saved_models/probe")
    assert not write.ok
    assert "Read-only file system" in write.stderr + write.stdout


@pytest.mark.needs("msp_mitra.backend")
def test_msp_mitra_round_trips_through_postgres(
    stack: Stack, docker_ip: str, http: httpx.Client, reg: Registry
) -> None:
    url = base_url(stack, docker_ip, reg.component("msp_mitra.backend"))
    health = http.get(url + "/health").json()
    assert any("postgresql" in (c["detail"] or "") for c in health["checks"]), health
    market = f"smoke {stack.name}"
    created = http.post(
        url + "/api/v1/observations",
        json={
            "commodity": "wheat",
            "marketing_year": "2024-25",
            "market": market,
            "rs_per_quintal": 2500,
            "observed_on": date.today().isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    obs_id = created.json()["id"]
    assert http.get(f"{url}/api/v1/observations/{obs_id}").json()["market"] == market
    # Read it back from Postgres itself, not through the service (the id is an int).
    query = f"SELECT market FROM price_observations WHERE id = {int(obs_id)}"  # noqa: S608
    rows = stack.exec(
        "postgres", "sh", "-c", f'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tA -c "{query}"'
    )
    assert rows.ok, rows.stderr
    assert rows.stdout.strip() == market


@pytest.mark.needs("yield_api.backend", "worker.worker")
def test_a_job_queued_on_yield_api_is_finished_by_the_worker(
    stack: Stack, docker_ip: str, http: httpx.Client, reg: Registry
) -> None:
    url = base_url(stack, docker_ip, reg.component("yield_api.backend"))
    record = {
        "rainfall_mm": 900.0,
        "avg_temp_c": 26.0,
        "fertilizer_kg_ha": 120.0,
        "irrigated_fraction": 0.5,
        "soil_ph": 6.8,
    }
    queued = http.post(url + "/api/v1/jobs", json={"model": "crop_yield", "records": [record] * 3})
    assert queued.status_code == 202, queued.text
    status_url = url + queued.json()["status_url"]
    deadline = time.monotonic() + JOB_DEADLINE_S
    while (job := http.get(status_url).json())["status"] not in ("finished", "failed"):
        assert time.monotonic() < deadline, f"job still {job['status']} after {JOB_DEADLINE_S}s"
        time.sleep(0.5)
    assert job["status"] == "finished", job
    direct = http.post(url + "/api/v1/predict/yield", json=record).json()["yield_t_ha"]
    assert job["result"]["predictions"] == pytest.approx([direct] * 3)


def test_frontend_serves_its_page_and_reaches_its_api(
    stack: Stack, docker_ip: str, http: httpx.Client, reg: Registry, frontend: Component
) -> None:
    url = base_url(stack, docker_ip, frontend)
    page = http.get(url + "/")
    assert page.status_code == 200
    assert "<title>" in page.text
    title = (ROOT / frontend.directory / "index.html").read_text().split("<title>")[1]
    assert title.split("</title>")[0] in page.text
    # Through the frontend's own /api/ proxy to the backend it depends on.
    backend = next(reg.component(d) for d in frontend.depends_on if d.endswith(".backend"))
    spec = http.get(base_url(stack, docker_ip, backend) + "/openapi.json").json()
    path = next(
        p
        for p, ops in spec["paths"].items()
        if p.startswith("/api/") and "{" not in p and "get" in ops
    )
    proxied = http.get(url + path)
    assert proxied.status_code == 200, f"{frontend.ref} {path}: {proxied.text[:200]}"
    assert proxied.json() == http.get(base_url(stack, docker_ip, backend) + path).json()


def test_every_started_component_is_healthy_in_compose(stack: Stack, reg: Registry) -> None:
    containers = {c["Service"]: c for c in stack.project.containers()}
    # Every active service, or (--component) the chosen ones and what they depend on.
    expected = set(stack.expected_services())
    assert set(containers) == expected
    unhealthy = {
        name: (c["State"], c.get("Health")) for name, c in containers.items()
        if c["State"] != "running" or c.get("Health") != "healthy"
    }  # fmt: skip
    assert unhealthy == {}
