"""The local cluster for tests/k8s: started once for test_cluster.py, gone before test_restored.py.

`nox -s k8s` builds the cluster binaries and the images first; run by hand, do the same
(`python -m harness k8s --build-only`, `nox -s build`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import git, paths, proc, registry, reports
from harness.k8s import binaries, cluster, release, session, tools

ROOT = paths.repo_root(Path(__file__))
REPORTS = ROOT / reports.K8S_DIR


@pytest.fixture(scope="session")
def record() -> dict[str, Any]:
    """What test_restored.py needs to know about the cluster that ran (and its timings)."""
    return {"timings": {}, "images": []}


@pytest.fixture(scope="session")
def reg() -> registry.Registry:
    """The service registry."""
    return registry.load(ROOT)


@pytest.fixture(scope="session")
def say(pytestconfig: pytest.Config) -> Callable[[str], None]:
    """Write a line straight to the terminal (a diagnosis must not wait in capture)."""
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")

    def write(line: str) -> None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)

    return write


def _save_timings(record: dict[str, Any]) -> None:
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / session.TIMINGS_FILE).write_text(json.dumps(record["timings"]), encoding="utf-8")


@pytest.fixture(scope="module")
def local_cluster(record, say) -> Iterator[cluster.Cluster]:
    """A cluster for one module; its teardown restores the machine (or fails, saying what)."""
    found = binaries.cached()
    assert found, "no cluster binaries: run `python -m harness k8s --build-only` (nox -s k8s does)"
    logs = REPORTS / time.strftime("%Y%m%d-%H%M%S") / "logs"
    instance = cluster.Cluster(found, tools.tools(), logs=logs, say=say)
    record["cluster"] = instance
    try:
        instance.start()
        yield instance
    finally:
        try:
            instance.stop()
        finally:
            # The tests' images go once no container of the cluster uses them.
            if record["images"]:
                proc.run(["docker", "image", "rm", *record["images"]], timeout=180)
            record["timings"].update({f"cluster {k}": v for k, v in instance.timings.items()})
            _save_timings(record)


@pytest.fixture(scope="module")
def installed(local_cluster, record, say) -> release.Release:
    """The chart installed with the test-cluster values, every pod Ready."""
    try:
        found = release.install(local_cluster, ROOT, git.short_sha(ROOT), say=say)
    except release.ReleaseError as exc:
        local_cluster.stop()
        pytest.exit(str(exc), returncode=1)
    record["timings"]["pods ready after helm install"] = found.timings["install"]
    # A figure for the session's table, not a goal: measured once every pod is Ready.
    memory = local_cluster.memory_mb()
    record["timings"].update({f"MB {name}": mb for name, mb in memory.items()})
    record["timings"]["MB in all"] = sum(memory.values())
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """A failing test on the release prints its pods, events and log tails, as smoke does."""
    report = yield
    installed = item.funcargs.get("installed") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and installed is not None:
        headline = installed.diagnose(
            item.config.pluginmanager.get_plugin("terminalreporter").write_line
        )
        report.sections.append(("k8s", f"pods: {headline}; their logs in {installed.cluster.logs}"))
    return report


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One client, a new connection per request (kube-proxy may pick another pod each time)."""
    with httpx.Client(
        timeout=httpx.Timeout(10.0), limits=httpx.Limits(max_keepalive_connections=0)
    ) as client:
        yield client
