"""Each stand-in keeps the documented contract of the official image it replaces."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from .conftest import Docker, wait_until

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.docker


def _psql(docker: Docker, cid: str, *args: str, check: bool = True):
    return docker.cli("exec", cid, "psql", "-v", "ON_ERROR_STOP=1", "-tA", *args, check=check)


def test_postgres_creates_user_and_database_and_runs_initdb_scripts(
    docker: Docker, images: dict[str, str], tmp_path: Path
):
    initdb = tmp_path / "initdb"
    shutil.copytree(FIXTURES / "initdb", initdb)
    cid = docker.start(
        images["postgres"],
        options=(
            "-e",
            "POSTGRES_USER=annadata",
            "-e",
            "POSTGRES_PASSWORD=local-only-secret",
            "-e",
            "POSTGRES_DB=msp",
            "-v",
            f"{initdb}:/docker-entrypoint-initdb.d:ro",
        ),
    )

    def ready() -> bool:
        # pg_isready over TCP: the socket-only server of the init phase does not count.
        return docker.cli("exec", cid, "pg_isready", "-h", "127.0.0.1", check=False).ok

    wait_until("postgres stand-in", ready, timeout=90, on_timeout=lambda: docker.logs(cid))
    rows = _psql(
        docker, cid, "-U", "annadata", "-d", "msp", "-c", "SELECT name FROM crops ORDER BY name"
    )
    assert rows.stdout.split() == ["gram", "paddy", "wheat"]

    url = "postgresql://annadata:local-only-secret@127.0.0.1:5432/msp"
    assert _psql(docker, cid, url, "-c", "SELECT current_user").stdout.strip() == "annadata"
    wrong = _psql(docker, cid, url.replace("local-only", "wrong"), "-c", "SELECT 1", check=False)
    assert not wrong.ok
    assert "password authentication failed" in wrong.stderr
    # PID 1 is the server itself (the entrypoint execs it), running as postgres, not root.
    assert docker.cli("exec", cid, "stat", "-c", "%U", "/proc/1").stdout.strip() == "postgres"


def test_postgres_refuses_to_start_without_a_password(docker: Docker, images: dict[str, str]):
    cid = docker.start(images["postgres"])

    def exited() -> bool:
        state = docker.cli("inspect", "--format", "{{.State.Status}}", cid).stdout.strip()
        return state == "exited"

    wait_until("postgres stand-in exit", exited, timeout=60)
    assert "POSTGRES_PASSWORD is not set" in docker.logs(cid)


def test_python_can_pip_install_a_package(docker: Docker, images: dict[str, str]):
    done = docker.cli(
        "run",
        "--rm",
        images["python"],
        "sh",
        "-c",
        "pip install --no-cache-dir --quiet six==1.16.0 && python -c 'import six, sys; "
        "print(six.__version__, sys.version_info[:2])'",
        timeout=300,
    )
    assert done.stdout.split()[0] == "1.16.0"
    assert "(3, 11)" in done.stdout


def test_node_can_npm_ci_from_a_lockfile(docker: Docker, images: dict[str, str], tmp_path: Path):
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "npm-app", app)
    done = docker.cli(
        "run",
        "--rm",
        "-v",
        f"{app}:/app",
        "-w",
        "/app",
        images["node"],
        "sh",
        "-c",
        "npm ci --no-audit --no-fund && node -e \"console.log(require('is-number')(42))\"",
        timeout=300,
    )
    assert done.stdout.strip().splitlines()[-1] == "true"
    assert docker.cli("run", "--rm", images["node"], "id", "-u", "node").stdout.strip() == "1000"
    major = docker.cli("run", "--rm", images["node"], "node", "-p", "process.versions.node")
    assert major.stdout.strip().startswith("22.")
    # npx and npm from the image's PATH, as the official image has them (the wheel ships
    # them as broken copies; the recipe links them).
    tools = docker.cli("run", "--rm", images["node"], "sh", "-c", "npx --version && npm --version")
    assert len(tools.stdout.split()) == 2, tools.stderr
    # Next.js 16's floor: Node >= 20.9 (what `serve: server` frontends run on).
    assert tuple(int(p) for p in major.stdout.strip().split(".")[:2]) >= (20, 9)


def test_nginx_serves_the_html_directory(docker: Docker, images: dict[str, str], tmp_path: Path):
    site = tmp_path / "html"
    site.mkdir()
    (site / "index.html").write_text("<h1>annadata stand-in check</h1>\n")
    site.chmod(0o755)
    cid = docker.start(
        images["nginx"],
        options=("-p", "127.0.0.1::80", "-v", f"{site}:/usr/share/nginx/html:ro"),
    )
    port = docker.host_port(cid, "80/tcp")

    def serves() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until("nginx stand-in", serves, timeout=30, on_timeout=lambda: docker.logs(cid))
    assert "annadata stand-in check" in httpx.get(f"http://127.0.0.1:{port}/", timeout=5).text
    assert "GET / HTTP/1.1" in docker.logs(cid)
    # The frontends' compose healthcheck: wget, as alpine's busybox provides it.
    fetched = docker.cli("exec", cid, "wget", "-q", "-O", "-", "http://127.0.0.1/", check=False)
    assert "annadata stand-in check" in fetched.stdout


def test_redis_answers_other_containers_without_a_password(docker: Docker, images: dict[str, str]):
    net = docker.network()
    server = docker.start(images["redis"], options=("--network", net, "--network-alias", "queue"))

    def pong() -> bool:
        done = docker.cli("exec", server, "redis-cli", "ping", check=False)
        return done.stdout.strip() == "PONG"

    wait_until("redis stand-in", pong, timeout=30, on_timeout=lambda: docker.logs(server))
    client = docker.cli(
        "run",
        "--rm",
        "--network",
        net,
        images["redis"],
        "redis-cli",
        "-h",
        "queue",
        "SET",
        "k",
        "v",
    )
    assert client.stdout.strip() == "OK"
    assert docker.cli("exec", server, "redis-cli", "GET", "k").stdout.strip() == "v"


def test_traefik_takes_flags_as_command_and_answers_its_ping(
    docker: Docker, images: dict[str, str]
):
    version = docker.cli("run", "--rm", images["traefik"], "version")
    assert "3.7." in version.stdout
    cid = docker.start(images["traefik"], "--ping=true", "--entrypoints.web.address=:80")

    def healthy() -> bool:
        return docker.cli("exec", cid, "traefik", "healthcheck", "--ping", check=False).ok

    wait_until("traefik stand-in", healthy, timeout=30, on_timeout=lambda: docker.logs(cid))


def test_registry_accepts_a_push_and_lists_it(docker: Docker, images: dict[str, str]):
    cid = docker.start(images["registry"], options=("-p", "127.0.0.1::5000"))
    port = docker.host_port(cid, "5000/tcp")
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{base}/v2/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until("registry stand-in", answers, timeout=30, on_timeout=lambda: docker.logs(cid))
    ref = f"127.0.0.1:{port}/standin-check/redis:{docker.run_id}"
    docker.cli("tag", images["redis"], ref)
    try:
        docker.cli("push", ref, timeout=300)
    finally:
        docker.cli("rmi", ref, check=False)
    catalog = httpx.get(f"{base}/v2/_catalog", timeout=5).json()
    assert "standin-check/redis" in catalog["repositories"]
    tags = httpx.get(f"{base}/v2/standin-check/redis/tags/list", timeout=5).json()
    assert tags["tags"] == [docker.run_id]


def test_socket_proxy_allows_only_the_sections_its_variables_name(
    docker: Docker, images: dict[str, str]
):
    net = docker.network()
    # As compose runs it: no capabilities, read-only root, writable /tmp and /run only.
    hardened = ("--read-only", "--tmpfs", "/tmp", "--tmpfs", "/run", "--cap-drop", "ALL",  # noqa: S108
                "--security-opt", "no-new-privileges:true")  # fmt: skip
    proxy = docker.start(
        images["socket_proxy"],
        options=(
            "--network", net, "--network-alias", "dockerproxy", *hardened,
            "-v", "/var/run/docker.sock:/var/run/docker.sock:ro", "-e", "CONTAINERS=1",
        ),
    )  # fmt: skip

    def pings() -> bool:
        done = docker.cli("exec", proxy, "wget", "-q", "-O", "-", "http://127.0.0.1:2375/_ping",
                          check=False)  # fmt: skip
        return done.stdout.strip() == "OK"

    wait_until("socket proxy stand-in", pings, timeout=30, on_timeout=lambda: docker.logs(proxy))
    code = (
        "import http.client, json\n"
        "def call(method, path):\n"
        "    c = http.client.HTTPConnection('dockerproxy', 2375, timeout=10)\n"
        "    c.request(method, path, body='{}' if method == 'POST' else None)\n"
        "    return c.getresponse().status\n"
        "print(json.dumps([call('GET', '/version'), call('GET', '/v1.41/containers/json'),\n"
        "                  call('GET', '/v1.41/images/json'), call('GET', '/info'),\n"
        "                  call('POST', '/v1.41/containers/create')]))\n"
    )
    done = docker.cli("run", "--rm", "--network", net, images["python"], "python", "-c", code)
    # Allowed by default (VERSION) and by CONTAINERS=1; IMAGES and INFO off; POST=0 refuses.
    assert json.loads(done.stdout.strip()) == [200, 200, 403, 403, 403]
