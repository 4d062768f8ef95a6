"""Corpus repositories adopted for real: in each, lint, smoke and contract pass (Docker).

Each tree is built in a temporary directory with its own git history, adopted, and then
its own sessions run nested (`nox -s ...` in the adopted tree, with its copy of the
harness). A tree's images keep one tag afterwards, as the next run's layer cache
(tests.kept_images); stacks are removed by the harness's own teardown.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from harness import paths, registry
from harness.adopt import writer
from harness.docker import images
from tests import adopt_corpus as corpus
from tests import kept_images, nested

pytestmark = pytest.mark.docker
# Venvs of the nested sessions, one set per tree (its builder's name), kept between runs.
# Each tree is built at the same path every run, so their installs are skipped.
ENVDIR = paths.repo_root(Path(__file__)) / ".nox" / "_adopt-checkout"
# Nested sessions in the adopted tree: what the issue asks to pass, in this order.
SESSIONS = (["lint"], ["smoke"], ["contract", "--", "--update"], ["contract"])


def _nox(envdir: Path, root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", "--no-color", "--envdir", str(envdir), "-s", *argv],
        cwd=root,
        capture_output=True, text=True, timeout=3000, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    "build", [corpus.plan_monorepo, corpus.postgres_app], ids=["plan_monorepo", "postgres_app"]
)
def test_an_adopted_tree_passes_lint_smoke_and_contract(build: Callable[[Path], Path]):
    envdir = ENVDIR / build.__name__
    with nested.place(envdir) as work:
        _adopt_and_check(envdir, build(work / "repo"))


def _adopt_and_check(envdir: Path, root: Path) -> None:
    writer.run(root, say=print)
    names = [images.image_name(comp) for comp in registry.load(root).components()]
    with kept_images.kept(names):
        for argv in SESSIONS:
            done = _nox(envdir, root, *argv)
            assert done.returncode == 0, f"nox -s {' '.join(argv)}:\n{done.stdout[-3000:]}"
        # The second contract run found its venv holding the harness already: no reinstall.
        assert "installs unchanged since they were made" in done.stdout + done.stderr
        # `contract -- --update` rewrote the specs the probe committed: the same document.
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain"],
                                capture_output=True, text=True, check=True).stdout  # fmt: skip
        assert "openapi.yaml" not in status, status
