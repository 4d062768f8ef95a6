"""What a render of the chart must say, derived from services.json and docker-compose.yml.

Each check returns a list of mismatches (empty when the render agrees), so the suite can
assert them one aspect at a time and the scaffold test can run them all on a copy.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from harness import registry
from harness.k8s import chart
from harness.registry import Component

COMPOSE_FILE = "docker-compose.yml"
# Compose gives msp_mitra Postgres as parts; with an external database it is one URL instead.
POSTGRES_PARTS = {"POSTGRES_HOST", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
# services.json's infrastructure the chart can run itself (mode `chart`, for test clusters) ...
IN_CHART_INFRA = ("postgres", "redis")
# ... and what exists only in compose, with why. A new infrastructure entry must be one or the
# other (the `databases` check fails until it is).
COMPOSE_ONLY_INFRA = {
    # Kubernetes routes with an Ingress and the cluster's own controller (values `ingress`).
    "traefik": "the Ingress controller replaces it",
    # There is no Docker socket in a Kubernetes pod to protect: an Ingress controller reads the
    # API server with its service account, never the container engine.
    "socket_proxy": "there is no Docker socket in Kubernetes",
}
_UNITS = {"": 1, "k": 1000, "K": 1024, "Ki": 1024, "m": 10**6, "M": 2**20, "Mi": 2**20,
          "g": 10**9, "G": 2**30, "Gi": 2**30}  # fmt: skip
# The kernel's tmpfs size= suffixes (memparse: binary, either case); compose passes them as is.
_TMPFS_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}
_DURATION = re.compile(r"^(\d+)(s|m)$")
_HOST_RULE = re.compile(r"Host\(`([^`]+)`\)")


def memory_bytes(value: str | int) -> int:
    """Bytes of a compose (384M: binary units, as Docker reads them) or Kubernetes quantity."""
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    assert match, f"not a memory quantity: {value!r}"
    assert match.group(2) in _UNITS, f"unknown memory unit in {value!r}"
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def tmpfs_bytes(value: str | int) -> int:
    """Bytes of a tmpfs size (16m: the kernel's binary units; a bare number is bytes)."""
    match = re.fullmatch(r"([0-9]+)([kmgKMG]?)", str(value))
    assert match, f"not a tmpfs size this check reads: {value!r} (a % of RAM has no fixed size)"
    return int(match.group(1)) * _TMPFS_UNITS[match.group(2).lower()]


def compose_tmpfs(service: dict[str, Any]) -> dict[str, int | None]:
    """A compose service's tmpfs mounts: path -> size in bytes (None: unsized, half the RAM)."""
    found: dict[str, int | None] = {}
    entries = service.get("tmpfs") or []
    for entry in [entries] if isinstance(entries, str) else entries:
        path, _, options = entry.partition(":")
        sizes = [o.split("=", 1)[1] for o in options.split(",") if o.startswith("size=")]
        found[path] = tmpfs_bytes(sizes[-1]) if sizes else None
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict) and volume.get("type") == "tmpfs":
            size = (volume.get("tmpfs") or {}).get("size")
            found[volume["target"]] = None if size is None else tmpfs_bytes(size)
    return found


def millicpu(value: str | int | float) -> int:
    """Millicores of a compose cpus value ("1.0") or a Kubernetes one ("1", "250m")."""
    text = str(value)
    return int(text[:-1]) if text.endswith("m") else round(float(text) * 1000)


def seconds(value: str) -> int:
    """Seconds of a compose duration (10s, 1m)."""
    match = _DURATION.match(value)
    assert match, f"unknown duration {value!r}"
    return int(match.group(1)) * (60 if match.group(2) == "m" else 1)


def compose_services(root: Path) -> dict[str, Any]:
    """docker-compose.yml's services with anchors and merge keys resolved."""
    data = YAML(typ="safe", pure=True).load((root / COMPOSE_FILE).read_text(encoding="utf-8"))
    return data["services"]


