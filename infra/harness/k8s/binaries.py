"""Kubernetes 1.20 binaries built from Debian's own source package, cached outside the repo.

No Kubernetes binary can be downloaded here, so the cluster is built from what Debian
ships: bookworm's `kubernetes` source (1.20.2, with its vendor/ tree: it builds offline),
Go 1.19, etcd from the `etcd-server` package and the pause container from the same source
tree. One patch: this machine's containers lack CAP_SYS_RESOURCE, so the kubelet must not
give containers a negative oom_score_adj. The cache key is the recipe (the pins and the
patch); a changed recipe builds into a new directory, and a finished build is marked by its
recipe.json, written last.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness import hostlock, proc
from harness.errors import HarnessError

CACHE_ENV = "ANNADATA_K8S_CACHE"
DEFAULT_CACHE = Path("/var/cache/annadata/kubernetes")
SOURCE_PACKAGE = "kubernetes"
SOURCE_VERSION = "1.20.5+really1.20.2-1.1+deb12u1"
KUBE_VERSION = "v1.20.2"
ETCD_PACKAGE = "etcd-server"
ETCD_VERSION = "3.4.23-4+b4"
GO_PACKAGE = "golang-1.19-go"
GO_BIN = "/usr/lib/go-1.19/bin"
BUILD_PACKAGES = (GO_PACKAGE, "rsync", "gcc", "libc6-dev", "dpkg-dev")
DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
SOURCES = f"""Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: {DEBIAN_KEYRING}
"""
COMPONENTS = (
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
)
BINARIES = (*COMPONENTS, "etcd", "pause")
# (file, text, replacement): each must match exactly once, or the source is not the one pinned.
PATCHES = (
    ("pkg/kubelet/qos/policy.go", "\t\treturn guaranteedOOMScoreAdj\n", "\t\treturn 0\n", 2),
    (
        "pkg/kubelet/dockershim/docker_sandbox.go",
        "defaultSandboxOOMAdj int = -998",
        "defaultSandboxOOMAdj int = 0",
        1,
    ),
)
MARKER = "recipe.json"
APT_TIMEOUT = 900
MAKE_TIMEOUT = 5400
STEP_TIMEOUT = 600


@dataclass(frozen=True)
class Binaries:
    """A finished build: where its binaries are."""

    directory: Path

    def path(self, name: str) -> Path:
        """The binary `name` (kubelet, etcd, pause, ...)."""
        return self.directory / "bin" / name


def recipe() -> dict[str, object]:
    """What decides the binaries: the cache key hashes it."""
    return {
        "source": f"{SOURCE_PACKAGE}={SOURCE_VERSION}",
        "kube_version": KUBE_VERSION,
        "etcd": f"{ETCD_PACKAGE}={ETCD_VERSION}",
        "go": GO_PACKAGE,
        "patches": [list(p) for p in PATCHES],
        "components": list(BINARIES),
    }


def cache_root() -> Path:
    """$ANNADATA_K8S_CACHE, else /var/cache/annadata/kubernetes (outside any checkout)."""
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)


def cache_dir(root: Path | None = None) -> Path:
    """The directory of this recipe's build."""
    key = hashlib.sha256(json.dumps(recipe(), sort_keys=True).encode()).hexdigest()[:12]
    return (root or cache_root()) / f"{KUBE_VERSION}-{key}"


def cached(root: Path | None = None) -> Binaries | None:
    """The finished build of this recipe, or None."""
    directory = cache_dir(root)
    if (directory / MARKER).is_file() and all((directory / "bin" / b).is_file() for b in BINARIES):
        return Binaries(directory)
    return None


def ensure(
    root: Path | None = None, run: proc.Runner = proc.run, say: Callable[[str], None] = print
) -> Binaries:
    """The cached binaries, built first when this recipe has no finished build."""
    found = cached(root)
    if found:
        return found
    directory = cache_dir(root)
    # One build per cache: a second run waits for the first instead of racing it.
    lock = directory.parent / f".{directory.name}.lock"
    with hostlock.held(lock, "building the Kubernetes binaries", say):
        found = cached(root)
        if found:
            return found
        say(
            f"k8s: no cluster binaries in {directory}: building Kubernetes {KUBE_VERSION} from "
            f"Debian's source (about 10-20 minutes on 2 cores; log in {directory}.build/build.log)"
        )
        started = time.monotonic()
        build(directory, run)
        say(f"k8s: cluster binaries built in {time.monotonic() - started:.0f}s")
    found = cached(root)
    if not found:
        raise HarnessError(
            f"k8s: the build finished but {directory} is incomplete: delete it and retry"
        )
    return found


