"""Print how long `nox -s new-service` takes as the registry grows (no Docker).

Usage: nox -s bench -- scaffold [COUNT]   (default: 10 services into a throwaway copy)
Times plan (read, render, diff) and apply (write, lint-verify) per service, in-process, so
the figures are the harness's own work without nox's venv check. Asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from harness import registry
from harness.lint import tools
from harness.scaffold import new_service as scaffold

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    """Scaffold COUNT services one after another and print one row per service."""
    count = int(argv[0]) if argv else 10
    with tempfile.TemporaryDirectory(prefix="annadata-bench-scaffold-") as tmp:
        copy = tools.copy_files(ROOT, Path(tmp))
        print(f"{'service':<10} {'components':>10} {'plan s':>7} {'apply s':>8}")
        rows = []
        for i in range(count):
            started = time.perf_counter()
            planned = scaffold.plan(copy, f"bench_{i}", frontend=i % 2 == 1)
            planned_at = time.perf_counter()
            scaffold.apply(copy, planned)
            done = time.perf_counter()
            size = len(registry.load(copy).components())
            rows.append((planned_at - started, done - planned_at))
            print(f"bench_{i:<4} {size:>10} {rows[-1][0]:>7.2f} {rows[-1][1]:>8.2f}")
        first, last = sum(rows[0]), sum(rows[-1])
        print(f"last/first: {last / first:.2f}x (per service, as the registry grows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
