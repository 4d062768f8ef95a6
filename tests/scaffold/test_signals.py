"""`nox -s new-service` interrupted at any moment: all of it written, or none of it."""

from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import paths
from harness.lint import tools

ROOT = paths.repo_root(Path(__file__))
STEP_S = 0.3
MAX_TRIES = 60


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files (what git sees), copied once."""
    return tools.copy_files(ROOT, tmp_path_factory.mktemp("pristine"))


def _snapshot(root: Path) -> dict[str, str]:
    """Every file's hash, but the harness's own state (.annadata/, where the lock lives)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] != ".annadata"
    }


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_signal_at_any_moment_leaves_all_or_nothing(pristine: Path, tmp_path: Path, signum: int):
    before = _snapshot(pristine)
    outcomes = set()
    # Later and later over the command's life (start-up, planning, writing, the lint check)
    # until a run is caught after its writes: a loaded machine stretches every step.
    for step in range(MAX_TRIES):
        if "all" in outcomes:
            break
        delay = step * STEP_S
        repo = tmp_path / f"repo{step}"
        shutil.copytree(pristine, repo)
        child = subprocess.Popen(
            [sys.executable, "-m", "harness", "--root", str(repo), "new-service", "pest_alerts"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(delay)
        child.send_signal(signum)
        _, err = child.communicate(timeout=120)
        assert "Traceback" not in err, err
        after = _snapshot(repo)
        if (repo / "services/pest_alerts").exists():
            outcomes.add("all")
            # Only the four registrations changed, and nothing was added outside the service
            # (a stray staging directory or temporary file would show here).
            edited = {"services.json", "docker-compose.yml", ".env.example",
                      "docker-compose.override.yml.sample"}  # fmt: skip
            changed = {n for n in after if after[n] != before.get(n)}
            assert {n for n in changed if not n.startswith("services/pest_alerts/")} == edited
            assert set(before) <= set(after)
        else:
            outcomes.add("nothing")
            assert after == before, [n for n in after if after.get(n) != before.get(n)]
    # The signal landed both before the writes and after them, at least once each.
    assert outcomes == {"all", "nothing"}
