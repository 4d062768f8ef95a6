"""Reading YAML fast (libyaml) without changing what is read or what an error says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness import safeload
from harness.errors import HarnessError
from harness.lint import tools

from .conftest import REPO


def _committed_yaml() -> list[str]:
    # Helm templates are Go templates, and some fixtures are broken on purpose.
    return [
        rel
        for rel in tools.files(REPO)
        if rel.endswith((".yml", ".yaml")) and "/templates/" not in rel and "fixtures" not in rel
    ]


@pytest.mark.parametrize("rel", _committed_yaml())
def test_plain_data_is_the_round_trip_data(rel: str):
    path = REPO / rel
    assert safeload.load_yaml(path, rel, lines=False) == safeload.load_yaml(path, rel)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\n  b: 2\n", "f.yaml:2: mapping values are not allowed here"),
        ("a: [1, 2\nb: 3\n", "f.yaml:2: expected ',' or ']', but got ':'"),
        ("a: *nowhere\n", "f.yaml:1: found undefined alias 'nowhere'"),
        # Beside a merge key the safe loader keeps the last value silently: refused all the same.
        ("x: &x\n  a: 1\ns:\n  <<: *x\n  r: 1\n  r: 2\n", 'f.yaml:6: found duplicate key "r"'),
    ],
)
def test_a_broken_file_gets_the_same_line_from_either_reader(
    tmp_path: Path, text: str, expected: str
):
    path = tmp_path / "f.yaml"
    path.write_text(text)
    said = []
    for lines in (True, False):
        with pytest.raises(HarnessError) as caught:
            safeload.load_yaml(path, "f.yaml", lines=lines)
        said.append(str(caught.value))
    assert said[0] == said[1]
    assert said[0].startswith(expected), said[0]


def test_deep_nesting_is_refused_with_its_line(tmp_path: Path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: 1\nb: " + "[" * 150 + "]" * 150 + "\n")
    with pytest.raises(HarnessError, match=r"^deep.yaml:2: nested more than 100 levels deep"):
        safeload.load_yaml(path, "deep.yaml", lines=False)


def test_the_command_line_imports_no_third_party_module_before_a_command_runs():
    # A one-line error (a bad argument, a missing root) should not wait for jsonschema,
    # httpx or ruamel to import: each command imports what it uses.
    code = (
        "import sys, harness.cli\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'httpx', 'jsonschema', 'ruamel', 'packaging', 'referencing'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
