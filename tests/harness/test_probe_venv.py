"""The audit's probe venv: one `pip install --report`, and which of its failures is which."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import proc
from harness.adopt import probe
from harness.adopt.tree import Tree

REPORT = {"install": [{"metadata": {"name": "fastapi", "version": "0.165.0"}}]}


class FakePip:
    """`python -m venv` succeeds; pip writes its report (or not) and exits with status."""

    def __init__(self, writes_report: bool, status: int) -> None:
        self.writes_report = writes_report
        self.status = status
        self.pip_calls: list[list[str]] = []

    def __call__(self, argv: list[str], **_options: object) -> proc.Result:
        if argv[1:3] == ["-m", "venv"]:
            return proc.Result(tuple(argv), 0)
        self.pip_calls.append(list(argv))
        if self.writes_report:
            report = Path(argv[argv.index("--report") + 1])
            report.write_text(json.dumps(REPORT), encoding="utf-8")
        return proc.Result(tuple(argv), self.status, "", "ERROR: the last line pip printed")


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    (tmp_path / "requirements.txt").write_text("fastapi\n", encoding="utf-8")
    return Tree(tmp_path, ["requirements.txt"])


@pytest.mark.parametrize(
    ("writes_report", "status", "ok", "error"),
    [
        (True, 0, True, ""),
        # pip writes the report once it has resolved: no report, so it never resolved.
        (False, 1, False, "requirements.txt does not resolve: ERROR: the last line pip printed"),
        (True, 1, False, "installing requirements.txt failed: ERROR: the last line pip printed"),
    ],
)
def test_one_install_gives_the_venv_the_lock_or_the_failure_named(
    tree: Tree, writes_report: bool, status: int, ok: bool, error: str
):
    pip = FakePip(writes_report, status)
    with probe.prober(pip) as prober:
        venv = prober.venv(tree, "requirements.txt")
        again = prober.venv(tree, "requirements.txt")
    assert (venv.ok, venv.error) == (ok, error)
    assert venv.resolved == ({"fastapi": "0.165.0"} if writes_report else {})
    # One pip call (resolving twice cost 40% of a probe), and once per file content.
    assert again is venv
    assert len(pip.pip_calls) == 1
    assert "--dry-run" not in pip.pip_calls[0]
