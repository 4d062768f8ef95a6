"""The chart on a real cluster: Ready on real probes, the smoke checks, upgrade and rollback.

Every request goes to 127.0.0.1 (the Services' NodePorts, which kube-proxy binds to
loopback only). The tests run in file order: the upgrades come last.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from datetime import date

import httpx
import pytest

from harness import proc
from harness.k8s import chart
from harness.k8s import release as k8s_release
from harness.k8s.cluster import OWNER_LABEL
from harness.registry import Component, Registry

from .conftest import ROOT

pytestmark = pytest.mark.docker
MODELS = ROOT / "src/models/saved_models"
JOB_DEADLINE_S = 60
CHECK_FOR = {"postgres": "database", "redis": "redis"}
UPGRADE_TIMEOUT = 600
# helm waits all of it for a pod that will never be Ready; its pod exists within seconds
# (and the test waits for it if not).
BROKEN_TIMEOUT = 15
SERVE_CHECKS = 10
HEALTH_TRIES = 10


def _components(kind: str) -> list[Component]:
    from harness import registry

    return [c for c in registry.load(ROOT).components() if c.kind == kind]


BACKENDS = _components("backend")
FRONTENDS = _components("frontend")


def test_every_pod_is_ready_on_its_real_probes(installed, reg: Registry):
    pods = installed.pods()
    parts = {p["metadata"]["labels"]["app.kubernetes.io/component"] for p in pods}
    assert parts == {c.compose_name for c in reg.components()} | {"postgres", "redis"}
    assert [p["metadata"]["name"] for p in pods if not k8s_release.ready(p)] == []
    for comp in reg.components():
        pod = next(
            p
            for p in pods
            if p["metadata"]["labels"]["app.kubernetes.io/component"] == comp.compose_name
        )
        container = next(c for c in pod["spec"]["containers"] if c["name"] == comp.kind)
        probe = container["readinessProbe"]
        if comp.port is not None:
            assert probe["httpGet"]["path"] == comp.health
        else:
            assert probe["exec"]["command"] == ["python", "healthcheck.py"]
        status = next(s for s in pod["status"]["containerStatuses"] if s["name"] == comp.kind)
        assert status["ready"], status


def _health(http: httpx.Client, url: str) -> httpx.Response:
    """GET /health until it is 200 or HEALTH_TRIES answers were not: a dependency check has
    2 s (annadata_common.health), which a loaded shared machine can miss once in a while."""
    for _ in range(HEALTH_TRIES):
        response = http.get(url)
        if response.status_code == 200:
            break
        time.sleep(2)
    return response


@pytest.mark.parametrize("backend", BACKENDS, ids=[c.ref for c in BACKENDS])
def test_health_is_ok_with_every_dependency(installed, http: httpx.Client, backend: Component):
    response = _health(http, installed.url(backend) + backend.health)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok", body
    assert all(check["status"] == "ok" for check in body["checks"]), body["checks"]
    names = {check["name"] for check in body["checks"]}
    for dep in backend.depends_on:
        if dep in CHECK_FOR:
            assert CHECK_FOR[dep] in names, f"{backend.ref} /health does not check {dep}"


def test_yield_api_loads_its_models_from_the_read_only_volume(installed, http, reg):
    comp = reg.component("yield_api.backend")
    body = http.get(installed.url(comp) + "/api/v1/models").json()
    expected = json.loads((MODELS / "model_registry.json").read_text())["models"]
    assert body["errors"] == {}
    assert body["models_dir"] == "/app/src/models/saved_models"
    loaded = {m["name"]: m for m in body["models"]}
    assert sorted(loaded) == sorted(expected)
    for name, entry in expected.items():
        on_disk = hashlib.sha256((MODELS / entry["file"]).read_bytes()).hexdigest()
        assert loaded[name]["sha256"] == entry["sha256"] == on_disk
    write = installed.exec(
        installed.pod_of(comp.compose_name), "touch", "/app/src/models/saved_models/probe"
    )
    assert not write.ok
    assert "Read-only file system" in write.stderr + write.stdout


def test_msp_mitra_round_trips_through_postgres(installed, http, reg):
    url = installed.url(reg.component("msp_mitra.backend"))
    health = _health(http, url + "/health").json()
    assert any("postgresql" in (c["detail"] or "") for c in health["checks"]), health
    market = f"k8s {installed.cluster.run_id}"
    created = http.post(
        url + "/api/v1/observations",
        json={
            "commodity": "wheat", "marketing_year": "2024-25", "market": market,
            "rs_per_quintal": 2500, "observed_on": date.today().isoformat(),
        },
    )  # fmt: skip
    assert created.status_code == 201, created.text
    obs_id = int(created.json()["id"])
    assert http.get(f"{url}/api/v1/observations/{obs_id}").json()["market"] == market
    # Read back from Postgres itself, in its pod, over its local socket.
    query = f"SELECT market FROM price_observations WHERE id = {obs_id}"  # noqa: S608
    rows = installed.exec(
        installed.pod_of("postgres"), "psql", "-U", "annadata", "-d", "annadata", "-tA", "-c", query
    )
    assert rows.ok, rows.stderr
    assert rows.stdout.strip() == market


def test_a_job_queued_on_yield_api_is_finished_by_the_worker(installed, http, reg):
    url = installed.url(reg.component("yield_api.backend"))
    record = {"rainfall_mm": 900.0, "avg_temp_c": 26.0, "fertilizer_kg_ha": 120.0,
              "irrigated_fraction": 0.5, "soil_ph": 6.8}  # fmt: skip
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


# redis.conf's memory units (`1m` is 10**6 bytes, `1mb` 2**20).
REDIS_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 2**10, "m": 10**6, "mb": 2**20, "g": 10**9,
               "gb": 2**30}  # fmt: skip


def test_redis_requires_its_password_and_is_bounded_as_the_values_say(installed):
    """The queue the job above went through refuses a client without the password, and runs
    with the chart's --maxmemory and policy (held equal to compose's by `nox -s chart`)."""
    own = chart.values(ROOT, chart.profiles(ROOT)[k8s_release.TEST_VALUES])["redis"]["chart"]
    pod = installed.pod_of("redis")
    # redis-cli reads the password from REDISCLI_AUTH, which the chart sets from the Secret.
    anonymous = installed.exec(pod, "env", "-u", "REDISCLI_AUTH", "redis-cli", "ping")
    assert "NOAUTH" in anonymous.stdout + anonymous.stderr, anonymous
    assert installed.exec(pod, "redis-cli", "ping").stdout.strip() == "PONG"
    number, unit = re.fullmatch(r"(\d+)([a-z]*)", own["maxmemory"].lower()).groups()
    limit = installed.exec(pod, "redis-cli", "config", "get", "maxmemory").stdout.split()
    assert limit == ["maxmemory", str(int(number) * REDIS_UNITS[unit])]
    policy = installed.exec(pod, "redis-cli", "config", "get", "maxmemory-policy").stdout.split()
    assert policy == ["maxmemory-policy", own["maxmemoryPolicy"]]


@pytest.mark.parametrize("frontend", FRONTENDS, ids=[c.ref for c in FRONTENDS])
def test_frontend_serves_its_page_and_reaches_its_api(installed, http, reg, frontend):
    url = installed.url(frontend)
    page = http.get(url + "/")
    assert page.status_code == 200
    title = (
        (ROOT / frontend.directory / "index.html")
        .read_text()
        .split("<title>")[1]
        .split("</title>")[0]
    )
    assert title in page.text
    backend = next(reg.component(d) for d in frontend.depends_on if d.endswith(".backend"))
    spec = http.get(installed.url(backend) + "/openapi.json").json()
    path = next(
        p
        for p, ops in spec["paths"].items()
        if p.startswith("/api/") and "{" not in p and "get" in ops
    )
    proxied = http.get(url + path)
    assert proxied.status_code == 200, f"{frontend.ref} {path}: {proxied.text[:200]}"
    assert proxied.json() == http.get(installed.url(backend) + path).json()


# Module-scoped, and removed only once the cluster is gone (local_cluster does): a later
# upgrade (--reuse-values) still names these images, and pods' containers use them.
@pytest.fixture(scope="module")
def new_tag(installed, reg, record) -> str:
    """Every component's image under a new tag (same content: the tag is what rolls out), and
    the data image under it (the upgrade also moves data.source from the claim to the image)."""
    tag = f"{installed.tag}-up{secrets.token_hex(3)}"
    made = record["images"]
    for comp in reg.components():
        target = f"annadata/{comp.compose_name}:{tag}"
        made.append(target)
        source = f"annadata/{comp.compose_name}:{installed.tag}"
        done = proc.run(["docker", "tag", source, target], timeout=60)
        assert done.ok, done.stderr
    made.append(f"annadata/data:{tag}")
    k8s_release.build_data_image(ROOT, made[-1], f"{OWNER_LABEL}.test={installed.cluster.run_id}")
    return tag


@pytest.fixture(scope="module")
def broken_image(installed, record) -> str:
    """soil_health's image with a command that exits at once (removed with the cluster)."""
    ref = f"annadata/soil_health-backend:broken-{secrets.token_hex(3)}"
    dockerfile = (
        f"FROM annadata/soil_health-backend:{installed.tag}\n"
        'CMD ["python", "-c", "raise SystemExit(\'broken on purpose by tests/k8s\')"]\n'
    )
    record["images"].append(ref)
    done = proc.run(
        ["docker", "build", "--quiet", "--label", f"{OWNER_LABEL}.test={installed.cluster.run_id}",
         "--tag", ref, "-"], stdin=dockerfile, timeout=300,
    )  # fmt: skip
    assert done.ok, done.stderr
    return ref


