"""The throwaway stack's healthcheck override, run by a real /bin/sh with `sleep` faked."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from harness.docker import healthpoll


@pytest.mark.parametrize(
    ("duration", "expected"),
    [("10s", 10.0), ("3m0s", 180.0), ("1m30s", 90.0), ("500ms", 0.5), ("1h0m0s", 3600.0),
     ("2.5s", 2.5), ("10", None), ("", None), ("1x", None), ("s", None), (10, None)],
)  # fmt: skip
def test_compose_durations_are_read_in_seconds(duration: object, expected: float | None):
    assert healthpoll.seconds(duration) == expected


def _shell(tmp_path: Path, healthcheck: dict[str, object]) -> tuple[list[str], Path, Path]:
    """The override's argv for sh (compose's `$$` unescaped), its mark, and the sleep log."""
    entry = healthpoll.throwaway(healthcheck)
    assert entry["interval"] == "2s"
    kind, script = entry["test"]
    assert kind == "CMD-SHELL"
    mark = tmp_path / "settled"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    slept = tmp_path / "slept"
    fake = bin_dir / "sleep"
    fake.write_text(f'#!/bin/sh\necho "$1" >> {slept}\n')
    fake.chmod(0o755)
    script = script.replace(healthpoll.SETTLED_MARK, str(mark)).replace("$$", "$")
    return ["/bin/sh", "-c", script], mark, slept


def _run(argv: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    path = f"{tmp_path / 'bin'}:{os.environ['PATH']}"
    return subprocess.run(
        argv, capture_output=True, text=True, env={"PATH": path, **env}, timeout=30, check=False
    )


def test_a_check_sleeps_out_its_interval_only_once_it_has_passed(tmp_path: Path):
    argv, mark, slept = _shell(
        tmp_path, {"test": ["CMD", "echo", "it's up"], "interval": "10s", "timeout": "30s"}
    )
    first = _run(argv, tmp_path)
    assert (first.returncode, first.stdout) == (0, "it's up\n")  # quoted words kept whole
    assert mark.exists()
    assert not slept.exists()  # starting: no wait
    second = _run(argv, tmp_path)
    assert (second.returncode, second.stdout) == (0, "it's up\n")
    assert slept.read_text() == "8\n"  # 10 s less the fast 2 s
    assert (
        healthpoll.throwaway({"test": ["CMD", "true"], "interval": "10s", "timeout": "30s"})[
            "timeout"
        ]
        == "38s"
    )  # the wait counts against the check's timeout: it is lengthened by as much


def test_a_failing_check_keeps_its_status_and_output_and_is_not_marked(tmp_path: Path):
    argv, mark, _ = _shell(
        tmp_path,
        {"test": ["CMD-SHELL", 'echo "down: $$WHY" >&2; exit 3 # a comment'], "interval": "5s"},
    )
    done = _run(argv, tmp_path, WHY="no database")
    assert (done.returncode, done.stderr) == (3, "down: no database\n")
    assert not mark.exists()


def test_a_mark_that_cannot_be_written_leaves_the_check_passing(tmp_path: Path):
    argv, mark, _ = _shell(tmp_path, {"test": ["CMD", "true"], "interval": "10s"})
    mark.mkdir()  # `> mark` fails, as on a read-only /tmp
    done = _run(argv, tmp_path)
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize(
    "healthcheck",
    [
        {"test": ["CMD", "true"], "interval": "2s"},  # already fast
        {"test": ["CMD", "true"], "interval": "1s"},
        {"test": ["CMD", "true"], "interval": "ten seconds"},
        {"test": ["CMD", "true"], "timeout": "soon"},
        {"test": ["NONE"]},
        {"test": ["CMD"]},
        {"test": ["CMD-SHELL", "a", "b"]},
        {"test": "curl -f http://localhost/"},  # compose resolves strings to a list
        {"test": ["CMD", 1]},
    ],
)
def test_a_check_this_cannot_read_or_that_is_fast_only_gets_the_fast_interval(
    healthcheck: dict[str, object],
):
    assert healthpoll.throwaway(healthcheck) == {"interval": "2s"}


def test_docker_defaults_apply_when_interval_and_timeout_are_left_out():
    entry = healthpoll.throwaway({"test": ["CMD", "true"]})
    assert entry["timeout"] == "58s"  # 30 s and the 28 s wait out of a 30 s interval
    assert "sleep 28;" in entry["test"][1]
