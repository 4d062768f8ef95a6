"""`--affected` end to end, in a clone: a change to one backend runs smoke and the attacks on
that backend, the frontend that proxies it and what they depend on, and both pass; a harness
change selects everything. Runs the real sessions, nested, as a developer types them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import paths, proc, registry
from tests import nested

ROOT = paths.repo_root(Path(__file__))
# The nested sessions' venvs persist between runs: later runs skip their installs.
ENVDIR = ROOT / ".nox" / "_affected-checkout"
CHANGED = "services/msp_mitra/backend/app.py"
SESSION_TIMEOUT_S = 1200
# A one-backend change: the stack starts msp_mitra's two components and what they need
# (Traefik reads Docker through its socket proxy).
STARTED = {"msp_mitra-backend", "msp_mitra-frontend", "postgres", "traefik", "socket_proxy"}


def _git(*argv: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *argv],
        cwd=cwd, check=True, capture_output=True, text=True, timeout=120,
    ).stdout.strip()  # fmt: skip


@pytest.fixture
def checkout() -> Iterator[Path]:
    """A clone of this work tree, its uncommitted edits committed: the change is ours alone.

    Afterwards the image tags of that commit (the run's own) are removed; the images keep
    their other tags.
    """
    with nested.place(ENVDIR) as work:
        dest = work / "annadata"
        _git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(dest), cwd=work)
        listed = _git("ls-files", "--cached", "--others", "--exclude-standard", cwd=ROOT)
        for name in listed.splitlines():
            if (ROOT / name).is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, dest / name)
        _git("add", "--all", cwd=dest)
        if _git("status", "--porcelain", cwd=dest):
            _git("commit", "--quiet", "-m", "the work tree under test", cwd=dest)
        yield dest
        tag = _git("rev-parse", "--short=12", "HEAD", cwd=dest)
        if tag != _git("rev-parse", "--short=12", "HEAD", cwd=ROOT):
            listed = proc.run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}}",
                               "--filter", f"reference=annadata/*:{tag}"], timeout=60)  # fmt: skip
            if listed.stdout.split():
                proc.run(["docker", "rmi", *listed.stdout.split()], timeout=120)


def _nox(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "nox", "--envdir", str(ENVDIR), *args]
    done = subprocess.run(
        argv, cwd=checkout, capture_output=True, text=True, timeout=SESSION_TIMEOUT_S
    )
    tail = "\n".join((done.stdout + done.stderr).splitlines()[-60:])
    assert done.returncode == 0, f"`nox {' '.join(args)}` failed in {checkout}:\n{tail}"
    return done


@pytest.mark.docker
@pytest.mark.timeout(2400)
def test_a_one_backend_change_smokes_and_attacks_that_backend_and_its_dependencies_only(
    checkout: Path,
):
    with (checkout / CHANGED).open("a", encoding="utf-8") as sink:
        sink.write("\n# a one-line change\n")
    done = _nox(checkout, "-s", "smoke", "--", "--affected", "HEAD")
    output = done.stdout + done.stderr
    total = len(registry.load(checkout).components())
    assert (
        f"smoke: affected: 2 of {total} components (msp_mitra.backend, msp_mitra.frontend); "
        f"left out {total - 2}, no change reaches them: protein_engineering.backend, "
    ) in output
    assert _started(checkout, "smoke") == STARTED
    # Only that backend's and frontend's checks ran, and they passed.
    assert _ran(checkout, "smoke") == {
        "test_health_is_ok_with_every_dependency[msp_mitra.backend]": True,
        "test_docs_and_openapi_answer[msp_mitra.backend]": True,
        "test_answers_through_traefik_on_its_route[msp_mitra.backend]": True,
        "test_answers_through_traefik_on_its_route[msp_mitra.frontend]": True,
        "test_msp_mitra_round_trips_through_postgres": True,
        "test_frontend_serves_its_page_and_reaches_its_api[msp_mitra.frontend]": True,
        "test_every_started_component_is_healthy_in_compose": True,
    }

    done = _nox(checkout, "-s", "security", "--", "--affected", "HEAD")
    assert (
        f"security: affected: 2 of {total} components (msp_mitra.backend, msp_mitra.frontend); "
    ) in done.stdout + done.stderr
    assert _started(checkout, "security") == STARTED
    # The attacks on those two, and the stack-wide ones on the stack they started.
    backend, frontend = "[msp_mitra.backend]", "[msp_mitra.frontend]"
    assert _ran(checkout, "security") == {
        "test_a_frontend_reaches_its_own_backend_but_not_postgres_or_redis" + frontend: True,
        "test_a_20mb_body_is_413_and_health_keeps_answering" + backend: True,
        "test_a_20mb_body_is_413_at_traefik_on_each_route" + backend: True,
        "test_a_20mb_body_is_413_at_traefik_on_each_route" + frontend: True,
        "test_a_20mb_body_is_413_at_a_frontends_api_proxy" + frontend: True,
        "test_the_socket_proxy_refuses_to_create_a_container": True,
        "test_the_dashboard_answers_the_host_but_no_app_container" + backend: True,
        "test_the_dashboard_answers_the_host_but_no_app_container" + frontend: True,
        "test_every_container_drops_privileges_and_has_a_pids_limit": True,
        "test_a_container_cannot_start_threads_past_its_pids_limit": True,
    }


def _started(checkout: Path, suite: str) -> set[str]:
    """The services the suite's one stack ran: each container's log is saved in its report."""
    runs = list((checkout / "reports" / "smoke").glob(f"annadata-{suite}-*"))
    assert len(runs) == 1, runs
    return {log.stem for log in (runs[0] / "logs").glob("*.log")}


def _ran(checkout: Path, suite: str) -> dict[str, bool]:
    """Test name -> passed, from the suite's JUnit report."""
    path = checkout / "reports" / "junit" / f"{suite}.xml"
    cases = ET.parse(path).getroot().iter("testcase")  # noqa: S314 - our own report
    return {c.get("name", ""): not list(c) for c in cases}


def test_a_harness_change_selects_everything(checkout: Path):
    with (checkout / "infra/harness/proc.py").open("a", encoding="utf-8") as sink:
        sink.write("\n# a one-line change\n")
    done = _nox(checkout, "-s", "affected", "--", "--base", "HEAD", "--format", "json")
    data = json.loads(done.stdout)
    assert data["everything"] == "infra/harness/proc.py → harness core"
    assert all(plan["run"] and plan["targets"] is None for plan in data["sessions"].values())
