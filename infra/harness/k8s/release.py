"""The chart installed into a local cluster with the test-cluster values, and what tests ask of it.

Before `helm install`: the namespace, the Secrets the test-cluster values name for the
Postgres and Redis passwords, each with a fresh password (applied from stdin, never in an
argument list), and the data and models staged read-only under the run
directory behind a hostPath PersistentVolume (compose's bind mounts, as a claim). Postgres
and Redis run from the images compose uses (the stand-ins in no-registry mode), as the
users those images define.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import paths, proc, registry
from harness.errors import HarnessError
from harness.k8s import chart
from harness.k8s.cluster import OWNER_LABEL, Cluster

NAMESPACE = chart.NAMESPACE
RELEASE = chart.RELEASE
TEST_VALUES = "test-cluster"
# The in-chart databases whose password comes from a Secret the values name (<name>.chart).
PASSWORD_SECRETS = ("postgres", "redis")
DATA_CLAIM = "annadata-data"
INSTALL_TIMEOUT = 600
LOG_TAIL = 25
# Third-party images as compose names them: the variable, its default, the user inside.
INFRA_IMAGES = {"postgres": ("POSTGRES_IMAGE", "postgres:15"), "redis": ("REDIS_IMAGE", "redis:7")}


class ReleaseError(HarnessError):
    """The release did not become Ready (or an upgrade did not); the message says which pod."""


def image_env(root: Path) -> dict[str, str]:
    """The no-registry image variables `nox -s bases` wrote ({} in registry mode)."""
    path = root / paths.NO_REGISTRY_ENV_FILE
    if not path.is_file():
        return {}
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            found[key.strip()] = value.strip()
    return found


def infra_images(root: Path) -> dict[str, str]:
    """The Postgres and Redis images compose would run on this machine."""
    env = image_env(root)
    return {name: env.get(variable, default) for name, (variable, default) in INFRA_IMAGES.items()}


DATA_DOCKERFILE = "infra/helm/data-image/Dockerfile"


def build_data_image(root: Path, ref: str, label: str, run: proc.Runner = proc.run) -> None:
    """Build the data image (the chart's `data.source: image`) from the registry's mounts."""
    reg = registry.load(root)
    base = image_env(root).get("DEBIAN_IMAGE")
    with tempfile.TemporaryDirectory(prefix="annadata-data-") as scratch:
        stage_data(root, reg, Path(scratch))
        argv = ["docker", "build", "--quiet", "--label", label, "--tag", ref,
                "--file", str(root / DATA_DOCKERFILE), scratch]  # fmt: skip
        if base:
            argv[2:2] = ["--build-arg", f"DEBIAN_IMAGE={base}"]
        done = run(argv, timeout=300)
    if not done.ok:
        raise ReleaseError(
            f"k8s: building {ref} from {DATA_DOCKERFILE} failed: {done.last_error_line()}"
        )


def stage_data(root: Path, reg: registry.Registry, target: Path) -> None:
    """Copy every registry mount (data/processed, the models) under target, read-only."""
    for mount in sorted({m for c in reg.components() for m in c.mounts}):
        shutil.copytree(root / mount, target / mount, dirs_exist_ok=True)
    for path in [target, *target.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)


@dataclass
class Release:
    """The installed chart: how to reach its Services and pods."""

    cluster: Cluster
    root: Path
    tag: str
    name: str = RELEASE
    namespace: str = NAMESPACE
    timings: dict[str, float] = field(default_factory=dict)

    def kubectl(self, *args: str, timeout: float = 60) -> proc.Result:
        """kubectl in the release's namespace."""
        return self.cluster.kubectl("--namespace", self.namespace, *args, timeout=timeout)

    def get(self, *what: str) -> dict[str, Any]:
        """kubectl get ... -o json, parsed."""
        done = self.kubectl("get", *what, "--output", "json")
        if not done.ok:
            raise ReleaseError(f"k8s: kubectl get {' '.join(what)}: {done.last_error_line()}")
        parsed: dict[str, Any] = json.loads(done.stdout)
        return parsed

    def node_port(self, service: str) -> int:
        """The 127.0.0.1 NodePort of a Service (kube-proxy answers only on loopback)."""
        spec = self.get("service", service)["spec"]
        return int(spec["ports"][0]["nodePort"])

    def url(self, comp: registry.Component) -> str:
        """http://127.0.0.1:<NodePort> of a component's Service."""
        return f"http://127.0.0.1:{self.node_port(object_name(comp.compose_name))}"

    def pods(self, selector: str | None = None) -> list[dict[str, Any]]:
        """The release's pods (optionally by label selector)."""
        args = ["pods", "--selector", selector] if selector else ["pods"]
        items: list[dict[str, Any]] = self.get(*args)["items"]
        return items

    def pod_of(self, part: str) -> str:
        """The name of a Ready pod of one part (a compose name, or postgres/redis)."""
        for pod in self.pods(f"app.kubernetes.io/component={part}"):
            if pod["metadata"].get("deletionTimestamp") is None and ready(pod):
                return str(pod["metadata"]["name"])
        raise ReleaseError(f"k8s: no Ready pod of {part}")

    def exec(self, pod: str, *argv: str, timeout: float = 60) -> proc.Result:
        """Run argv in a pod's first container."""
        return self.kubectl("exec", pod, "--", *argv, timeout=timeout)

    def helm(self, *args: str, timeout: float = INSTALL_TIMEOUT + 60) -> proc.Result:
        """helm in the release's namespace."""
        return self.cluster.helm(*args, "--namespace", self.namespace, timeout=timeout)

    def chart_args(self, *values: str) -> list[str]:
        """The chart and the test-cluster values file."""
        files = chart.profiles(self.root)[TEST_VALUES]
        return [
            str(chart.chart_dir(self.root)),
            *[a for f in files for a in ("--values", str(f))],
            *values,
        ]

    def not_ready(self) -> list[dict[str, Any]]:
        """Pods that are not Ready (terminating ones left out)."""
        return [
            p
            for p in self.pods()
            if p["metadata"].get("deletionTimestamp") is None and not ready(p)
        ]

    def diagnose(self, say: Callable[[str], None]) -> str:
        """Print every pod's state, and each unready pod's events and log tail; the headline."""
        pods = self.pods()
        report = [
            f"--- release {self.name}: {len(pods)} pods",
            f"{'pod':<52} {'ready':<6} {'phase':<10} restarts",
        ]
        for pod in pods:
            statuses = pod["status"].get("containerStatuses") or []
            restarts = sum(s.get("restartCount", 0) for s in statuses)
            report.append(
                f"{pod['metadata']['name']:<52} {ready(pod)!s:<6} "
                f"{pod['status'].get('phase', '?'):<10} {restarts}"
            )
        reasons = []
        for pod in self.not_ready():
            name = pod["metadata"]["name"]
            why = why_not_ready(pod)
            reasons.append(f"{name} {why}")
            report.append(f"--- {name}: {why}; events:")
            events = self.kubectl("get", "events",
                                  "--field-selector", f"involvedObject.name={name}",
                                  "--sort-by", ".lastTimestamp")  # fmt: skip
            report.extend(f"    {line}" for line in events.stdout.splitlines()[-10:])
            logs = self.kubectl(
                "logs", name, "--all-containers", "--tail", str(LOG_TAIL), "--prefix"
            )
            report.append(f"--- {name}: last {LOG_TAIL} log lines:")
            report.extend(f"    {line}" for line in (logs.stdout or logs.stderr).splitlines())
        self.save_logs()
        say("\n".join(report))
        return "; ".join(reasons) or "every pod Ready"

    def save_logs(self) -> Path:
        """Every pod's log under the cluster's logs directory (pods/<pod>.log)."""
        target = self.cluster.logs / "pods"
        target.mkdir(parents=True, exist_ok=True)
        for pod in self.pods():
            name = pod["metadata"]["name"]
            done = self.kubectl("logs", name, "--all-containers", "--prefix", "--timestamps")
            (target / f"{name}.log").write_text(done.stdout + done.stderr, encoding="utf-8")
        return target


def object_name(part: str) -> str:
    """The chart's object name for a part (its partName helper), release `annadata`."""
    return f"{RELEASE}-{part.replace('_', '-')}"[:63].rstrip("-")


def ready(pod: Mapping[str, Any]) -> bool:
    """The pod's Ready condition."""
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in pod.get("status", {}).get("conditions") or []
    )


