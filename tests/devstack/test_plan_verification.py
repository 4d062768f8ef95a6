"""The user's plan, verbatim: `docker compose up -d --build`, then curl the documented ports.

Runs the dev stack as a developer would after `cp .env.example .env` (the sample is passed
as the env file), on the plan's fixed host ports, under its own project name so a
developer's `annadata` project and its volumes are never touched.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness import paths, registry, smoke
from harness.docker import compose
from harness.docker.prepare import prepare
from harness.docker.stack import Stack

ROOT = paths.repo_root(Path(__file__))
MODELS_IN_CONTAINER = "/app/src/models/saved_models"
# How long uvicorn's polling reloader may take to notice an edit and restart.
RELOAD_DEADLINE_S = 30
pytestmark = pytest.mark.docker


def _taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The default-profile dev stack on its fixed ports, built by compose, always removed."""
    reg = registry.load(ROOT)
    taken = sorted(p for p in set(reg.host_ports().values()) if _taken(p))
    if taken:
        pytest.fail(
            f"127.0.0.1:{taken[0]} is taken (a dev stack running?): stop it with "
            "`docker compose down` and run `nox -s devstack` again"
        )
    # Compose builds the service images itself (the plan's `--build`); only the bases here.
    prepared = prepare(ROOT, reg, [])
    stack = Stack(
        ROOT,
        [ROOT / compose.COMPOSE_FILE],
        name=compose.unique_name("annadata-devcheck"),
        report_dir=ROOT / "reports" / "devstack",
        env_files=[ROOT / compose.ENV_TEMPLATE],
        run_env=prepared.image_env,
        isolated=False,
        build=True,
    )
    with stack:
        smoke.wait_for_routes(stack, reg, ["default"], smoke.ROUTES_TIMEOUT)
        yield stack


def test_curl_health_on_8000(dev_stack: Stack) -> None:
    response = httpx.get("http://localhost:8000/health", timeout=10)
    assert response.status_code == 200
    assert response.json()["service"] == "protein_engineering"


def test_curl_docs_on_8002(dev_stack: Stack) -> None:
    response = httpx.get("http://localhost:8002/docs", timeout=10)
    assert response.status_code == 200
    assert "swagger-ui" in response.text


def test_models_load_from_the_mounted_directory_in_the_container(dev_stack: Stack) -> None:
    listed = dev_stack.exec("yield_api-backend", "ls", MODELS_IN_CONTAINER)
    assert listed.ok, listed.stderr
    assert {"crop_yield.onnx", "weather_max_temp.onnx"} <= set(listed.stdout.split())
    body = httpx.get("http://localhost:8002/api/v1/models", timeout=10).json()
    assert body["models_dir"] == MODELS_IN_CONTAINER
    assert body["errors"] == {}
    assert all(m["path"].startswith(MODELS_IN_CONTAINER + "/") for m in body["models"])


def test_traefik_routes_on_port_80(dev_stack: Stack) -> None:
    response = httpx.get(
        "http://127.0.0.1:80/health", headers={"Host": "yield-api.api.localhost"}, timeout=10
    )
    assert response.status_code == 200
    assert response.json()["service"] == "yield_api"


@pytest.fixture(scope="module")
def hot_stack(dev_stack: Stack) -> Stack:
    """The dev stack with the hot-reload override sample layered on, as its header says to."""
    dev_stack.layer(ROOT / compose.OVERRIDE_SAMPLE)
    return dev_stack


def test_hot_reload_restarts_the_backend_on_an_edit(hot_stack: Stack) -> None:
    service = "protein_engineering-backend"
    source = ROOT / "services/protein_engineering/backend/app.py"
    # A new mtime is an edit to uvicorn's reloader; the file's content is left as it is.
    stat = source.stat()
    os.utime(source, (stat.st_atime, stat.st_mtime + 5))
    deadline = time.monotonic() + RELOAD_DEADLINE_S
    while "Reloading" not in (logs := hot_stack.project("logs", service).stdout):
        assert time.monotonic() < deadline, f"{service} did not reload:\n{logs[-2000:]}"
        time.sleep(0.5)
    os.utime(source, (stat.st_atime, stat.st_mtime))
    deadline = time.monotonic() + RELOAD_DEADLINE_S
    while not _answers("http://localhost:8000/health"):
        assert time.monotonic() < deadline, f"{service} did not come back after reloading"
        time.sleep(0.5)


def test_frontends_run_the_vite_dev_server(hot_stack: Stack) -> None:
    page = httpx.get("http://localhost:3000/", timeout=10)
    assert page.status_code == 200
    assert "/@vite/client" in page.text  # injected by the dev server, absent from builds
    proxied = httpx.get("http://localhost:3000/api/v1/crops", timeout=10)
    assert proxied.status_code == 200  # the dev server's /api proxy reaches the backend


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=3).status_code == 200
    except httpx.HTTPError:
        return False
