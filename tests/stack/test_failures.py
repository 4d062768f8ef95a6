"""The stack lifecycle on broken services: named failures, saved logs, nothing left behind.

Each test's `project` fixture asserts afterwards that no container, network or volume
carries the project's label.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from harness import proc
from harness.docker import owners
from harness.docker.stack import Stack, StackError

from .conftest import FIXTURE, ROOT, make_stack

pytestmark = pytest.mark.docker
HOLDER = Path(__file__).parent / "hold_stack.py"
# Bounds for a deliberately loaded machine: generous, so that only a hang fails them.
START_DEADLINE_S = 300
TEARDOWN_DEADLINE_S = 900


def test_a_service_that_exits_at_start_fails_the_run_with_its_last_log_lines(
    project: str, tmp_path: Path, probe_image: str
) -> None:
    stack, said = make_stack(project, tmp_path, probe_image, "crash", wait_timeout=120)
    message = _failure(stack)
    assert "\n" not in message
    assert "crasher exited (3)" in message
    assert "a service failed to start" in message  # not the wait timeout: it failed fast
    report = "\n".join(said)
    assert "config error: MSP_FILE is not set" in report  # its log tail, printed
    assert "config error" in (tmp_path / "report/logs/crasher.log").read_text()
    assert (tmp_path / "report/logs/steady.log").is_file()


def test_a_service_that_never_turns_healthy_fails_at_the_wait_timeout(
    project: str, tmp_path: Path, probe_image: str
) -> None:
    stack, said = make_stack(project, tmp_path, probe_image, "sulky", wait_timeout=8)
    message = _failure(stack)
    assert "not healthy within the 8s wait timeout" in message
    assert "sulky" in message
    assert "steady" not in message
    assert "not ready: waiting for models" in message  # its last health check output
    assert "sulky" in "\n".join(said)


def test_a_service_that_turns_unhealthy_fails_the_run_with_its_check_output(
    project: str, tmp_path: Path, probe_image: str
) -> None:
    stack, _ = make_stack(project, tmp_path, probe_image, "sick", wait_timeout=120)
    message = _failure(stack)
    assert "a service failed to start: sick unhealthy (last check: database unreachable)" in (
        message
    )


def test_a_taken_host_port_does_not_matter(project: str, tmp_path: Path, probe_image: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "PROBE_IMAGE": probe_image, "STEADY_PORT": str(port)}
        # The base file alone really does collide with the taken port ...
        plain = ["docker", "compose", "-p", project, "-f", str(FIXTURE)]
        collided = proc.run([*plain, "up", "--detach"], env=env, timeout=120)
        proc.run([*plain, "down", "--volumes"], env=env, timeout=120)
        assert not collided.ok
        assert "address already in use" in collided.last_error_line()
        # ... and the harness's run does not, because its ports are ephemeral.
        stack, _ = make_stack(project, tmp_path, probe_image)
        stack._run_env["STEADY_PORT"] = str(port)
        try:
            stack.up()
            published = stack.host_port("steady", 8000)
            assert published != port
            assert httpx.get(f"http://127.0.0.1:{published}/", timeout=5).status_code == 200
        finally:
            stack.down()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("when", ["while-waiting", "once-up"])
def test_an_interrupted_run_tears_down_on_a_loaded_machine(
    project: str, tmp_path: Path, probe_image: str, machine_load: None, signum: int, when: str
) -> None:
    # "while-waiting": interrupted inside `up --wait` (sulky never turns healthy).
    profile, wait = ("sulky", "300") if when == "while-waiting" else ("default", "300")
    holder = _hold(project, tmp_path, probe_image, profile, wait)
    try:
        _wait_for(holder, project, up=when == "once-up")
        # To the whole process group, as a terminal's Ctrl-C is.
        os.killpg(holder.pid, signum)
        out, _ = holder.communicate(timeout=TEARDOWN_DEADLINE_S)
    finally:
        if holder.poll() is None:
            holder.kill()
    assert holder.returncode == 130, out
    assert out.splitlines()[-2:] == ["INTERRUPTED", "DOWN"]


def test_a_killed_run_is_removed_by_the_next_stack(
    project: str, tmp_path: Path, probe_image: str
) -> None:
    holder = _hold(project, tmp_path, probe_image, "default", "300")
    try:
        _wait_for(holder, project, up=True)
        # SIGKILL: no handler, no finally. Only the owner record says whose stack it was.
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(timeout=60)
    finally:
        if holder.poll() is None:
            holder.kill()
    assert Stack(ROOT, [FIXTURE], name=project, report_dir=tmp_path).leftovers()["containers"]
    said: list[str] = []
    assert project in owners.reap(say=said.append)
    assert said == [f"harness: removed stack {project}, left behind by a process that was killed"]
    # The `project` fixture asserts that nothing is left.


def _hold(
    project: str, tmp_path: Path, image: str, profile: str, wait: str
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HOLDER), str(ROOT), project, str(tmp_path / "r"), image,
         profile, wait],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def _failure(stack: Stack) -> str:
    """The StackError of a stack that must not come up (torn down either way)."""
    try:
        with stack:
            pass
    except StackError as exc:
        return str(exc)
    pytest.fail("the broken stack came up healthy")


def _wait_for(holder: subprocess.Popen[str], project: str, up: bool) -> None:
    """Until the holder says UP, or (not up) its containers exist."""
    deadline = time.monotonic() + START_DEADLINE_S
    probe = Stack(ROOT, [FIXTURE], name=project, report_dir=Path("/nonexistent"))
    while time.monotonic() < deadline:
        assert holder.poll() is None, "the holder exited early"
        if up:
            assert holder.stdout is not None
            if holder.stdout.readline().strip() == "UP":
                return
        elif probe.leftovers()["containers"]:
            time.sleep(1)  # inside `up --wait` by now
            return
        else:
            time.sleep(0.3)
    pytest.fail(f"the fixture stack did not start within {START_DEADLINE_S}s")
