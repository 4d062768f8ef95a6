"""A single-node Kubernetes 1.20 cluster on this machine, as a context manager.

etcd, the API server, controller manager, scheduler, kubelet (dockershim on the shared
Docker engine) and kube-proxy run as processes of this run. Every port is on 127.0.0.1 and
every file under one run directory. Entering snapshots what the cluster will change on the
machine; leaving stops every process, removes the pods' containers, the KUBE-* iptables
chains, the kubelet's mounts, the files and the pause image it made, writes the kernel
settings back, and checks the machine against the snapshot (one line per difference).

Pods get no cluster DNS (there is no CoreDNS image here): the chart finds Services through
the variables Kubernetes sets in every pod (<NAME>_SERVICE_HOST and _PORT).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tarfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import httpx

from harness import proc
from harness.errors import HarnessError
from harness.k8s import hoststate
from harness.k8s.binaries import Binaries
from harness.k8s.tools import Tools

RUN_ROOT = Path(os.environ.get("ANNADATA_K8S_RUN_ROOT", "/var/lib/annadata-k8s"))
# The node's name is its address too: the API server reaches the kubelet by it (Hostname),
# because a node's InternalIP may not be a loopback address.
NODE = "localhost"
SERVICE_CIDR = "10.233.0.0/24"
NODE_PORTS = "31000-31999"
PAUSE_IMAGE = "annadata-local/k8s-pause:3.2"
# dockershim labels every container it makes with this; nothing else on the engine does.
DOCKERSHIM_LABEL = "io.kubernetes.docker.type"
OWNER_LABEL = "annadata.k8s"
START_TIMEOUT = 180
STOP_TIMEOUT = 20
LOG_TAIL = 25


class ClusterError(HarnessError):
    """The cluster did not come up, or did not leave the machine as it found it."""


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = LOG_TAIL) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return []


class Cluster:
    """One throwaway cluster; see the module doc. Use as `with Cluster(...) as cluster:`."""

    def __init__(
        self,
        binaries: Binaries,
        tools: Tools,
        *,
        logs: Path,
        run_id: str | None = None,
        run: proc.Runner = proc.run,
        say: Callable[[str], None] = print,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.binaries = binaries
        self.tools = tools
        self.logs = logs
        self.run_id = run_id or secrets.token_hex(4)
        self.dir = RUN_ROOT / self.run_id
        self.say = say
        self.start_timeout = start_timeout
        self.timings: dict[str, float] = {}
        self.before: hoststate.Snapshot | None = None
        self.pids: dict[str, int] = {}
        self.built_pause = False
        self._run = run
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._sinks: list[IO[bytes]] = []
        self._stopped = False
        self.ports: dict[str, int] = {}

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Snapshot the machine, then start every component and wait for a Ready node."""
        started = time.monotonic()
        self._refuse_leftovers()
        self.before = hoststate.take(self._run)
        # Until stop(): SIGTERM (CI cancelling) unwinds like Ctrl-C, so teardown runs.
        self._sigterm = signal.signal(signal.SIGTERM, _interrupt)
        try:
            self._prepare()
            self._start_etcd()
            self._start_apiserver()
            self._start_controllers()
            self._ensure_pause_image()
            self._start_node()
            self._wait_node_ready()
        except BaseException:
            self.stop()
            raise
        self.timings["start"] = time.monotonic() - started
        self.say(
            f"k8s: cluster {self.run_id} up in {self.timings['start']:.1f}s "
            f"(API server 127.0.0.1:{self.ports['apiserver']})"
        )

    def stop(self) -> None:
        """Tear everything down and restore the machine; ClusterError lists what is left."""
        if self._stopped:
            return
        self._stopped = True
        started = time.monotonic()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        problems: list[str] = []
        try:
            for name in ("kube-proxy", "kubelet"):
                self._stop_process(name)
            problems += self._remove_containers()
            for name in ("kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"):
                self._stop_process(name)
            problems += hoststate.remove_kube_rules(self._run)
            if self.before is not None:
                problems += hoststate.remove_new_tables(self.before, self._run)
            left = hoststate.unmount_under(self.dir, self._run) if self.dir.exists() else []
            problems += [f"still mounted: {point}" for point in left]
            if self.before is not None:
                restored = hoststate.restore_sysctls(self.before)
                if restored:
                    self.say(f"k8s: restored kernel settings: {', '.join(restored)}")
                hoststate.remove_new_entries(self.before, self.say)
            if self.built_pause:
                done = self._run(["docker", "image", "rm", PAUSE_IMAGE], timeout=60)
                if not done.ok:
                    problems.append(f"pause image {PAUSE_IMAGE}: {done.last_error_line()}")
            if not left:
                shutil.rmtree(self.dir, ignore_errors=True)
                with contextlib.suppress(OSError):
                    RUN_ROOT.rmdir()  # only when no other run's directory is in it
            for sink in self._sinks:
                sink.close()
            problems += self.leftovers()
        finally:
            signal.signal(signal.SIGINT, previous)
            if getattr(self, "_sigterm", None) is not None:
                signal.signal(signal.SIGTERM, self._sigterm)
            self.timings["stop"] = time.monotonic() - started
        if problems:
            raise ClusterError(
                f"k8s: cluster {self.run_id} did not leave the machine as it found it: "
                f"{'; '.join(problems[:5])}{' ...' if len(problems) > 5 else ''} "
                f"({len(problems)} in all; component logs in {self.logs})"
            )
        self.say(
            f"k8s: cluster {self.run_id} removed in {self.timings['stop']:.1f}s; machine restored"
        )

    def leftovers(self) -> list[str]:
        """What of this cluster is still on the machine, one line each (empty when nothing)."""
        found = [
            f"{name} (pid {pid}) still running" for name, pid in self.pids.items() if _alive(pid)
        ]
        containers = self._containers()
        if containers:
            found.append(f"{len(containers)} k8s_* containers remain")
        if self.built_pause and self._image_exists(PAUSE_IMAGE):
            found.append(f"image {PAUSE_IMAGE} remains")
        if self.dir.exists():
            found.append(f"{self.dir} remains")
        if self.before is not None:
            found += hoststate.differences(self.before, hoststate.take(self._run))
        return found

    # --- using it ----------------------------------------------------------------------------

    @property
    def kubeconfig(self) -> Path:
        """The admin kubeconfig (client certificate of system:masters)."""
        return self.dir / "admin.kubeconfig"

    def env(self) -> dict[str, str]:
        """Environment for kubectl and helm: this cluster, helm's state in the run directory."""
        env = dict(os.environ)
        env.update(
            {
                "KUBECONFIG": str(self.kubeconfig),
                "HELM_CACHE_HOME": str(self.dir / "helm" / "cache"),
                "HELM_CONFIG_HOME": str(self.dir / "helm" / "config"),
                "HELM_DATA_HOME": str(self.dir / "helm" / "data"),
            }
        )
        return env

    def kubectl(self, *args: str, timeout: float = 60, stdin: str | None = None) -> proc.Result:
        """Run kubectl against this cluster."""
        return self._run(
            [str(self.tools.kubectl), *args], timeout=timeout, env=self.env(), stdin=stdin
        )

    def helm(self, *args: str, timeout: float = 600) -> proc.Result:
        """Run helm against this cluster."""
        return self._run([str(self.tools.helm), *args], timeout=timeout, env=self.env())

    def apply(self, objects: Sequence[Mapping[str, Any]]) -> None:
        """kubectl apply objects given as data (secrets never appear in an argument list)."""
        document = json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)})
        done = self.kubectl("apply", "-f", "-", stdin=document)
        if not done.ok:
            raise ClusterError(f"k8s: kubectl apply failed: {done.last_error_line()}")

    def memory_mb(self) -> dict[str, float]:
        """Resident memory of each component process and, together, of the pods' containers."""
        found = {name: _rss_mb(pid) for name, pid in self.pids.items() if _alive(pid)}
        ids = self._containers()
        if ids:
            done = self._run(
                ["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", *ids], timeout=120
            )
            found["pods (containers)"] = sum(
                _mem_mb(line.split("/")[0]) for line in done.stdout.splitlines()
            )
        return found

    # --- starting ----------------------------------------------------------------------------

    def _refuse_leftovers(self) -> None:
        containers = self._containers()
        if containers:
            raise ClusterError(
                f"k8s: {len(containers)} containers labelled {DOCKERSHIM_LABEL} exist: another "
                "kubelet uses this engine, or a run crashed; if none runs, remove them with "
                f"`docker rm -f $(docker ps -aq --filter label={DOCKERSHIM_LABEL})`"
            )
        chains = [
            line
            for rules in hoststate.iptables(self._run).values()
            for line in rules
            if line.startswith(":KUBE-")
        ]
        if chains:
            raise ClusterError(
                f"k8s: iptables has Kubernetes chains ({chains[0][1:]}): another kube-proxy "
                "runs, or a run "
                "crashed; if none runs, remove them: `python -m harness k8s --clean`"
            )

    def _prepare(self) -> None:
        for sub in ("pki", "etcd", "kubelet", "dockershim", "helm"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o700)
        self.logs.mkdir(parents=True, exist_ok=True)
        for name in (
            "etcd",
            "etcd-peer",
            "apiserver",
            "controller-manager",
            "scheduler",
            "kubelet",
            "kubelet-healthz",
            "proxy-healthz",
            "proxy-metrics",
        ):
            self.ports[name] = free_port()
        pki = self.dir / "pki"
        self._openssl("genrsa", "-out", str(pki / "ca.key"), "2048")
        self._openssl("req", "-x509", "-new", "-key", str(pki / "ca.key"), "-days", "2",
                      "-subj", f"/CN=annadata-k8s-ca-{self.run_id}",
                      "-out", str(pki / "ca.crt"))  # fmt: skip
        self._certificate(
            "apiserver",
            "/CN=kube-apiserver",
            "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.233.0.1",
            "serverAuth",
        )
        self._certificate("admin", "/O=system:masters/CN=annadata-admin", None, "clientAuth")
        self._openssl("genrsa", "-out", str(pki / "sa.key"), "2048")
        self._openssl("rsa", "-in", str(pki / "sa.key"), "-pubout", "-out", str(pki / "sa.pub"))
        server = f"https://127.0.0.1:{self.ports['apiserver']}"
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": NODE,
                    "cluster": {"server": server, "certificate-authority": str(pki / "ca.crt")},
                }
            ],
            "users": [
                {
                    "name": "admin",
                    "user": {
                        "client-certificate": str(pki / "admin.crt"),
                        "client-key": str(pki / "admin.key"),
                    },
                }
            ],
            "contexts": [{"name": NODE, "context": {"cluster": NODE, "user": "admin"}}],
            "current-context": NODE,
        }
        self.kubeconfig.write_text(json.dumps(config), encoding="utf-8")
        self.kubeconfig.chmod(0o600)

    def _openssl(self, *args: str) -> None:
        done = self._run(["openssl", *args], timeout=60)
        if not done.ok:
            raise ClusterError(f"k8s: openssl {args[0]} failed: {done.last_error_line()}")

    def _certificate(self, name: str, subject: str, san: str | None, usage: str) -> None:
        pki = self.dir / "pki"
        self._openssl("genrsa", "-out", str(pki / f"{name}.key"), "2048")
        req = [
            "req",
            "-new",
            "-key",
            str(pki / f"{name}.key"),
            "-subj",
            subject,
            "-out",
            str(pki / f"{name}.csr"),
        ]
        req += ["-addext", f"extendedKeyUsage={usage}"]
        if san:
            req += ["-addext", san]
        self._openssl(*req)
        self._openssl("x509", "-req", "-in", str(pki / f"{name}.csr"), "-CA", str(pki / "ca.crt"),
                      "-CAkey", str(pki / "ca.key"), "-CAcreateserial", "-days", "2",
                      "-copy_extensions", "copyall", "-out", str(pki / f"{name}.crt"))  # fmt: skip

    def _spawn(self, name: str, argv: Sequence[str]) -> None:
        log = self.logs / f"{name}.log"
        sink = log.open("ab")
        self._sinks.append(sink)
        # Its own session: a Ctrl-C at the terminal reaches us, and we stop it in order.
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._procs[name] = process
        self.pids[name] = process.pid

    def _wait(self, what: str, check: Callable[[], bool], components: Sequence[str]) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            for name in components:
                code = self._procs[name].poll()
                if code is not None:
                    tail = _tail(self.logs / f"{name}.log", 5)
                    raise ClusterError(
                        f"k8s: {name} exited ({code}) while waiting for {what}: "
                        f"{tail[-1] if tail else 'no output'}; log: {self.logs / f'{name}.log'}"
                    )
            if check():
                return
            time.sleep(0.5)
        raise ClusterError(
            f"k8s: {what} not within {self.start_timeout:g}s; logs of "
            f"{', '.join(components)} in {self.logs}"
        )

    def _start_etcd(self) -> None:
        client, peer = self.ports["etcd"], self.ports["etcd-peer"]
        self._spawn("etcd", [
            str(self.binaries.path("etcd")), "--name", NODE, "--data-dir", str(self.dir / "etcd"),
            "--listen-client-urls", f"http://127.0.0.1:{client}",
            "--advertise-client-urls", f"http://127.0.0.1:{client}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-cluster", f"{NODE}=http://127.0.0.1:{peer}",
            "--logger", "zap", "--log-level", "warn",
        ])  # fmt: skip

        def healthy() -> bool:
            try:
                body = httpx.get(f"http://127.0.0.1:{client}/health", timeout=2).json()
                return isinstance(body, dict) and body.get("health") == "true"
            except (httpx.HTTPError, ValueError):
                return False

        self._wait("etcd to be healthy", healthy, ["etcd"])

    def _start_apiserver(self) -> None:
        pki = self.dir / "pki"
        self._spawn("kube-apiserver", [
            str(self.binaries.path("kube-apiserver")),
            "--etcd-servers", f"http://127.0.0.1:{self.ports['etcd']}",
            "--etcd-prefix", f"/annadata-{self.run_id}",
            "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
            "--secure-port", str(self.ports["apiserver"]), "--insecure-port", "0",
            "--cert-dir", str(pki),
            "--tls-cert-file", str(pki / "apiserver.crt"),
            "--tls-private-key-file", str(pki / "apiserver.key"),
            "--client-ca-file", str(pki / "ca.crt"),
            "--kubelet-client-certificate", str(pki / "admin.crt"),
            "--kubelet-client-key", str(pki / "admin.key"),
            "--kubelet-preferred-address-types", "Hostname",
            "--service-account-issuer", "https://kubernetes.default.svc",
            "--service-account-key-file", str(pki / "sa.pub"),
            "--service-account-signing-key-file", str(pki / "sa.key"),
            "--service-cluster-ip-range", SERVICE_CIDR, "--service-node-port-range", NODE_PORTS,
            "--authorization-mode", "Node,RBAC",
            # 127.0.0.1 is no valid Endpoints address: nothing in a pod talks to the API anyway.
            "--endpoint-reconciler-type", "none",
            "--allow-privileged=false", "--profiling=false", "--v", "1",
        ])  # fmt: skip
        url = f"https://127.0.0.1:{self.ports['apiserver']}/readyz"
        context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        context.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))

        def ready() -> bool:
            try:
                return httpx.get(url, verify=context, timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        started = time.monotonic()
        self._wait("the API server to be ready", ready, ["etcd", "kube-apiserver"])
        self.timings["apiserver"] = time.monotonic() - started

    def _start_controllers(self) -> None:
        pki = self.dir / "pki"
        common = [
            "--kubeconfig",
            str(self.kubeconfig),
            "--bind-address",
            "127.0.0.1",
            "--port",
            "0",
            "--leader-elect=false",
            "--v",
            "1",
        ]
        self._spawn("kube-controller-manager", [
            str(self.binaries.path("kube-controller-manager")), *common,
            "--secure-port", str(self.ports["controller-manager"]),
            "--authentication-kubeconfig", str(self.kubeconfig),
            "--authorization-kubeconfig", str(self.kubeconfig),
            "--service-account-private-key-file", str(pki / "sa.key"),
            "--root-ca-file", str(pki / "ca.crt"),
            "--use-service-account-credentials=false", "--allocate-node-cidrs=false",
            "--flex-volume-plugin-dir", str(self.dir / "kubelet" / "volume-plugins"),
            "--service-cluster-ip-range", SERVICE_CIDR,
        ])  # fmt: skip
        self._spawn("kube-scheduler", [
            str(self.binaries.path("kube-scheduler")), *common,
            "--secure-port", str(self.ports["scheduler"]),
            "--authentication-kubeconfig", str(self.kubeconfig),
            "--authorization-kubeconfig", str(self.kubeconfig),
        ])  # fmt: skip

    def _image_exists(self, ref: str) -> bool:
        return self._run(["docker", "image", "inspect", "--format", "{{.Id}}", ref], timeout=30).ok

    def _ensure_pause_image(self) -> None:
        """The pods' infra image, built from the cached static pause binary when missing."""
        if self._image_exists(PAUSE_IMAGE):
            return
        # Imported, not built `FROM scratch`: the classic builder's cache lookup for a
        # scratch parent reads every local image, and failed ("unable to find image") when
        # another run removed one of them at that moment.
        layer = self.dir / "pause-image.tar"
        with tarfile.open(layer, "w") as tar:
            tar.add(self.binaries.path("pause"), arcname="pause")
        done = self._run(
            ["docker", "import", "--change", "USER 65535:65535",
             "--change", 'ENTRYPOINT ["/pause"]',
             "--change", f"LABEL {OWNER_LABEL}.pause={self.run_id}",
             str(layer), PAUSE_IMAGE],
            timeout=120,
        )  # fmt: skip
        if not done.ok:
            raise ClusterError(f"k8s: building {PAUSE_IMAGE} failed: {done.last_error_line()}")
        self.built_pause = True

    def _start_node(self) -> None:
        kubelet_dir = self.dir / "kubelet"
        self._spawn("kubelet", [
            str(self.binaries.path("kubelet")),
            "--kubeconfig", str(self.kubeconfig), "--hostname-override", NODE,
            "--root-dir", str(kubelet_dir), "--cert-dir", str(kubelet_dir / "pki"),
            "--container-runtime", "docker", "--docker-endpoint", "unix:///var/run/docker.sock",
            "--experimental-dockershim-root-directory", str(self.dir / "dockershim"),
            "--container-runtime-endpoint", f"unix://{self.dir / 'dockershim.sock'}",
            "--image-service-endpoint", f"unix://{self.dir / 'dockershim.sock'}",
            "--pod-infra-container-image", PAUSE_IMAGE,
            "--volume-plugin-dir", str(kubelet_dir / "volume-plugins"),
            "--seccomp-profile-root", str(kubelet_dir / "seccomp"),
            "--cgroup-driver", "cgroupfs", "--cgroups-per-qos=false", "--enforce-node-allocatable=",
            "--fail-swap-on=false", "--oom-score-adj", "0",
            # The engine is shared: the kubelet must never delete an image, nor evict for disk.
            "--image-gc-high-threshold", "100", "--image-gc-low-threshold", "99",
            "--eviction-hard", "memory.available<1Mi,nodefs.available<1%,imagefs.available<1%",
            "--address", "127.0.0.1", "--port", str(self.ports["kubelet"]), "--read-only-port", "0",
            "--healthz-bind-address", "127.0.0.1",
            "--healthz-port", str(self.ports["kubelet-healthz"]),
            "--anonymous-auth=false", "--client-ca-file", str(self.dir / "pki" / "ca.crt"),
            "--authorization-mode", "AlwaysAllow",
            "--resolv-conf", "/etc/resolv.conf", "--max-pods", "40", "--v", "1",
        ])  # fmt: skip
        self._spawn("kube-proxy", [
            str(self.binaries.path("kube-proxy")),
            "--kubeconfig", str(self.kubeconfig), "--hostname-override", NODE,
            "--proxy-mode", "iptables", "--bind-address", "127.0.0.1",
            # NodePorts answer on 127.0.0.1 only; every Service connection is masqueraded so
            # replies between pods on the one bridge take the same way back.
            "--nodeport-addresses", "127.0.0.0/8", "--masquerade-all=true",
            # 0: leave the machine's conntrack settings alone.
            "--conntrack-max-per-core", "0", "--conntrack-tcp-timeout-established", "0",
            "--conntrack-tcp-timeout-close-wait", "0", "--oom-score-adj", "0",
            "--healthz-bind-address", f"127.0.0.1:{self.ports['proxy-healthz']}",
            "--metrics-bind-address", f"127.0.0.1:{self.ports['proxy-metrics']}",
            "--v", "1",
        ])  # fmt: skip

    def _wait_node_ready(self) -> None:
        started = time.monotonic()
        query = '{.status.conditions[?(@.type=="Ready")].status}'

        def ready() -> bool:
            done = self.kubectl("get", "node", NODE, "--output", f"jsonpath={query}", timeout=20)
            return done.ok and done.stdout.strip() == "True"

        self._wait(f"node {NODE} to be Ready", ready, list(self._procs))
        self.timings["node"] = time.monotonic() - started

    # --- stopping ----------------------------------------------------------------------------

    def _stop_process(self, name: str) -> None:
        process = self._procs.get(name)
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)

    def _containers(self) -> list[str]:
        done = self._run(
            ["docker", "ps", "--all", "--quiet", "--filter", f"label={DOCKERSHIM_LABEL}"],
            timeout=60,
        )
        return done.stdout.split()

    def _remove_containers(self) -> list[str]:
        ids = self._containers()
        if not ids:
            return []
        done = self._run(["docker", "rm", "--force", "--volumes", *ids], timeout=180)
        return [] if done.ok else [f"docker rm of the pods' containers: {done.last_error_line()}"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie of ours is gone for every purpose but its table entry.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _mem_mb(text: str) -> float:
    text = text.strip()
    for unit, factor in (("GiB", 1024.0), ("MiB", 1.0), ("KiB", 1 / 1024), ("B", 1 / 2**20)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return 0.0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
