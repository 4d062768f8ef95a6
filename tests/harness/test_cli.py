"""The command line as a user meets it: one line on stderr, exit status 2, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from harness import paths

ROOT = paths.repo_root(Path(__file__))


def _harness(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *argv],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env={**os.environ, **env},
    )  # fmt: skip


def test_smoke_with_an_unreachable_engine_says_what_to_do_in_one_line(tmp_path: Path):
    reports = ROOT / "reports" / "smoke"
    before = set(reports.iterdir()) if reports.is_dir() else set()
    done = _harness("smoke", "--no-provision", DOCKER_HOST=f"unix://{tmp_path}/no.sock")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: no Docker engine answers at DOCKER_HOST=unix://{tmp_path}")
    assert "`docker info`" in lines[0]
    after = set(reports.iterdir()) if reports.is_dir() else set()
    assert after == before  # no run directory, no half-written files


def test_an_unknown_profile_names_the_known_ones(tmp_path: Path):
    done = _harness("smoke", "--profile", "gpu", DOCKER_HOST=f"unix://{tmp_path}/no.sock")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: services.json: no profile 'gpu' (known: default, ml)"


def test_unknown_arguments_of_other_commands_are_refused():
    done = _harness("registry", "--bogus")
    assert done.returncode == 2
    assert "unrecognized arguments: --bogus" in done.stderr


def test_smoke_refuses_a_project_name_of_the_users_choosing(tmp_path: Path):
    # Its teardown is `down --volumes`: on `annadata` it would delete the dev stack's data.
    for argv in (["--project-name", "annadata"], ["--image-tag=old"]):
        done = _harness("smoke", *argv, DOCKER_HOST=f"unix://{tmp_path}/no.sock")
        assert done.returncode == 2
        assert done.stderr.strip().startswith(f"error: smoke: {argv[0].split('=')[0]} is set by")


def test_contract_against_a_base_that_does_not_exist_fails_before_any_work(tmp_path: Path):
    done = _harness("contract", "--base", "origin/mian", DOCKER_HOST=f"unix://{tmp_path}/no.sock")
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: git ref 'origin/mian' names no commit in ")
    assert len(done.stderr.strip().splitlines()) == 1