@dataclass(frozen=True)
class Case:
    """One render and everything its expectations come from."""

    root: Path
    render: chart.Render
    values: dict[str, Any]
    reg: registry.Registry
    compose: dict[str, Any]

    def objects(self, kind: str) -> dict[str, dict[str, Any]]:
        """The rendered objects of one kind, by name."""
        return {o["metadata"]["name"]: o for o in self.render.objects if o["kind"] == kind}

    def name(self, part: str) -> str:
        """The object name of a part of the release (the chart's partName)."""
        return f"{chart.RELEASE}-{part.replace('_', '-')}"[:63].rstrip("-")

    def enabled(self) -> list[Component]:
        """Components the values switch on: not disabled, and their profile on (if any)."""
        found = []
        for comp in self.reg.components():
            own = self.values.get("components", {}).get(comp.compose_name, {})
            if own.get("enabled", True) is False:
                continue
            if comp.profile and not (self.values.get(comp.profile) or {}).get("enabled", False):
                continue
            found.append(comp)
        return found

    def tag(self) -> str:
        """The image tag: image.tag, else the chart's appVersion."""
        meta = YAML(typ="safe", pure=True).load(
            (chart.chart_dir(self.root) / "Chart.yaml").read_text()
        )
        return self.values["image"].get("tag") or str(meta["appVersion"])

    def container(self, comp: Component) -> dict[str, Any]:
        """The main container of a component's Deployment (named after its kind)."""
        deployment = self.objects("Deployment")[self.name(comp.compose_name)]
        spec = deployment["spec"]["template"]["spec"]
        return next(c for c in spec["containers"] if c["name"] == comp.kind)

    def pod(self, comp: Component) -> dict[str, Any]:
        """A component's pod spec."""
        return self.objects("Deployment")[self.name(comp.compose_name)]["spec"]["template"]["spec"]


def workloads(case: Case) -> list[str]:
    """A Deployment per enabled component and nothing else."""
    want = {case.name(c.compose_name) for c in case.enabled()}
    got = set(case.objects("Deployment"))
    return [f"Deployment {n} missing" for n in sorted(want - got)] + [
        f"Deployment {n} not in the registry (or switched off)" for n in sorted(got - want)
    ]


def images(case: Case) -> list[str]:
    """Each component runs the image publish pushes, or the local name `nox -s build` makes."""
    prefix, tag = case.values["image"].get("registry", "").rstrip("/"), case.tag()
    problems = []
    for comp in case.enabled():
        own = case.values.get("components", {}).get(comp.compose_name, {}).get("image")
        want = own or (
            f"{prefix}/annadata-{comp.compose_name}:{tag}"
            if prefix
            else f"annadata/{comp.compose_name}:{tag}"
        )
        got = case.container(comp)["image"]
        if got != want:
            problems.append(f"{comp.ref}: image {got}, expected {want}")
    return problems


def services(case: Case) -> list[str]:
    """Backends and frontends have a Service and a container port on their registry port."""
    problems = []
    rendered = case.objects("Service")
    for comp in case.enabled():
        ports = [p["containerPort"] for p in case.container(comp).get("ports", [])]
        if comp.port is None:
            if ports or case.name(comp.compose_name) in rendered:
                problems.append(f"{comp.ref} has no port in the registry but a Service or port")
            continue
        if ports != [comp.port]:
            problems.append(f"{comp.ref}: container ports {ports}, registry says {comp.port}")
        service = rendered.get(case.name(comp.compose_name))
        if service is None:
            problems.append(f"{comp.ref}: no Service")
            continue
        got = [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]]
        if got != [(comp.port, "http")]:
            problems.append(f"{comp.ref}: Service ports {got}, expected [({comp.port}, 'http')]")
    return problems


def probes(case: Case) -> list[str]:
    """Probes on the registry's health route (or compose's command) with the values' timing."""
    problems = []
    for comp in case.enabled():
        container = case.container(comp)
        compose = case.compose[comp.compose_name]["healthcheck"]
        if comp.port is not None:
            want: dict[str, Any] = {"httpGet": {"path": comp.health or "/", "port": "http"}}
        else:
            test = compose["test"]
            assert test[0] == "CMD", f"{comp.compose_name}: exec-form healthcheck expected"
            want = {"exec": {"command": test[1:]}}
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            probe = container.get(kind)
            if probe is None:
                problems.append(f"{comp.ref}: no {kind}")
                continue
            handler = {k: v for k, v in probe.items() if k in ("httpGet", "exec", "tcpSocket")}
            if handler != want:
                problems.append(f"{comp.ref}: {kind} {handler}, expected {want}")
        live, start = container.get("livenessProbe", {}), container.get("startupProbe", {})
        # The values' timing (values.yaml's is compose's: test_templates holds them equal).
        timing = case.values["probes"]
        have = (live.get("periodSeconds"), live.get("timeoutSeconds"), live.get("failureThreshold"))
        wanted = (timing["periodSeconds"], timing["timeoutSeconds"], timing["failureThreshold"])
        if have != wanted:
            problems.append(
                f"{comp.ref}: liveness (period, timeout, failures) {have}, values {wanted}"
            )
        window = start.get("periodSeconds", 0) * start.get("failureThreshold", 0)
        if window != timing["startPeriodSeconds"]:
            problems.append(
                f"{comp.ref}: startup window {window}s, values {timing['startPeriodSeconds']}s"
            )
    return problems


