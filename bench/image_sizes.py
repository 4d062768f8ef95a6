"""Print image sizes: our template against the plan's example Dockerfile, same requirements.

Usage: nox -s bench -- image_sizes [service.kind ...]   (default: every Python backend)
Builds in no-registry mode when the harness says so. Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from harness import paths, proc, registry
from harness.docker import image_info
from harness.docker.prepare import prepare

ROOT = Path(__file__).resolve().parents[1]
PLAN = "bench/Dockerfile.plan-example"


def _size_mb(ref: str) -> float:
    size = image_info.size_mb(ref)
    if size is None:
        raise SystemExit(f"image {ref} is missing: run `nox -s bases` / `nox -s build`")
    return size


def main(argv: list[str]) -> int:
    """Build each component both ways and print one row per build."""
    reg = registry.load(ROOT)
    bases = prepare(ROOT, reg, []).image_env
    base = bases.get("PYTHON_IMAGE", "python:3.11-slim")
    comps = [reg.component(ref) for ref in argv] or reg.components("backend")
    print(f"base {base}: {_size_mb(base):.0f} MB")
    print(f"{'component':<28} {'dockerfile':<10} {'seconds':>7} {'size MB':>8} {'+ base':>7}")
    for comp in comps:
        for label, dockerfile in (("template", f"{comp.directory}/Dockerfile"), ("plan", PLAN)):
            tag = f"annadata-bench/{comp.compose_name}-{label}:latest"
            argv_build = ["docker", "build", "--no-cache", "--force-rm", "-f", dockerfile]
            argv_build += ["--build-arg", f"SERVICE_DIR={comp.directory}", "-t", tag]
            argv_build += [f"--build-arg={k}={v}" for k, v in bases.items() if k == "PYTHON_IMAGE"]
            log = ROOT / paths.STATE_DIR / "logs" / f"bench-{comp.compose_name}-{label}.log"
            started = time.monotonic()
            done = proc.run([*argv_build, str(ROOT)], timeout=1800, log=log)
            seconds = time.monotonic() - started
            if not done.ok:
                print(f"{comp.ref}: {label} build failed ({done.last_error_line()}); see {log}")
                return 1
            size = _size_mb(tag)
            print(
                f"{comp.ref:<28} {label:<10} {seconds:7.1f} {size:8.0f} "
                f"{size - _size_mb(base):+7.0f}"
            )
            proc.run(["docker", "image", "rm", tag])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
