"""Where a suite puts a checkout it runs nested nox sessions in: the same path on every run."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def place(envdir: Path) -> Iterator[Path]:
    """An empty directory, the same one for envdir on every run, removed afterwards.

    The nested sessions' venvs (envdir) persist between runs, and their install stamps
    (harness.installs) include the checkout's path, which an editable install points at. In
    a new temporary directory on every run, each nested session reinstalled its packages
    (5-9 s each); here they are skipped while nothing they install from has changed. In the
    system's temporary directory, not in this checkout: tools that look for their settings in
    parent directories (ruff) must not find this repository's.
    """
    key = hashlib.sha256(str(envdir.resolve()).encode()).hexdigest()[:12]
    work = Path(tempfile.gettempdir()) / f"annadata-nested-{envdir.name.strip('_')}-{key}"
    shutil.rmtree(work, ignore_errors=True)  # a run killed before its cleanup
    work.mkdir(parents=True)
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