def expected_env(case: Case, comp: Component) -> set[str]:
    """Compose's variable names for the component, as the values' modes change them."""
    names = set(case.compose[comp.compose_name].get("environment") or {})
    if "postgres" in comp.depends_on and case.values["postgres"]["mode"] == "external":
        names = (names - POSTGRES_PARTS) | {"DATABASE_URL"}
    names |= set(case.values.get("components", {}).get(comp.compose_name, {}).get("env", {}))
    return names


def env(case: Case) -> list[str]:
    """The same variable names as compose gives each container."""
    problems = []
    for comp in case.enabled():
        got = {e["name"] for e in case.container(comp).get("env", [])}
        want = expected_env(case, comp)
        if got != want:
            problems.append(f"{comp.ref}: env {sorted(got)}, expected {sorted(want)}")
    return problems


def limits(case: Case) -> list[str]:
    """Compose's deploy.resources.limits, as Kubernetes limits."""
    problems = []
    for comp in case.enabled():
        compose = case.compose[comp.compose_name]["deploy"]["resources"]["limits"]
        got = case.container(comp)["resources"]["limits"]
        want = (millicpu(compose["cpus"]), memory_bytes(compose["memory"]))
        have = (millicpu(got["cpu"]), memory_bytes(got["memory"]))
        if have != want:
            problems.append(f"{comp.ref}: limits (mCPU, bytes) {have}, compose {want}")
    return problems


def mounts(case: Case) -> list[str]:
    """Compose's read-only mounts at the same paths; compose's tmpfs mounts as emptyDirs in
    memory (a tmpfs is) with compose's size as their sizeLimit; nothing else writable."""
    problems = []
    for comp in case.enabled():
        volumes = case.compose[comp.compose_name].get("volumes") or []
        want = {v["target"] for v in volumes if isinstance(v, dict) and v.get("read_only")}
        if want != {f"/app/{m}" for m in comp.mounts}:
            problems.append(f"{comp.ref}: compose mounts {sorted(want)} differ from the registry's")
        got = case.container(comp).get("volumeMounts", [])
        read_only = {m["mountPath"] for m in got if m.get("readOnly")}
        writable = {m["mountPath"] for m in got if not m.get("readOnly")}
        app = {p for p in read_only if p.startswith("/app/")}
        if app != want:
            problems.append(f"{comp.ref}: read-only mounts {sorted(app)}, compose {sorted(want)}")
        tmpfs = compose_tmpfs(case.compose[comp.compose_name])
        if writable != set(tmpfs):
            problems.append(
                f"{comp.ref}: writable mounts {sorted(writable)}, compose tmpfs {sorted(tmpfs)}"
            )
        volumes_ = {v["name"]: v for v in case.pod(comp).get("volumes", [])}
        for mount in got:
            if mount.get("readOnly") or mount["mountPath"] not in tmpfs:
                continue
            size = tmpfs[mount["mountPath"]]
            empty = volumes_.get(mount["name"], {}).get("emptyDir")
            limit = (empty or {}).get("sizeLimit")
            if size is None:
                problems.append(f"{comp.ref}: compose's tmpfs {mount['mountPath']} has no size")
            elif (
                empty is None
                or empty.get("medium") != "Memory"
                or limit is None
                or memory_bytes(limit) != size
            ):
                problems.append(
                    f"{comp.ref}: {mount['mountPath']} is {volumes_.get(mount['name'])}, expected "
                    f"an emptyDir with medium Memory and sizeLimit {size} bytes (compose's tmpfs)"
                )
    return problems