def why_not_ready(pod: Mapping[str, Any]) -> str:
    """A few words on why: a waiting or terminated container's reason, or the pod's phase."""
    status = pod.get("status", {})
    for container in (status.get("initContainerStatuses") or []) + (
        status.get("containerStatuses") or []
    ):
        state = container.get("state", {})
        last = container.get("lastState", {}).get("terminated") or {}
        if "waiting" in state:
            reason = state["waiting"].get("reason", "waiting")
            exit_code = f", last exit {last.get('exitCode')}" if last else ""
            return f"container {container['name']} {reason}{exit_code}"
        if "terminated" in state and state["terminated"].get("exitCode"):
            return f"container {container['name']} exited {state['terminated']['exitCode']}"
        if not container.get("ready"):
            return (
                f"container {container['name']} running but not Ready (its readiness probe fails)"
            )
    return f"phase {status.get('phase', '?')}"


def password_secrets(root: Path) -> list[dict[str, Any]]:
    """A Secret per in-chart database, named as the test-cluster values name it, each with a
    fresh password (Secrets sharing a name share one password, one key each)."""
    found = chart.values(root, chart.profiles(root)[TEST_VALUES])
    data: dict[str, dict[str, str]] = {}
    for name in PASSWORD_SECRETS:
        own = found[name]["chart"]
        data.setdefault(own["passwordSecret"], {})[own["passwordKey"]] = secrets.token_hex(16)
    return [
        {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
         "metadata": {"name": secret, "namespace": NAMESPACE}, "stringData": keys}
        for secret, keys in data.items()
    ]  # fmt: skip


