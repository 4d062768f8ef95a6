"""Heartbeat freshness logic, the heartbeat thread, and the healthcheck script's exit codes."""

import os
import subprocess
import sys
import time
from pathlib import Path

import heartbeat
from heartbeat import HeartbeatThread, heartbeat_problem, write_heartbeat

WORKER_DIR = Path(__file__).resolve().parents[1]


def test_fresh_heartbeat_is_healthy(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    write_heartbeat(path, now=1000.0)
    assert heartbeat_problem(path, max_age_s=30, now=1029.0) is None


def test_stale_heartbeat_names_age_and_limit(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    write_heartbeat(path, now=1000.0)
    problem = heartbeat_problem(path, max_age_s=30, now=1045.0)
    assert problem is not None
    assert "45.0s old (limit 30" in problem


def test_missing_and_garbage_files(tmp_path: Path) -> None:
    assert "no heartbeat file" in heartbeat_problem(tmp_path / "nope", 30)
    (tmp_path / "bad").write_text("yesterday")
    assert "unreadable" in heartbeat_problem(tmp_path / "bad", 30)


def test_thread_keeps_heartbeat_fresh(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    thread = HeartbeatThread(path, interval_s=0.05)
    thread.start()
    try:
        deadline = time.time() + 5
        while not path.exists() and time.time() < deadline:
            time.sleep(0.01)
        first = path.read_text()
        time.sleep(0.2)
        assert path.read_text() != first
        assert heartbeat_problem(path, max_age_s=1) is None
    finally:
        thread.stop()
        thread.join(timeout=2)
    assert not thread.is_alive()


def _healthcheck(path: Path, max_age: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEARTBEAT_PATH": str(path), "HEARTBEAT_MAX_AGE_S": max_age}
    return subprocess.run(
        [sys.executable, str(WORKER_DIR / "healthcheck.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_healthcheck_exit_codes(tmp_path: Path) -> None:
    path = tmp_path / "hb"
    missing = _healthcheck(path, "30")
    assert missing.returncode == 1
    assert missing.stdout.startswith("unhealthy: no heartbeat file")
    write_heartbeat(path)
    assert _healthcheck(path, "30").returncode == 0
    write_heartbeat(path, now=time.time() - 120)
    stale = _healthcheck(path, "30")
    assert stale.returncode == 1
    assert len(stale.stdout.strip().splitlines()) == 1


def test_healthcheck_reads_its_settings_as_the_worker_does(tmp_path: Path) -> None:
    # Settings names are case-insensitive: a lower-case variable still reaches the check.
    path = tmp_path / "hb"
    write_heartbeat(path, now=time.time() - 20)
    env = {**os.environ, "heartbeat_path": str(path), "heartbeat_max_age_s": "10"}
    env.pop("HEARTBEAT_PATH", None)
    env.pop("HEARTBEAT_MAX_AGE_S", None)
    done = subprocess.run(
        [sys.executable, str(WORKER_DIR / "healthcheck.py")],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "(limit 10.0s)" in done.stdout


def test_healthcheck_names_a_bad_max_age(tmp_path: Path) -> None:
    write_heartbeat(tmp_path / "hb")
    done = _healthcheck(tmp_path / "hb", "soon")
    assert done.returncode == 1
    assert done.stdout == "unhealthy: HEARTBEAT_MAX_AGE_S='soon': not a number of seconds\n"


def test_the_healthcheck_defaults_are_the_settings(monkeypatch) -> None:
    from config import Settings

    for name in ("HEARTBEAT_PATH", "HEARTBEAT_MAX_AGE_S"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(redis_url="redis://x")
    assert (settings.heartbeat_path, settings.heartbeat_max_age_s) == (
        heartbeat.DEFAULT_PATH,
        heartbeat.DEFAULT_MAX_AGE_S,
    )