def security(case: Case) -> list[str]:
    """Every container as compose's x-app: read-only root, no capabilities or new privileges."""
    problems = []
    workloads_ = [*case.objects("Deployment").values(), *case.objects("StatefulSet").values()]
    for workload in workloads_:
        name = workload["metadata"]["name"]
        spec = workload["spec"]["template"]["spec"]
        pod = spec.get("securityContext", {})
        if not pod.get("runAsNonRoot") or not pod.get("runAsUser"):
            problems.append(f"{name}: pod not runAsNonRoot with a runAsUser")
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{name}: mounts a service account token")
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            ctx = container.get("securityContext", {})
            if not (
                ctx.get("readOnlyRootFilesystem") is True
                and ctx.get("allowPrivilegeEscalation") is False
                and ctx.get("capabilities", {}).get("drop") == ["ALL"]
                and not ctx.get("capabilities", {}).get("add")
            ):
                problems.append(f"{name}/{container['name']}: security context {ctx}")
    for comp in case.enabled():
        compose = case.compose[comp.compose_name]
        if not (
            compose.get("read_only") is True
            and compose.get("cap_drop") == ["ALL"]
            and "no-new-privileges:true" in compose.get("security_opt", [])
        ):
            problems.append(
                f"{comp.compose_name}: compose no longer says read_only, cap_drop ALL and "
                "no-new-privileges"
            )
    return problems


def routes(case: Case) -> list[str]:
    """The Ingress routes compose's Traefik labels, with the values' domain, to each Service."""
    ingress = case.objects("Ingress")
    if not case.values["ingress"]["enabled"]:
        return [f"Ingress {n} rendered while ingress.enabled is false" for n in ingress]
    want = {}
    for comp in case.enabled():
        labels = case.compose[comp.compose_name].get("labels") or {}
        rules = [v for k, v in labels.items() if k.endswith(".rule")]
        for rule in rules:
            host = _HOST_RULE.search(rule).group(1)
            want[host.removesuffix(".localhost") + "." + case.values["ingress"]["domain"]] = (
                case.name(comp.compose_name),
                comp.port,
            )
        if comp.route_host and not rules:
            return [f"{comp.compose_name}: compose has no Traefik rule for {comp.route_host}"]
    got = {}
    for obj in ingress.values():
        if obj["spec"].get("ingressClassName") != case.values["ingress"]["className"]:
            return [
                f"Ingress {obj['metadata']['name']}: class {obj['spec'].get('ingressClassName')}"
            ]
        for rule in obj["spec"]["rules"]:
            backend = rule["http"]["paths"][0]["backend"]["service"]
            got[rule["host"]] = (backend["name"], backend["port"]["number"])
    return [] if got == want else [f"Ingress routes {got}, expected {want}"]


def api_versions(case: Case) -> list[str]:
    """PDBs and HPAs in the API versions the cluster's version has."""
    old = case.render.kube_version.startswith("1.20.")
    want = {
        "PodDisruptionBudget": "policy/v1beta1" if old else "policy/v1",
        "HorizontalPodAutoscaler": "autoscaling/v2beta2" if old else "autoscaling/v2",
    }
    return [
        f"{o['kind']} {o['metadata']['name']}: {o['apiVersion']}, expected {want[o['kind']]}"
        for o in case.render.objects
        if o["kind"] in want and o["apiVersion"] != want[o["kind"]]
    ]


def _in_release(peer: dict[str, Any]) -> bool:
    """A peer that selects the release's own pods: a podSelector alone (with a namespaceSelector
    or an ipBlock beside it, it selects pods or addresses elsewhere)."""
    return set(peer) == {"podSelector"}


def _selected(peers: list[dict[str, Any]]) -> set[str]:
    return {
        p["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/component", "?")
        for p in peers
        if _in_release(p)
    }


def compose_networks(case: Case, name: str) -> set[str]:
    """The compose networks a service joins (compose's `default` when it names none)."""
    networks = case.compose[name].get("networks") or ["default"]
    return set(networks)


def _peers(rules: list[dict[str, Any]], side: str) -> set[str]:
    return set().union(*(_selected(r.get(side, [])) for r in rules)) if rules else set()


def _outside(rules: list[dict[str, Any]]) -> bool:
    """Whether any rule lets in peers that are not the release's pods (the Ingress controller);
    a rule with no `from` lets in everyone."""
    return any(not r.get("from") or not all(_in_release(peer) for peer in r["from"]) for r in rules)


