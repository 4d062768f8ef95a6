"""The command line as a user meets it: one line on stderr, exit status 2, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from harness import cli, paths

ROOT = paths.repo_root(Path(__file__))
Harness = Callable[..., subprocess.CompletedProcess[str]]


def _harness(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m harness ARGV` as a user runs it: its own process."""
    return subprocess.run(
        [sys.executable, "-m", "harness", *argv],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env={**os.environ, **env},
    )  # fmt: skip


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Harness:
    """`cli.main` in this process, for refusals made before any work (a process costs 0.2 s).

    What reaches an engine or a registry decides settings for the process; those tests run
    `_harness`, and one of them proves the entry point itself.
    """

    def call(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
        capsys.readouterr()
        # Each call sees only its own variables, as each process did.
        with monkeypatch.context() as scoped:
            scoped.chdir(ROOT)
            for variable, value in env.items():
                scoped.setenv(variable, value)
            try:
                status = cli.main(argv)
            except SystemExit as exc:  # argparse's refusals
                status = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(argv), status, out, err)

    return call


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


def test_an_unknown_profile_names_the_known_ones(tmp_path: Path, harness: Harness):
    done = harness("smoke", "--profile", "gpu", DOCKER_HOST=f"unix://{tmp_path}/no.sock")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: services.json: no profile 'gpu' (known: default, ml)"


def test_unknown_arguments_of_other_commands_are_refused(harness: Harness):
    done = harness("registry", "--bogus")
    assert done.returncode == 2
    assert "unrecognized arguments: --bogus" in done.stderr


def test_smoke_refuses_a_project_name_of_the_users_choosing(tmp_path: Path, harness: Harness):
    # Its teardown is `down --volumes`: on `annadata` it would delete the dev stack's data.
    for argv in (["--project-name", "annadata"], ["--image-tag=old"]):
        done = harness("smoke", *argv, DOCKER_HOST=f"unix://{tmp_path}/no.sock")
        assert done.returncode == 2
        assert done.stderr.strip().startswith(f"error: smoke: {argv[0].split('=')[0]} is set by")


def test_contract_against_a_base_that_does_not_exist_fails_before_any_work(
    tmp_path: Path, harness: Harness
):
    done = harness("contract", "--base", "origin/mian", DOCKER_HOST=f"unix://{tmp_path}/no.sock")
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: git ref 'origin/mian' names no commit in ")
    assert len(done.stderr.strip().splitlines()) == 1


def _dead(tmp_path: Path) -> dict[str, str]:
    return {"DOCKER_HOST": f"unix://{tmp_path}/no.sock"}


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["smoke", "--wait-timeout", "0"], "argument --wait-timeout: 0 must be at least 1 second"),
        (["smoke", "--wait-timeout", "-5"], "argument --wait-timeout: -5 must be at least 1"),
        (["smoke", "--wait-timeout", "soon"], "argument --wait-timeout: 'soon' is not a whole"),
        (["contract", "--base", ""], "argument --base: an empty value"),
        (["lint", "--output", ""], "argument --output: an empty value"),
        (["--root", "", "registry"], "argument --root: an empty value"),
        (["registry", "--bogus"], "unrecognized arguments: --bogus"),
        (["bases", "--force", "unknown"], "no stand-in named 'unknown' (known: debian, "),
        (["bases", ""], "no stand-in named '' (known: debian, "),
        (["build", "--", "nonexistent"], "no service or component 'nonexistent' (known: "),
        (["new-service", "pest/alerts"], "invalid service name 'pest/alerts': use snake_case"),
        (["new-service", "péstalerts"], "invalid service name 'péstalerts': use snake_case"),
        (["new-service", "pest_alerts", "--profile", ""], "invalid profile '': use a snake_case"),
        (["publish", "--registry", "", "--dry-run"], "publish: registry '' is not a registry"),
    ],
)  # fmt: skip
def test_bad_arguments_are_one_line_before_any_work(
    tmp_path: Path, harness: Harness, argv: list[str], expected: str
):
    # Before: --wait-timeout 0 or -5 reached compose, --base '' meant "the default base",
    # --output '' wrote to the current directory, bases checked names only after an engine
    # answered; argparse printed its usage over several lines.
    line = _one_line(harness(*argv, **_dead(tmp_path)))
    assert expected in line, line
    assert line.startswith("error: ")


def test_a_root_that_is_a_file_or_nothing_is_named_as_the_setting(tmp_path: Path, harness: Harness):
    # Before: both said "services.json: cannot read the service registry".
    for path, what in ((tmp_path / "nothing", "does not exist"), (ROOT / "README.md", "is not a")):
        line = _one_line(harness("--root", str(path), "registry"))
        assert line.startswith(f"error: --root={path}: {what}"), line
        line = _one_line(harness("registry", ANNADATA_ROOT=str(path)))
        assert line.startswith(f"error: ANNADATA_ROOT={path}: {what}"), line
    line = _one_line(harness("registry", ANNADATA_ROOT=str(tmp_path)))
    assert line == (
        f"error: ANNADATA_ROOT={tmp_path}: no services.json there: point it at the Annadata "
        "checkout"
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [("ANNADATA_NO_REGISTRY", "maybe"), ("ANNADATA_REGISTRY_PROBE_URL", "http://[::1")],
)
def test_a_bad_setting_is_named_before_an_engine_is_sought(
    tmp_path: Path, variable: str, value: str
):
    # Before: the probe URL was an httpx.InvalidURL traceback; both waited for the engine.
    line = _one_line(_harness("build", "--no-provision", **_dead(tmp_path), **{variable: value}))
    assert line.startswith(f"error: {variable}={value!r}: "), line


def test_reports_that_cannot_be_written_are_one_line_and_nothing_is_appended(
    tmp_path: Path, harness: Harness
):
    # Before: FileNotFoundError / IsADirectoryError tracebacks.
    line = _one_line(harness("summary", "--output", str(tmp_path / "no" / "summary.md")))
    assert line.startswith(f"error: {tmp_path}/no/summary.md: cannot write the summary ")
    line = _one_line(harness("summary", "--output", str(tmp_path)))
    assert line == f"error: {tmp_path}: cannot write the summary: it is a directory: name a file"
    assert list(tmp_path.iterdir()) == []


def test_lint_without_its_tools_or_a_writable_output_is_one_line(tmp_path: Path, monkeypatch):
    # Before: ModuleNotFoundError (openapi-spec-validator) outside the lint session, and
    # FileExistsError when the report's directory was a file.
    import sys as _sys

    from harness.lint import tools

    monkeypatch.setitem(_sys.modules, "openapi_spec_validator", None)
    found = tools.openapi(ROOT, ["services/yield_api/backend/openapi.yaml"])
    assert [(f.rule, f.message) for f in found] == [
        ("openapi-spec-validator-failed", "openapi-spec-validator is not installed")
    ]
    (tmp_path / "reports").write_text("a file")
    line = _one_line(_harness("lint", "--output", str(tmp_path / "reports" / "lint.json")))
    assert line == (
        f"error: {tmp_path}/reports/lint.json: cannot write the lint report: {tmp_path}/reports "
        "is a file, not a directory: move it away, then run again"
    )
