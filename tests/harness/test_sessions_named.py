"""Every `nox -s NAME` / `nox -t TAG` the project tells anyone to run exists in `nox -l`.

Scanned: the README, the workflows, the pre-push hook config, service READMEs, and the
harness's own messages (errors say what to run).
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

from harness import paths

ROOT = paths.repo_root(Path(__file__))
SOURCES = [
    "README.md",
    ".pre-commit-config.yaml",
    "noxfile.py",
    *[str(p.relative_to(ROOT)) for p in sorted(ROOT.glob(".github/workflows/*.yml"))],
    *[str(p.relative_to(ROOT)) for p in sorted(ROOT.glob("services/**/README.md"))],
    *[str(p.relative_to(ROOT)) for p in sorted(ROOT.glob("infra/harness/**/*.py"))],
]
SESSION = re.compile(r"""nox\s+(?:-[A-Za-z]\s+)*-s\s+(['"]?)([\w-]+(?:\([^)]*\))?)\1""")
TAG = re.compile(r"nox\s+(?:-[A-Za-z]\s+)*-t\s+([\w-]+)")
LISTED = re.compile(r"^[*-] (\S+)(?: \[([^\]]*)\])?")


@functools.cache
def _nox_list() -> str:
    return subprocess.run(
        [sys.executable, "-m", "nox", "--list"], cwd=ROOT, capture_output=True, text=True,
        check=True, timeout=120,
    ).stdout  # fmt: skip


@functools.cache
def _listed() -> tuple[set[str], set[str]]:
    names, tags = set(), set()
    for line in _nox_list().splitlines():
        match = LISTED.match(line)
        if match:
            full = match.group(1).replace('"', "'")
            names |= {full, full.split("(")[0]}
            tags |= set(filter(None, (match.group(2) or "").replace(",", " ").split()))
    return names, tags


def _plain(name: str) -> str:
    """Quotes as nox prints them, without the escaping of the file they were read from.

    A parametrization filled in by a shell variable (a CI matrix: `unit(target='$TARGET')`)
    names the session it parametrizes.
    """
    name = name.replace("\\", "").replace('"', "'")
    return name.split("(")[0] if "$" in name else name


def _named() -> list[tuple[str, str, str]]:
    found = []
    for rel in SOURCES:
        path = ROOT / rel
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        found += [(rel, "session", _plain(m.group(2))) for m in SESSION.finditer(text)]
        found += [(rel, "tag", m.group(1)) for m in TAG.finditer(text)]
    return found


def test_every_named_session_and_tag_exists():
    names, tags = _listed()
    named = _named()
    assert {n for _, kind, n in named if kind == "session"} >= {"smoke", "lint", "contract"}
    missing = [
        f"{rel}: nox -{kind[0]} {name}"
        for rel, kind, name in named
        if name not in (names if kind == "session" else tags)
    ]
    assert missing == []


def test_the_scan_would_catch_a_session_that_does_not_exist():
    assert SESSION.search("run `nox -s smok -- --keep`").group(2) == "smok"
    assert "smok" not in _listed()[0]


def test_the_pr_workflow_runs_every_session_of_the_local_gate():
    # `nox` (no arguments) is the gate; `*` marks its sessions in `nox --list`.
    gate = {line[2:].split("(")[0].split()[0] for line in _nox_list().splitlines()
            if line.startswith("* ")}  # fmt: skip
    workflow = (ROOT / ".github/workflows/pr.yml").read_text(encoding="utf-8")
    in_ci = {_plain(m.group(2)).split("(")[0] for m in SESSION.finditer(workflow)}
    assert {"lint", "smoke", "scaffold"} <= gate
    assert gate - in_ci == set()
