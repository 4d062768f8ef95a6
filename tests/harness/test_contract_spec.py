"""Specs the contract checks read, in the work tree and at the base ref: usable or one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.contract import check as contract
from harness.contract import spec
from harness.errors import HarnessError

from .test_contract_git import SPEC, _git, repo  # noqa: F401 - the fixture

FIX = "regenerate it with `nox -s contract -- --update`"
# Seven lines that a YAML loader would expand to ten million nodes.
BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 7)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n", ":1: the document is a list, not a mapping: not an OpenAPI document"),
        ("openapi: 3.1.0\npaths: [1]\n", ":2: /paths is a list, not a mapping"),
        ("openapi: 3.1.0\npaths:\n  /x: 3\n", ":3: /paths/~1x is a number, not a path item"),
        ("openapi: 3.1.0\npaths:\n  1: {}\n", ":3: /paths/1 is named by a number (1), not a str"),
        ("openapi: 3.1.0\ninfo: {title: [\n", ":3: "),
        ("openapi: 3.1.0\npaths:\n  /x:\n    get: 3\n", ":4: /paths/~1x/get: 3 is not of type"),
        ("openapi: 3.1.0\npaths:\n  /x:\n    get:\n      parameters:\n        - name: [1]\n",
         ":6: /paths/~1x/get/parameters/0/name: [1] is not of type 'string'"),
        ("openapi: 3.1.0\ncomponents:\n  schemas:\n    A:\n      required: [[1]]\n",
         ":5: /components/schemas/A/required/0: [1] is not of type 'string'"),
        ("openapi: 3.1.0\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n"
         "          $ref: '#/paths/x'\n",
         ":7: /paths/~1x/get/responses/200/$ref: '#/paths/x' does not match"),
        (BOMB, ":6: YAML aliases here expand to more than 200,000 nodes"),
    ],
)  # fmt: skip
def test_a_spec_the_comparison_cannot_read_is_one_line(
    repo: Path,  # noqa: F811
    text: str,
    expected: str,
):
    # Before: AttributeError / TypeError tracebacks from the diff and the breaking rules.
    (repo / SPEC).write_text(text)
    with pytest.raises(HarnessError) as refused:
        contract.breaking_against(repo, SPEC, "main")
    message = str(refused.value)
    assert message.startswith(f"{SPEC}{expected}"), message
    assert "\n" not in message


def test_a_spec_the_base_cannot_give_is_named_at_the_base(repo: Path):  # noqa: F811
    good = (repo / SPEC).read_text()
    (repo / SPEC).write_text("- a\n")
    _git(repo, "commit", "--quiet", "-am", "a list")
    broken = _git(repo, "rev-parse", "HEAD")
    (repo / SPEC).write_text(good)
    with pytest.raises(HarnessError) as refused:
        contract.breaking_against(repo, SPEC, broken)
    assert str(refused.value).startswith(f"{broken[:12]}:{SPEC}:1: the document is a list")
    assert str(refused.value).endswith("fix it there, or compare with another --base")


def test_unreadable_files_are_refused_before_parsing(repo: Path):  # noqa: F811
    (repo / SPEC).write_bytes(b"openapi: 3.1.0\ninfo: caf\xe9\n")
    with pytest.raises(HarnessError, match=rf"^{SPEC}:2: the OpenAPI spec is not UTF-8 text"):
        spec.load(repo, SPEC)
    (repo / SPEC).unlink()
    (repo / SPEC).symlink_to("/dev/zero")
    with pytest.raises(HarnessError, match=rf"^{SPEC}: the OpenAPI spec is not a regular file"):
        spec.load(repo, SPEC)


def test_the_command_refuses_a_broken_spec_before_building_anything(registry_root: Path):
    # Before: the spec was read after every image was built (or a traceback, offline).
    data = json.loads((registry_root / "services.json").read_text())
    backend = data["services"]["yield_api"]["components"]["backend"]["directory"]
    (registry_root / backend / "openapi.yaml").write_text("openapi: 3.1.0\npaths: 7\n")
    done = subprocess.run(
        [sys.executable, "-m", "harness", "--root", str(registry_root), "contract", "--offline"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "DOCKER_HOST": f"unix://{registry_root}/no.sock"},
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == f"error: {backend}/openapi.yaml:2: /paths is a number, not a mapping: " \
        f"not an OpenAPI document the contract can compare; {FIX}\n"  # fmt: skip