def build(directory: Path, run: proc.Runner = proc.run) -> None:
    """Build every binary into directory (via a scratch directory renamed at the end)."""
    work = directory.with_name(directory.name + ".build")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = work / "build.log"

    def step(
        argv: list[str], what: str, *, timeout: float = STEP_TIMEOUT, **options: object
    ) -> None:
        with log.open("a", encoding="utf-8") as sink:
            sink.write(f"\n$ {' '.join(argv)}\n")
        step_log = work / "step.log"
        step_log.unlink(missing_ok=True)
        done = run(argv, timeout=timeout, log=step_log, **options)
        if step_log.is_file():
            with log.open("a", encoding="utf-8") as sink:
                sink.write(step_log.read_text(encoding="utf-8", errors="replace"))
        if not done.ok:
            raise HarnessError(
                f"k8s: building the cluster binaries failed at {what}: {done.last_error_line()} "
                f"(full log: {log}); fix it and run again, the cache is only written on success"
            )

    step(["apt-get", "update"], "apt-get update", timeout=APT_TIMEOUT)
    step(
        ["apt-get", "install", "--yes", "--no-install-recommends", *BUILD_PACKAGES],
        "installing the build tools",
        timeout=APT_TIMEOUT,
    )
    apt = _private_apt(work)
    step(["apt-get", *apt, "update"], "reading Debian's source index", timeout=APT_TIMEOUT)
    step(
        ["apt-get", *apt, "source", "--download-only", f"{SOURCE_PACKAGE}={SOURCE_VERSION}"],
        f"fetching the {SOURCE_PACKAGE} {SOURCE_VERSION} source (a newer Debian update? "
        f"pin it in {__file__})",
        timeout=APT_TIMEOUT,
        cwd=work,
    )
    dsc = next(work.glob(f"{SOURCE_PACKAGE}_*.dsc"))
    step(["dpkg-source", "--no-check", "-x", dsc.name, "src"], "unpacking the source", cwd=work)
    source = work / "src"
    for relative, text, replacement, count in PATCHES:
        path = source / relative
        content = path.read_text(encoding="utf-8")
        if content.count(text) != count:
            raise HarnessError(
                f"k8s: {relative} has {content.count(text)} of {text.strip()!r}, expected {count}: "
                f"the source is not {SOURCE_VERSION}; update PATCHES in {__file__}"
            )
        path.write_text(content.replace(text, replacement), encoding="utf-8")
    env = {
        "PATH": f"{GO_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(work),
        "GOCACHE": str(work / "gocache"),
        "GOPATH": str(work / "gopath"),
        "GOFLAGS": "-mod=vendor",
        "GOPROXY": "off",
        "CGO_ENABLED": "0",
        "KUBE_GIT_VERSION": KUBE_VERSION,
        "KUBE_GIT_MAJOR": "1",
        "KUBE_GIT_MINOR": KUBE_VERSION.split(".")[1],
        "KUBE_GIT_TREE_STATE": "clean",
    }
    targets = " ".join(f"cmd/{c}" for c in COMPONENTS)
    step(["make", f"WHAT={targets}"], "make (Go build)", timeout=MAKE_TIMEOUT, cwd=source, env=env)
    bin_dir = work / "out" / "bin"
    bin_dir.mkdir(parents=True)
    built = source / "_output" / "local" / "bin" / "linux" / "amd64"
    for name in COMPONENTS:
        shutil.copy2(built / name, bin_dir / name)
    step(
        ["apt-get", "-o", "APT::Sandbox::User=root", "download", f"{ETCD_PACKAGE}={ETCD_VERSION}"],
        f"fetching {ETCD_PACKAGE} {ETCD_VERSION}",
        timeout=APT_TIMEOUT,
        cwd=work,
    )
    deb = next(work.glob(f"{ETCD_PACKAGE}_*.deb"))
    step(["dpkg-deb", "--extract", deb.name, "etcd-root"], "unpacking etcd", cwd=work)
    shutil.copy2(work / "etcd-root" / "usr" / "bin" / "etcd", bin_dir / "etcd")
    # The pause container: PID 1 of every pod, static so its image needs nothing else.
    step(
        ["gcc", "-Os", "-Wall", "-Werror", "-static", "-DVERSION=v3.2-annadata",
         "-o", str(bin_dir / "pause"),
         str(source / "build" / "pause" / "linux" / "pause.c")],
        "compiling pause",
    )  # fmt: skip
    (work / "out" / MARKER).write_text(json.dumps(recipe(), indent=2), encoding="utf-8")
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(work / "out", directory)
    shutil.copy2(log, directory / "build.log")
    shutil.rmtree(work, ignore_errors=True)


def _private_apt(work: Path) -> list[str]:
    """apt options reading only a deb-src list of our own: the host's apt config is untouched."""
    parts = work / "apt" / "sources.list.d"
    lists = work / "apt" / "lists"
    (lists / "partial").mkdir(parents=True)
    parts.mkdir(parents=True)
    (parts / "debian-src.sources").write_text(SOURCES, encoding="utf-8")
    return [
        "-o", "Dir::Etc::SourceList=/dev/null",
        "-o", f"Dir::Etc::SourceParts={parts}",
        "-o", f"Dir::State::Lists={lists}",
        # apt's sandbox user cannot write into our root-owned scratch directory.
        "-o", "APT::Sandbox::User=root",
    ]  # fmt: skip
