"""`nox -s unit` inside one component's venv: its tests, and for backends the drift check.

Usage: python -m harness.unit TARGET DIRECTORY [--update-openapi] [pytest args...]
Imports only the standard library, ruamel.yaml and pytest: it runs in each service's venv,
with the harness on PYTHONPATH (installing it would put its own pins beside the service's).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

TEMPLATE = "template"
# The template has no image, so its spec is refreshed from its venv (backends' command is
# the drift plugin's default).
TEMPLATE_FIX = "nox -s 'unit(target=\"template\")' -- --update-openapi"
UPDATE_FLAG = "--update-openapi"
PLUGIN = "harness.contract.openapi_drift"


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
        # A child process: imported here, the plugin could not be assert-rewritten below.
        done = subprocess.run(
            [sys.executable, "-m", PLUGIN, str(Path.cwd()), "--update"], check=False
        )
        if done.returncode:
            return done.returncode
    plugin = ["-p", PLUGIN]
    if target == TEMPLATE:
        plugin += ["--openapi-fix", TEMPLATE_FIX]
    return int(pytest.main(["tests", *plugin, *pytest_args]))


if __name__ == "__main__":
    sys.exit(main())
