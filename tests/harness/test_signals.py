"""Ctrl-C and SIGTERM in the middle of bases, build and publish: no traceback, nothing half-written.

The Docker CLI is a fake on PATH (a shell script) that blocks in the step under test, so
the signal lands mid-command exactly where a user's would; no engine is involved.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from harness.bases import standins
from harness.lint import tools

from .conftest import REPO

FAKE_DOCKER = """#!/bin/sh
# Answers like an engine with nothing built; blocks (touching $FAKE_MARK) on $FAKE_BLOCK.
if [ "$1" = "$FAKE_BLOCK" ]; then touch "$FAKE_MARK"; exec sleep 60; fi
case "$1" in
  version) echo "27.0.0 27.0.0" ;;
  compose) echo "2.29.0" ;;
  build|tag) exit 0 ;;
  image)
    case "$4" in
      *recipe-hash*) [ "$5" = "annadata-local/debian:bookworm" ] && echo "$FAKE_DEBIAN_HASH" \
        && exit 0; exit 1 ;;
      *) echo 1000000; exit 0 ;;
    esac ;;
  *) exit 1 ;;
esac
"""


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's files to run the commands in."""
    return tools.copy_files(REPO, tmp_path_factory.mktemp("checkout"))


FAKE_SBOM_TOOL = """#!/bin/sh
while [ "$#" -gt 0 ]; do
  if [ "$1" = "--output-file" ]; then echo '{"components": []}' > "$2"; fi
  shift
done
"""


def _interrupt(
    repo: Path, tmp_path: Path, block: str, signum: int, *argv: str
) -> subprocess.CompletedProcess[str]:
    """Run `python -m harness argv` until the fake docker blocks on `block`, then signal it."""
    fake = tmp_path / "bin" / "docker"
    fake.parent.mkdir()
    fake.write_text(FAKE_DOCKER)
    fake.chmod(0o755)
    # Should a recipe hash ever differ, fail at once rather than debootstrap on the host.
    (fake.parent / "debootstrap").write_text("#!/bin/sh\nexit 1\n")
    (fake.parent / "debootstrap").chmod(0o755)
    # The SBOM tools (publish makes one per image before pushing): an empty BOM each.
    for tool in ("cyclonedx-py", "npx"):
        (fake.parent / tool).write_text(FAKE_SBOM_TOOL)
        (fake.parent / tool).chmod(0o755)
    mark = tmp_path / "blocked"
    hashes = standins.recipe_hashes(standins.load(repo))
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    env.update(
        PATH=f"{fake.parent}:{env['PATH']}", FAKE_BLOCK=block, FAKE_MARK=str(mark),
        FAKE_DEBIAN_HASH=hashes["debian"], ANNADATA_NO_REGISTRY="0",
        ANNADATA_CA_BUNDLE=str(REPO / "README.md"),
    )  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "--root", str(repo), *argv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not mark.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not mark.exists():
        process.kill()
        pytest.fail(f"the fake docker never blocked on {block}: {process.communicate()}")
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _leftovers(repo: Path) -> list[str]:
    """Temporary files beside the harness's outputs (an interrupted write leaves them)."""
    places = [repo / ".annadata", repo / "reports"]
    return sorted(str(p) for d in places if d.is_dir() for p in d.rglob("*.tmp"))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_build_interrupted_mid_image_writes_no_report(checkout: Path, tmp_path: Path, signum: int):
    done = _interrupt(checkout, tmp_path, "build", signum, "build", "yield_api")
    assert (done.returncode, done.stderr) == (130, "interrupted\n")
    assert not (checkout / "reports" / "build.json").exists()
    assert _leftovers(checkout) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_bases_interrupted_mid_recipe_leaves_the_env_file_and_no_context(
    checkout: Path, tmp_path: Path, signum: int
):
    env_file = checkout / ".annadata" / "no-registry.env"
    env_file.parent.mkdir(exist_ok=True)
    env_file.write_text("PYTHON_IMAGE=annadata-local/python:3.11-slim\n")
    contexts = set(Path(tempfile.gettempdir()).glob("annadata-base-python-*"))
    done = _interrupt(checkout, tmp_path, "build", signum, "bases", "python")
    assert (done.returncode, done.stderr) == (130, "interrupted\n")
    assert env_file.read_text() == "PYTHON_IMAGE=annadata-local/python:3.11-slim\n"
    assert set(Path(tempfile.gettempdir()).glob("annadata-base-python-*")) == contexts
    assert _leftovers(checkout) == []


def test_publish_interrupted_mid_push_is_quiet(checkout: Path, tmp_path: Path):
    done = _interrupt(
        checkout, tmp_path, "push", signal.SIGTERM,
        "publish", "--registry", "127.0.0.1:5000", "--allow-dirty",
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (130, "interrupted\n")
    assert _leftovers(checkout) == []
