"""Each finding of the stack's security audit, tried again as an attack that must now fail.

The attacker is a careless client, or anything on the same host or in a container of the
stack: it can reach 127.0.0.1 ports and the networks its container joins. Every test here
failed against the stack before the audit was fixed (see the commit that added them).
"""

from __future__ import annotations

import json
import pickle
import select
import socket
import threading
import time
import uuid
from typing import Any

import httpx
import pytest

from harness.docker.stack import Stack
from harness.registry import Component, Registry

from .conftest import (
    addresses,
    base_url,
    connections_from,
    container_id,
    inspect,
    networks_by_address,
    probe_from,
)

pytestmark = pytest.mark.docker
BIG_BODY = 20 * 1024 * 1024
# /health probes while a 20 MB body is on its way: each must answer within this.
HEALTH_TIMEOUT_S = 10
HEALTH_PROBES = 5
# Between them: a refused body is over in milliseconds, so close probes see it and its wake.
HEALTH_INTERVAL_S = 0.25
# What a thread bomb tries to start: far past any pids limit we set, far below the host's.
THREADS_TRIED = 4000


class _RunsCode:
    """An RQ job field an attacker writes into Redis: unpickling it runs a shell command."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        import os

        return (os.system, (self.command,))


@pytest.mark.needs("yield_api.backend")
def test_a_pickled_job_field_in_redis_does_not_run_in_yield_api(
    stack: Stack, docker_ip: str, http: httpx.Client, reg: Registry
) -> None:
    job_id = uuid.uuid4().hex
    marker = f"/tmp/pwned-{job_id}"  # noqa: S108 - a path inside the attacked container
    # Protocol 0 is ASCII: it passes through redis-cli's argv unchanged.
    payload = pickle.dumps(_RunsCode(f"touch {marker}"), protocol=0).decode()
    # As an attacker who can write to Redis (redis-cli in the redis container authenticates
    # itself when Redis asks for a password): a job record with a pickled `meta`.
    wrote = stack.exec("redis", "redis-cli", "HSET", f"rq:job:{job_id}", "data", "x",
                       "status", "queued", "meta", payload)  # fmt: skip
    assert wrote.ok, wrote.stderr
    url = base_url(stack, docker_ip, reg.component("yield_api.backend"))
    http.get(f"{url}/api/v1/jobs/{job_id}")
    ran = stack.exec("yield_api-backend", "ls", marker)
    assert not ran.ok, f"the pickled payload ran in yield_api: {marker} exists"


@pytest.mark.needs("yield_api.backend")
def test_redis_refuses_a_command_without_the_password(stack: Stack, reg: Registry) -> None:
    port = stack.host_port("redis", reg.infrastructure["redis"].ports["redis"])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"PING\r\n")
        answer = sock.recv(256)
    assert answer.startswith(b"-NOAUTH"), f"127.0.0.1:{port} answered {answer!r} to PING"


def test_a_frontend_reaches_its_own_backend_but_not_postgres_or_redis(
    stack: Stack, reg: Registry, frontend: Component, probe_image: str
) -> None:
    backend = next(reg.component(d) for d in frontend.depends_on if d.endswith(".backend"))
    assert backend.port is not None
    targets = [(backend.compose_name, backend.port)]
    running = stack.expected_services()
    for name, port in (("postgres", 5432), ("redis", 6379)):
        targets.append((name, port))
        # By address too: a name that does not resolve is not enough if the address routes.
        # (A stack started for some components alone may not run this one.)
        if name in running:
            targets += [(ip, port) for ip in addresses(stack, name)]
    seen = connections_from(
        stack, probe_image, frontend.compose_name, targets, allowed=(targets[0],)
    )
    own = seen.pop(f"{backend.compose_name}:{backend.port}")
    assert own == "connected", f"{frontend.ref} cannot reach its own backend: {own}"
    reached = {target: why for target, why in seen.items() if why == "connected"}
    assert reached == {}, f"{frontend.ref} reaches {sorted(reached)}"


def _post_big(port: int, path: str, host: str, chunked: bool) -> bytes:
    """POST a 20 MB body to 127.0.0.1:port; the status line that comes back.

    The body is sent in pieces, and the answer is read as soon as it comes: a server that
    refuses early must not be made to wait for (or reset on) the rest.
    """
    piece = b"x" * 65536
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {BIG_BODY}\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.sendall((head + "\r\n").encode())
        sent = 0
        try:
            while sent < BIG_BODY and not select.select([sock], [], [], 0.01 if sent else 2)[0]:
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
                sent += len(piece)
            if sent >= BIG_BODY and chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # it stopped listening: its answer is already on its way
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n")[0]


def _health_meanwhile(url: str, results: list[str], stop: threading.Event) -> None:
    for _ in range(HEALTH_PROBES):
        try:
            started = time.monotonic()
            code = httpx.get(url, timeout=HEALTH_TIMEOUT_S).status_code
            results.append(f"{code} in {time.monotonic() - started:.1f}s")
        except httpx.HTTPError as exc:
            results.append(f"{type(exc).__name__} after {time.monotonic() - started:.1f}s")
        if stop.wait(HEALTH_INTERVAL_S):
            return


def _attack_with_health_watch(
    stack: Stack, docker_ip: str, backend: Component, path: str, chunked: bool
) -> tuple[bytes, list[str]]:
    """POST 20 MB to backend while /health is asked meanwhile; (status, health answers)."""
    assert backend.port is not None
    port = stack.host_port(backend.compose_name, backend.port)
    results: list[str] = []
    stop = threading.Event()
    watcher = threading.Thread(
        target=_health_meanwhile,
        args=(f"http://{docker_ip}:{port}{backend.health or '/health'}", results, stop),
    )
    watcher.start()
    try:
        status = _post_big(port, path, f"{docker_ip}:{port}", chunked)
    finally:
        watcher.join(timeout=HEALTH_PROBES * (HEALTH_TIMEOUT_S + 1) + 5)
        stop.set()
    return status, results


def test_a_20mb_body_is_413_and_health_keeps_answering(
    stack: Stack, docker_ip: str, backend: Component
) -> None:
    # Refused by its declared length, before routing: any path will do.
    status, health = _attack_with_health_watch(stack, docker_ip, backend, "/api/v1/x", False)
    assert status.startswith(b"HTTP/1.1 413"), f"{backend.ref} answered {status!r}"
    assert len(health) == HEALTH_PROBES, f"/health meanwhile: {health}"
    assert all(h.startswith("200 ") for h in health), f"/health meanwhile: {health}"


@pytest.mark.needs("yield_api.backend")
def test_a_streamed_20mb_job_is_413_and_health_keeps_answering(
    stack: Stack, docker_ip: str, reg: Registry
) -> None:
    # No Content-Length: the body is counted as it arrives, on the route that reads it.
    backend = reg.component("yield_api.backend")
    status, health = _attack_with_health_watch(stack, docker_ip, backend, "/api/v1/jobs", True)
    assert status.startswith(b"HTTP/1.1 413"), f"{backend.ref} answered {status!r}"
    assert len(health) == HEALTH_PROBES, f"/health meanwhile: {health}"
    assert all(h.startswith("200 ") for h in health), f"/health meanwhile: {health}"


def test_a_20mb_body_is_413_at_traefik_on_each_route(
    stack: Stack, reg: Registry, routed: Component
) -> None:
    # The limit is the entrypoint's: Traefik applies it to every router, and only to them.
    web = stack.host_port("traefik", reg.infrastructure["traefik"].ports["web"])
    status = _post_big(web, "/api/v1/x", routed.route_host or "", False)
    assert status.startswith(b"HTTP/1.1 413"), f"traefik answered {status!r} for {routed.ref}"


def test_a_20mb_body_is_413_at_a_frontends_api_proxy(stack: Stack, frontend: Component) -> None:
    assert frontend.port is not None
    port = stack.host_port(frontend.compose_name, frontend.port)
    status = _post_big(port, "/api/v1/x", f"127.0.0.1:{port}", False)
    assert status.startswith(b"HTTP/1.1 413"), f"{frontend.ref} answered {status!r}"


@pytest.mark.needs("yield_api.backend")
def test_a_validation_error_echoes_no_more_than_a_prefix(
    stack: Stack, docker_ip: str, http: httpx.Client, reg: Registry
) -> None:
    url = base_url(stack, docker_ip, reg.component("yield_api.backend"))
    big = "9" * 500_000  # within the body limit: the 422 itself must stay small
    response = http.post(url + "/api/v1/predict/yield", json={"soil_ph": big})
    assert response.status_code == 422
    assert len(response.content) < 2000, f"the 422 is {len(response.content)} bytes"


def test_the_socket_proxy_refuses_to_create_a_container(stack: Stack, probe_image: str) -> None:
    traefik = inspect(container_id(stack, "traefik"))
    args = [*(traefik["Config"].get("Cmd") or []), *traefik["Args"]]
    endpoint = next((a.split("=", 1)[1] for a in args if "providers.docker.endpoint=" in a), "")
    if not endpoint.startswith("tcp://"):
        mounts = [m["Source"] for m in traefik["Mounts"] if m["Source"].endswith("docker.sock")]
        pytest.fail(
            f"traefik talks to the Docker API itself (endpoint {endpoint or 'unix socket'}, "
            f"mounts {mounts}): a POST /containers/create from it would be answered"
        )
    host = endpoint.removeprefix("tcp://")
    code = (
        "import http.client, json\n"
        "def call(method, path, body=None):\n"
        f"    c = http.client.HTTPConnection({host!r}, timeout=10)\n"
        "    c.request(method, path, body=body, headers={'Content-Type': 'application/json'})\n"
        "    return c.getresponse().status\n"
        "print(json.dumps({\n"
        "    'list': call('GET', '/v1.41/containers/json'),\n"
        "    'images': call('GET', '/v1.41/images/json'),\n"
        "    'create': call('POST', '/v1.41/containers/create',\n"
        "                   json.dumps({'Image': 'annadata-security/none:none'})),\n"
        "}))\n"
    )
    # From Traefik's own network namespace: what a compromised Traefik could do.
    seen = probe_from(stack, probe_image, "traefik", code)
    assert seen == {"list": 200, "images": 403, "create": 403}, seen


def test_the_dashboard_answers_the_host_but_no_app_container(
    stack: Stack, reg: Registry, routed: Component, probe_image: str
) -> None:
    dashboard = reg.infrastructure["traefik"].ports["dashboard"]
    port = stack.host_port("traefik", dashboard)
    assert httpx.get(f"http://127.0.0.1:{port}/api/version", timeout=10).status_code == 200
    on = networks_by_address(stack, "traefik")
    targets = [("traefik", dashboard)] + [(ip, dashboard) for ip in sorted(on)]
    seen = connections_from(stack, probe_image, routed.compose_name, targets)
    reached = sorted(target for target, why in seen.items() if why == "connected")
    # Each address's network, and the component's, say whether bridge isolation gave way (a
    # network it does not join) or the dashboard's bind (its own). The engine's own moment
    # without isolation, while another stack's network is made, is retried away
    # (connections_from).
    own = set(networks_by_address(stack, routed.compose_name).values())
    where = {t: on.get(t.rsplit(":", 1)[0], "by name") for t in reached}
    assert reached == [], f"{routed.ref} (on {sorted(own)}) reaches Traefik's dashboard at {where}"


def test_every_container_drops_privileges_and_has_a_pids_limit(stack: Stack) -> None:
    problems = {}
    for container in stack.project.containers():
        info = inspect(container["ID"])
        host = info["HostConfig"]
        lacking = []
        if "ALL" not in (host.get("CapDrop") or []):
            lacking.append("cap_drop ALL")
        if not any("no-new-privileges" in o for o in host.get("SecurityOpt") or []):
            lacking.append("no-new-privileges")
        if not host.get("ReadonlyRootfs"):
            lacking.append("read-only root")
        if not (host.get("PidsLimit") or 0) > 0:
            lacking.append("pids limit")
        unsized = [p for p, o in (host.get("Tmpfs") or {}).items() if "size=" not in o]
        if unsized:
            lacking.append(f"sized tmpfs {unsized}")
        if container["Service"] == "traefik" and info["Config"].get("User") in ("", "0", "root"):
            lacking.append("a non-root user")
        if lacking:
            problems[container["Service"]] = lacking
    assert problems == {}


def test_a_container_cannot_start_threads_past_its_pids_limit(
    stack: Stack, python_component: Component
) -> None:
    # Any Python component will do: every app container takes its limit from one anchor.
    target = python_component.compose_name
    code = (
        "import json, threading\n"
        "started = 0\n"
        "gate = threading.Event()\n"
        "try:\n"
        f"    while started < {THREADS_TRIED}:\n"
        "        threading.Thread(target=gate.wait, daemon=True).start()\n"
        "        started += 1\n"
        "except RuntimeError as exc:\n"
        "    print(json.dumps({'started': started, 'error': str(exc)}))\n"
        "else:\n"
        "    print(json.dumps({'started': started, 'error': None}))\n"
        "gate.set()\n"
    )
    done = stack.exec(target, "python", "-c", code, timeout=120)
    assert done.ok, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["error"] is not None, f"{seen['started']} threads started: no pids limit"
    limit = inspect(container_id(stack, target))["HostConfig"]["PidsLimit"]
    assert seen["started"] < limit


@pytest.mark.needs("yield_api.backend")
def test_redis_has_a_memory_limit_below_its_container(stack: Stack) -> None:
    done = stack.exec("redis", "redis-cli", "CONFIG", "GET", "maxmemory")
    assert done.ok, done.stderr
    maxmemory = int(done.stdout.split()[-1])
    limit = inspect(container_id(stack, "redis"))["HostConfig"]["Memory"]
    assert 0 < maxmemory < limit, f"maxmemory {maxmemory}, container limit {limit}"