def network(case: Case) -> list[str]:
    """Compose's split by need: each component is reached by what depends on it and reaches
    only what it depends on; in-chart Postgres and Redis are reached only by their users and
    reach nothing; no allowed pair is one compose's networks keep apart; only what compose's
    Traefik routes to is reachable from outside the release."""
    policies = case.objects("NetworkPolicy")
    if not case.values["networkPolicy"]["enabled"]:
        return [f"NetworkPolicy {n} rendered while disabled" for n in policies]
    problems = []
    enabled = case.enabled()
    allowed: set[tuple[str, str]] = set()
    for comp in enabled:
        policy = policies.get(case.name(comp.compose_name))
        if policy is None:
            problems.append(f"{comp.ref}: no NetworkPolicy")
            continue
        spec = policy["spec"]
        sources = _peers(spec["ingress"], "from")
        want_sources = {o.compose_name for o in enabled if comp.ref in o.depends_on}
        if sources != want_sources:
            problems.append(
                f"{comp.ref}: reachable from {sorted(sources)}, expected {sorted(want_sources)}"
            )
        targets = _peers(spec["egress"], "to")
        want_targets = {d.replace(".", "-") for d in comp.depends_on if "." in d}
        want_targets |= {
            d for d in comp.depends_on if "." not in d and case.values[d]["mode"] == "chart"
        }
        if targets != want_targets:
            problems.append(
                f"{comp.ref}: reaches {sorted(targets)}, expected {sorted(want_targets)}"
            )
        labels = case.compose[comp.compose_name].get("labels") or {}
        if _outside(spec["ingress"]) and str(labels.get("traefik.enable")).lower() != "true":
            problems.append(f"{comp.ref}: reachable from outside, but compose routes nothing to it")
        allowed |= {(s, comp.compose_name) for s in sources}
        allowed |= {(comp.compose_name, t) for t in targets}
    for infra in IN_CHART_INFRA:
        if case.values[infra]["mode"] != "chart":
            continue
        policy = policies.get(case.name(infra))
        if policy is None:
            problems.append(f"{infra}: no NetworkPolicy")
            continue
        spec = policy["spec"]
        sources = _peers(spec.get("ingress") or [], "from")
        want_sources = {o.compose_name for o in enabled if infra in o.depends_on}
        if sources != want_sources or _outside(spec.get("ingress") or []):
            problems.append(
                f"{infra}: reachable from {spec.get('ingress')}, expected {sorted(want_sources)} "
                "only"
            )
        if spec.get("egress") != [] or "Egress" not in spec.get("policyTypes", []):
            problems.append(f"{infra}: reaches {spec.get('egress')}, expected nothing")
        allowed |= {(s, infra) for s in sources}
    # The chart is never more open than compose: every pair it allows shares a compose network.
    for source, target in sorted(allowed):
        if target in case.compose and source in case.compose:
            if not compose_networks(case, source) & compose_networks(case, target):
                problems.append(
                    f"{source} reaches {target}, which compose's networks keep apart "
                    f"({sorted(compose_networks(case, source))} and "
                    f"{sorted(compose_networks(case, target))})"
                )
        else:
            problems.append(f"{source} reaches {target}, which compose does not run")
    deny = policies.get(f"{chart.RELEASE}-default-deny")
    if deny is None or deny["spec"].get("ingress") or deny["spec"].get("egress"):
        problems.append("no default-deny NetworkPolicy for the release")
    return problems


def secrets(case: Case) -> list[str]:
    """No Secret objects and no literal secret values: credentials come from existing Secrets."""
    problems = [
        f"Secret {n} rendered: secrets come from existing Secrets" for n in case.objects("Secret")
    ]
    for workload in [*case.objects("Deployment").values(), *case.objects("StatefulSet").values()]:
        for container in workload["spec"]["template"]["spec"]["containers"]:
            for var in container.get("env", []):
                secretish = re.search(r"PASSWORD|SECRET|TOKEN|DATABASE_URL", var["name"])
                if secretish and "secretKeyRef" not in var.get("valueFrom", {}):
                    problems.append(
                        f"{workload['metadata']['name']}: {var['name']} is not from a Secret"
                    )
    return problems


def checkov_skips(case: Case) -> list[str]:
    """Every checkov suppression names one check and says why (checkov splits on '=')."""
    problems = []
    for obj in case.render.objects:
        for key, value in (obj["metadata"].get("annotations") or {}).items():
            if key.startswith("checkov.io/skip"):
                check, _, why = value.partition("=")
                if not re.fullmatch(r"CKV2?_K8S_\d+", check) or "=" in why or len(why.strip()) < 20:
                    problems.append(f"{obj['kind']} {obj['metadata']['name']}: {key}: {value!r}")
    return problems