def _running(image: str, pods: list[dict]) -> list[dict]:
    """The pods whose container runs image."""
    return [p for p in pods if p["spec"]["containers"][0]["image"] == image]


def _serving(pods: list[dict]) -> set[str]:
    """Names of the Ready pods that are not on their way out."""
    return {
        p["metadata"]["name"]
        for p in pods
        if k8s_release.ready(p) and p["metadata"].get("deletionTimestamp") is None
    }


def _uid(installed, part: str) -> str:
    return installed.get("pod", installed.pod_of(part))["metadata"]["uid"]


def _revision(installed) -> int:
    done = installed.helm("status", installed.name, "--output", "json")
    assert done.ok, done.stderr
    return int(json.loads(done.stdout)["version"])


def test_helm_upgrade_to_a_new_image_rolls_out(installed, http, reg, new_tag, record):
    before = _revision(installed)
    databases = {part: _uid(installed, part) for part in ("postgres", "redis")}
    started = time.monotonic()
    done = installed.helm(
        "upgrade", installed.name, *installed.chart_args(), "--reuse-values",
        "--set", f"image.tag={new_tag}", "--set", "data.source=image",
        "--wait", "--timeout", f"{UPGRADE_TIMEOUT}s",
    )  # fmt: skip
    record["timings"]["helm upgrade (rollout)"] = time.monotonic() - started
    assert done.ok, installed.diagnose(print) + done.stderr
    assert _revision(installed) == before + 1
    assert installed.not_ready() == []
    # A new app tag restarts the components, not the databases.
    assert {part: _uid(installed, part) for part in databases} == databases
    for comp in reg.components():
        pods = installed.pods(f"app.kubernetes.io/component={comp.compose_name}")
        live = [p for p in pods if p["metadata"].get("deletionTimestamp") is None]
        images = {c["image"] for p in live for c in p["spec"]["containers"]}
        assert images == {f"annadata/{comp.compose_name}:{new_tag}"}, comp.ref
    for comp in BACKENDS:
        assert http.get(installed.url(comp) + "/version").json()["git_sha"] == new_tag
    # The models now come from the data image, copied into a volume mounted read-only.
    yield_api = reg.component("yield_api.backend")
    pod = installed.get("pod", installed.pod_of(yield_api.compose_name))
    assert [c["image"] for c in pod["spec"]["initContainers"]] == [f"annadata/data:{new_tag}"]
    models = http.get(installed.url(yield_api) + "/api/v1/models").json()
    expected = json.loads((MODELS / "model_registry.json").read_text())["models"]
    assert models["errors"] == {}
    assert {m["name"]: m["sha256"] for m in models["models"]} == {
        name: entry["sha256"] for name, entry in expected.items()
    }
    write = installed.exec(pod["metadata"]["name"], "touch", "/app/src/models/saved_models/probe")
    assert "Read-only file system" in write.stderr + write.stdout


