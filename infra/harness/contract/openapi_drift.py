"""Is a backend's committed openapi.yaml what its app generates? In-process, no Docker.

Usage (inside the backend's own venv, as `nox -s unit` runs it):
    python -m harness.contract.openapi_drift services/<name>/backend [--update]
Exits 1 with the differences, operation by operation, when the committed file is stale.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.contract.openapi_diff import SPEC_FILE, differences, dump, load

# Settings that could leak the environment into a schema are unset while exporting.
NEUTRAL_ENV = ("DATABASE_URL", "POSTGRES_HOST", "REDIS_URL")
UPDATE_COMMAND = "nox -s contract -- --update"


def generate(backend_dir: Path) -> dict[str, Any]:
    """The app's own OpenAPI document: import <backend_dir>/app.py and call app.openapi()."""
    for name in NEUTRAL_ENV:
        os.environ.pop(name, None)
    sys.path.insert(0, str(backend_dir.resolve()))
    module = importlib.import_module("app")
    return dict(json.loads(json.dumps(module.app.openapi())))


def report(
    backend_dir: Path,
    committed: dict[str, Any],
    generated: dict[str, Any],
    fix: str = UPDATE_COMMAND,
) -> list[str]:
    """Lines describing drift (empty when the committed file matches)."""
    found = differences(committed, generated)
    if not found:
        return []
    target = backend_dir / SPEC_FILE
    return [
        f"{target}: {len(found)} difference(s) from what the app generates "
        f"(run `{fix}` and review the diff):",
        *(f"  - {line}" for line in found),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Check (or --update) one backend's openapi.yaml."""
    parser = argparse.ArgumentParser(
        prog="python -m harness.contract.openapi_drift", description=__doc__
    )
    parser.add_argument("backend_dir", type=Path)
    parser.add_argument("--update", action="store_true", help="rewrite openapi.yaml")
    parser.add_argument("--fix", default=UPDATE_COMMAND, help="the command the error names")
    args = parser.parse_args(argv)
    target = args.backend_dir / SPEC_FILE
    generated = generate(args.backend_dir)
    if args.update:
        target.write_text(dump(generated), encoding="utf-8")
        print(f"wrote {target}")
        return 0
    if not target.is_file():
        print(f"{target}: missing: run `{args.fix}` to create it", file=sys.stderr)
        return 1
    lines = report(args.backend_dir, load(target), generated, args.fix)
    if lines:
        print("\n".join(lines), file=sys.stderr)
        return 1
    print(f"{target}: matches the app")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# --- as a pytest plugin (`-p harness.contract.openapi_drift`): the unit run checks drift in
# the same process, reusing the app its tests imported (one import instead of two per backend).


def pytest_addoption(parser: Any) -> None:
    """--openapi-fix: the command a drift failure names."""
    parser.addoption("--openapi-fix", default=UPDATE_COMMAND, help="command that fixes drift")


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    """After the tests: compare the app's spec with the committed one; drift fails the run."""
    backend_dir = Path(session.config.rootpath)
    target = backend_dir / SPEC_FILE
    fix = session.config.getoption("openapi_fix")
    if not target.is_file():
        lines = [f"{target}: missing: run `{fix}` to create it"]
    else:
        lines = report(backend_dir, load(target), generate(backend_dir), fix)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if lines:
        for line in lines:
            reporter.write_line(line, red=True)
        session.exitstatus = 1
    elif reporter is not None:
        reporter.write_line(f"{target}: matches the app")
