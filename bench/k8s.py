"""Print the production path's figures: cluster build and start, install, memory, sessions.

Usage: nox -s bench -- k8s [--cold] [--sessions]
  cluster start (warm)   a cluster from the cached binaries until its node is Ready
  pods Ready (k8s)       `helm install --wait` of every component (every profile) until Ready
  compose up --wait      the same components and images with the smoke's override, same run
  memory                 resident memory of each cluster process and the pods' containers
  --cold                 also build the cluster binaries into a scratch cache (~10-20 min)
  --sessions             also time `nox -s chart` and `nox -s k8s`
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import registry
from harness.docker import compose
from harness.docker.prepare import prepare
from harness.k8s import binaries, cluster, release, tools
from harness.smoke import stack_for

ROOT = Path(__file__).resolve().parents[1]


def _cold_build() -> float:
    with tempfile.TemporaryDirectory(prefix="annadata-k8s-cold-", dir="/var/tmp") as scratch:
        started = time.monotonic()
        binaries.ensure(Path(scratch))
        return time.monotonic() - started


def _session(name: str) -> float:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "nox", "-s", name], cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"nox -s {name} failed")
    return time.monotonic() - started


def _cluster_figures(tag: str) -> dict[str, float]:
    figures: dict[str, float] = {}
    logs = ROOT / "reports" / "bench" / f"k8s-{time.strftime('%Y%m%d-%H%M%S')}"
    with cluster.Cluster(binaries.ensure(), tools.tools(), logs=logs) as instance:
        figures["cluster start (warm) s"] = instance.timings["start"]
        figures["  of which API server ready s"] = instance.timings["apiserver"]
        figures["  of which node Ready s"] = instance.timings["node"]
        installed = release.install(instance, ROOT, tag)
        figures["pods Ready after helm install s"] = installed.timings["install"]
        memory = instance.memory_mb()
        figures.update({f"memory {name} MB": mb for name, mb in memory.items()})
        figures["memory in all MB"] = sum(memory.values())
    return figures


def _compose_up(tag: str) -> float:
    name = compose.unique_name("annadata-bench-k8s")
    stack = stack_for(
        ROOT, registry.load(ROOT), project=name, profiles=None, tag=tag,
        image_env=release.image_env(ROOT), say=lambda _: None,
    )  # fmt: skip
    try:
        stack.up()
        return stack.timings["up"]
    finally:
        stack.down()


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="also build the binaries cold")
    parser.add_argument("--sessions", action="store_true", help="also time nox -s chart and k8s")
    args = parser.parse_args()
    os.environ.setdefault("ANNADATA_ROOT", str(ROOT))
    reg = registry.load(ROOT)
    tag = prepare(ROOT, reg, reg.components()).tag
    figures: dict[str, float] = {}
    if args.cold:
        figures["cluster binaries, cold build s"] = _cold_build()
    components = len(registry.load(ROOT).components())
    figures.update(_cluster_figures(tag))
    figures[f"compose up --wait, same {components} components s"] = _compose_up(tag)
    if args.sessions:
        for name in ("chart", "k8s"):
            figures[f"nox -s {name} s"] = _session(name)
    width = max(len(k) for k in figures)
    print(f"k8s bench ({secrets.token_hex(2)}), images {tag}:")
    for key, value in figures.items():
        print(f"  {key:<{width}} {value:8.1f}")


if __name__ == "__main__":
    main()