def test_a_broken_image_fails_while_old_pods_serve_and_rollback_restores(
    installed, http, reg, broken_image, record
):
    comp = reg.component("soil_health.backend")
    good = _revision(installed)
    selector = f"app.kubernetes.io/component={comp.compose_name}"
    old_pods = _serving(installed.pods(selector))
    assert old_pods
    done = installed.helm(
        "upgrade", installed.name, *installed.chart_args(), "--reuse-values",
        "--set", f"components.soil_health-backend.image={broken_image}",
        "--wait", "--timeout", f"{BROKEN_TIMEOUT}s",
    )  # fmt: skip
    assert not done.ok, "an upgrade to an image that exits at once must fail"
    # The old pod still serves, and the new one is not Ready.
    for _ in range(SERVE_CHECKS):
        assert http.get(installed.url(comp) + "/health").status_code == 200
    deadline = time.monotonic() + UPGRADE_TIMEOUT
    while not _running(broken_image, pods := installed.pods(selector)):
        assert time.monotonic() < deadline, "the upgrade did not start a pod with the broken image"
        time.sleep(1)
    broken = _running(broken_image, pods)
    assert not any(k8s_release.ready(p) for p in broken)
    serving = _serving(pods)
    assert serving
    assert serving <= old_pods
    started = time.monotonic()
    rolled = installed.helm(
        "rollback", installed.name, str(good), "--wait", "--timeout", f"{UPGRADE_TIMEOUT}s"
    )
    record["timings"]["helm rollback"] = time.monotonic() - started
    assert rolled.ok, rolled.stderr
    deadline = time.monotonic() + UPGRADE_TIMEOUT
    while _running(broken_image, installed.pods(selector)):
        assert time.monotonic() < deadline, "the broken pod is still there after the rollback"
        time.sleep(1)
    assert installed.not_ready() == []
    assert _health(http, installed.url(comp) + "/health").json()["status"] == "ok"
    history = installed.helm("history", installed.name, "--output", "json")
    assert json.loads(history.stdout)[-1]["description"].startswith("Rollback to")