def databases(case: Case) -> list[str]:
    """Postgres and Redis StatefulSets exactly when their mode is `chart`; every other
    infrastructure entry is one compose alone runs (COMPOSE_ONLY_INFRA says why)."""
    problems = [
        f"infrastructure {name} in services.json is neither run by the chart nor compose-only: "
        "add it to the chart or to COMPOSE_ONLY_INFRA with why"
        for name in case.reg.infrastructure
        if name not in IN_CHART_INFRA and name not in COMPOSE_ONLY_INFRA
    ]
    sets = case.objects("StatefulSet")
    for infra in IN_CHART_INFRA:
        present = case.name(infra) in sets
        if present != (case.values[infra]["mode"] == "chart"):
            problems.append(
                f"{infra}: StatefulSet present={present} with mode {case.values[infra]['mode']}"
            )
    return problems


def _redis_flags(argv: list[str]) -> dict[str, str]:
    """`--name value` pairs of a redis-server command line (every flag used here takes one)."""
    return {arg: argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg.startswith("--")}


def _compose_redis_argv(service: dict[str, Any]) -> list[str]:
    """Compose's redis command, unwrapped from its `sh -c` (there for the password variable)."""
    command = service.get("command") or []
    if isinstance(command, str):
        command = shlex.split(command)
    if command[:2] == ["sh", "-c"]:
        command = shlex.split(command[2])
    return list(command)


def _secret_ref(container: dict[str, Any], name: str) -> dict[str, Any] | None:
    for var in container.get("env", []):
        if var["name"] == name:
            ref: dict[str, Any] | None = var.get("valueFrom", {}).get("secretKeyRef")
            return ref
    return None


def redis(case: Case) -> list[str]:
    """The in-chart Redis as compose runs it: its password required, from the Secret its users
    read; compose's flags (--maxmemory and its policy, no persistence), variables and limits."""
    if case.values["redis"]["mode"] != "chart":
        return []
    found = case.objects("StatefulSet").get(case.name("redis"))
    if found is None:
        return []  # `databases` says it is missing
    container = found["spec"]["template"]["spec"]["containers"][0]
    compose = case.compose["redis"]
    want = _redis_flags(_compose_redis_argv(compose))
    got = _redis_flags([*container.get("command", []), *container.get("args", [])])
    problems = []
    if "--requirepass" not in want:
        problems.append("compose's redis no longer says --requirepass")
    password = re.fullmatch(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", got.get("--requirepass", ""))
    ref = _secret_ref(container, password.group(1)) if password else None
    if ref is None:
        problems.append(
            f"redis: --requirepass {got.get('--requirepass')!r}, expected $(VAR) of a variable "
            "from a Secret"
        )
    others = {k: v for k, v in got.items() if k != "--requirepass"}
    if others != {k: v for k, v in want.items() if k != "--requirepass"}:
        problems.append(f"redis: flags {others}, compose's {want}")
    names = {e["name"] for e in container.get("env", [])}
    if names != set(compose.get("environment") or {}):
        problems.append(f"redis: env {sorted(names)}, compose {sorted(compose['environment'])}")
    # Compose's variables that carry the password (REDISCLI_AUTH: redis-cli and the probes).
    for name, value in (compose.get("environment") or {}).items():
        if "REDIS_PASSWORD" in str(value) and _secret_ref(container, name) != ref:
            problems.append(f"redis: {name} is not the password's Secret key {ref}")
    for comp in case.enabled():
        if (
            "redis" in comp.depends_on
            and _secret_ref(case.container(comp), "REDIS_PASSWORD") != ref
        ):
            problems.append(f"{comp.ref}: REDIS_PASSWORD is not Redis's own Secret key {ref}")
    limits_ = compose["deploy"]["resources"]["limits"]
    have = container["resources"]["limits"]
    if (millicpu(have["cpu"]), memory_bytes(have["memory"])) != (
        millicpu(limits_["cpus"]),
        memory_bytes(limits_["memory"]),
    ):
        problems.append(f"redis: limits {have}, compose {limits_}")
    return problems


CHECKS: dict[str, Callable[[Case], list[str]]] = {
    "workloads": workloads,
    "images": images,
    "services": services,
    "probes": probes,
    "env": env,
    "limits": limits,
    "mounts": mounts,
    "security": security,
    "routes": routes,
    "api_versions": api_versions,
    "network": network,
    "secrets": secrets,
    "checkov_skips": checkov_skips,
    "databases": databases,
    "redis": redis,
}


def all_mismatches(case: Case) -> dict[str, list[str]]:
    """Every check's mismatches, by check name (only the failing ones)."""
    found = {name: check(case) for name, check in CHECKS.items()}
    return {name: problems for name, problems in found.items() if problems}
