"""`nox -s unit` inside one component's venv: its tests, and for backends the drift check.

Usage: python -m harness.unit TARGET DIRECTORY [--update-openapi] [pytest args...]
Imports only the standard library, ruamel.yaml and pytest: it runs in each service's venv,
with the harness on PYTHONPATH (installing it would put its own pins beside the service's).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from harness.contract import openapi_drift

TEMPLATE = "template"
# The template has no image, so its spec is refreshed from its venv; backends' from theirs.
FIX = {TEMPLATE: "nox -s 'unit(target=\"template\")' -- --update-openapi"}
UPDATE_FLAG = "--update-openapi"


def checks_drift(target: str) -> bool:
    """Backends and the template commit an openapi.yaml that must match their app."""
    return target == TEMPLATE or target.endswith(".backend")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the target's tests from its directory, with the drift plugin where it applies."""
    target, directory, *rest = list(sys.argv[1:] if argv is None else argv)
    import pytest

    update = UPDATE_FLAG in rest
    pytest_args = [a for a in rest if a != UPDATE_FLAG]
    os.chdir(directory)
    if not checks_drift(target):
        return int(pytest.main(["tests", *pytest_args]))
    if update:
        status = openapi_drift.main([str(Path.cwd()), "--update"])
        if status:
            return status
    fix = FIX.get(target, openapi_drift.UPDATE_COMMAND)
    plugin = ["-p", "harness.contract.openapi_drift", "--openapi-fix", fix]
    return int(pytest.main(["tests", *plugin, *pytest_args]))


if __name__ == "__main__":
    sys.exit(main())