def _user_of(cluster: Cluster, image: str, user: str) -> tuple[int, int]:
    """(uid, gid) of a user inside an image (the chart runs the database as that user)."""
    ids = []
    for flag in ("-u", "-g"):
        done = cluster._run(
            ["docker", "run", "--rm", "--label", f"{OWNER_LABEL}.probe={cluster.run_id}",
             "--network", "none", "--entrypoint", "id", image, flag, user],
            timeout=60,
        )  # fmt: skip
        if not done.ok or not done.stdout.strip().isdigit():
            raise ReleaseError(f"k8s: cannot read user {user} of {image}: {done.last_error_line()}")
        ids.append(int(done.stdout.strip()))
    return ids[0], ids[1]


def install(
    cluster: Cluster,
    root: Path,
    tag: str,
    *,
    timeout: int = INSTALL_TIMEOUT,
    say: Callable[[str], None] = print,
) -> Release:
    """Namespace, password Secrets, data claim, then `helm install --wait`; ReleaseError names
    the pod."""
    reg = registry.load(root)
    release = Release(cluster, root, tag)
    images = infra_images(root)
    for name, image in images.items():
        if not cluster._image_exists(image):
            raise ReleaseError(
                f"k8s: image {image} ({name}) is not on this engine: run `nox -s bases` "
                "(no-registry mode) or `docker pull` it"
            )
    for comp in reg.components():
        ref = f"annadata/{comp.compose_name}:{tag}"
        if not cluster._image_exists(ref):
            raise ReleaseError(f"k8s: image {ref} is missing: run `nox -s build`")
    data = cluster.dir / "data"
    stage_data(root, reg, data)
    cluster.apply([
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        *password_secrets(root),
        {"apiVersion": "v1", "kind": "PersistentVolume",
         "metadata": {"name": f"annadata-data-{cluster.run_id}"},
         "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadOnlyMany"],
                  "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "",
                  "hostPath": {"path": str(data), "type": "Directory"}}},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
         "metadata": {"name": DATA_CLAIM, "namespace": NAMESPACE},
         "spec": {"accessModes": ["ReadOnlyMany"], "storageClassName": "",
                  "volumeName": f"annadata-data-{cluster.run_id}",
                  "resources": {"requests": {"storage": "1Gi"}}}},
    ])  # fmt: skip
    sets: dict[str, Any] = {"image.tag": tag}
    for name, user in (("postgres", "postgres"), ("redis", "redis")):
        uid, gid = _user_of(cluster, images[name], user)
        sets.update({f"{name}.chart.image": images[name], f"{name}.chart.runAsUser": uid,
                     f"{name}.chart.runAsGroup": gid})  # fmt: skip
    say(f"k8s: helm install {RELEASE} (tag {tag}, test-cluster values, timeout {timeout}s)")
    started = time.monotonic()
    done = release.helm(
        "install", RELEASE, *release.chart_args(*chart.set_args(sets)),
        "--wait", "--timeout", f"{timeout}s", timeout=timeout + 60,
    )  # fmt: skip
    release.timings["install"] = time.monotonic() - started
    if not done.ok or release.not_ready():
        headline = release.diagnose(say)
        raise ReleaseError(
            f"k8s: helm install did not become Ready within {timeout}s "
            f"({done.last_error_line() if not done.ok else 'pods not Ready'}): {headline}; "
            f"logs in {cluster.logs}"
        )
    say(f"k8s: every pod Ready {release.timings['install']:.1f}s after helm install")
    return release
