"""The running stack serves every component services.json describes (written by adopt)."""

from __future__ import annotations

import httpx
import pytest

from harness.docker.stack import Stack
from harness.registry import Component, Registry

from .conftest import base_url

pytestmark = pytest.mark.docker


def test_health_answers(stack: Stack, docker_ip: str, http: httpx.Client, backend: Component):
    url = base_url(stack, docker_ip, backend) + (backend.health or "/")
    response = http.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:200]}"


def test_openapi_and_docs_answer(
    stack: Stack, docker_ip: str, http: httpx.Client, backend: Component
):
    url = base_url(stack, docker_ip, backend)
    spec = http.get(url + (backend.openapi or "/openapi.json"))
    assert spec.status_code == 200, spec.text[:200]
    assert spec.json()["openapi"].startswith("3.")
    docs = http.get(url + (backend.docs or "/docs"))
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text


def test_frontend_serves_html(
    stack: Stack, docker_ip: str, http: httpx.Client, frontend: Component
):
    response = http.get(base_url(stack, docker_ip, frontend) + (frontend.health or "/"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


def test_answers_through_traefik_on_its_route(
    stack: Stack, docker_ip: str, http: httpx.Client, reg: Registry, routed: Component
):
    port = stack.host_port("traefik", reg.infrastructure["traefik"].ports["web"])
    path = routed.health or "/"
    response = http.get(f"http://{docker_ip}:{port}{path}", headers={"Host": routed.route_host})
    assert response.status_code == 200, f"{routed.route_host}{path}: {response.text[:200]}"
    # An unknown host is Traefik's 404, so the 200 above really came from the route.
    unknown = http.get(f"http://{docker_ip}:{port}{path}", headers={"Host": "nobody.localhost"})
    assert unknown.status_code == 404


def test_mounts_are_read_only(stack: Stack, reg: Registry, pytestconfig: pytest.Config):
    for comp in reg.active(pytestconfig.getoption("profiles")):
        for mount in comp.mounts:
            if comp.kind == "frontend":
                continue
            target = comp.mount_target(mount)
            wrote = stack.exec(comp.compose_name, "touch", f"{target}/.annadata-probe")
            assert not wrote.ok, f"{comp.ref}: {target} is writable"
            assert "Read-only file system" in wrote.stderr + wrote.stdout
