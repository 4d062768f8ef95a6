"""Print smoke timings: cold, warm and code-only-change `nox -s smoke` against the floor.

Usage: nox -s bench -- smoke [--repeat N] [--no-cold]
The floor is a bare `docker compose up -d --wait` + `down -v` of the same stack with the
same images: what any harness must pay. Two floors: with the committed compose file
alone (what a developer's `up --wait` costs), and with the smoke's own per-run override
(fast healthchecks, ephemeral ports): the second is the fair one for the harness's overhead.
Runs in a throwaway clone of HEAD (your work tree is never touched). Unless `--no-cold`,
the annadata/* images and every dangling image (the classic builder's cache of earlier
builds) are removed first, so the cold run builds every service image from its base;
the stand-in bases are kept.
Warm runs and floor runs alternate, so machine noise hits both alike; prints figures and
ratios, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import git, proc, registry
from harness.docker import compose, stack
from harness.docker.prepare import prepare

ROOT = Path(__file__).resolve().parents[1]
CHANGED_FILE = "services/msp_mitra/backend/app.py"


def _timed(argv: list[str], cwd: Path) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
        raise SystemExit(f"{' '.join(argv)} failed in {cwd}:\n" + "\n".join(tail))
    return seconds, done.stdout


def _smoke(clone: Path) -> tuple[float, str]:
    return _timed([sys.executable, "-m", "nox", "-s", "smoke"], clone)


def _stage_table(output: str) -> str:
    """The per-stage table the smoke session prints last."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("stage ")]
    if not starts:
        return "(no stage table)"
    table = lines[starts[-1] :]
    return "\n".join(table[: next(i for i, ln in enumerate(table) if ln.startswith("total")) + 1])


def _floor(clone: Path, fast: bool) -> float:
    """Bare compose up --wait + down -v of the same stack: every profile, the smoke's images.

    fast adds the override the smoke run writes (same function, same content).
    """
    env = clone / ".annadata" / "bench.env"
    env.parent.mkdir(exist_ok=True)
    values = {"ANNADATA_TAG": git.short_sha(clone), "POSTGRES_PASSWORD": "bench-only"}
    values.update(prepare(clone, registry.load(clone), []).image_env)
    env.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    files = [clone / compose.COMPOSE_FILE]
    profiles = tuple(registry.load(clone).profiles())
    base = compose.Project(
        clone, "bench", tuple(files), (clone / compose.ENV_TEMPLATE, env), profiles
    )
    if fast:
        config = base("config", "--format", "json", timeout=60)
        files.append(clone / ".annadata" / "bench-override.yml")
        stack.write_yaml(stack.override_for(json.loads(config.stdout)), files[-1])
    project = compose.Project(
        clone, compose.unique_name("annadata-bench"), tuple(files), base.env_files, profiles
    )
    started = time.monotonic()
    try:
        up = project("up", "--detach", "--wait", "--no-build", "--pull", "never", timeout=600)
        if not up.ok:
            raise SystemExit(f"floor: {up.last_error_line()}")
    finally:
        down = project("down", "--volumes", "--remove-orphans", timeout=300)
    if not down.ok:
        raise SystemExit(f"floor: down: {down.last_error_line()}")
    return time.monotonic() - started


def _taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _remove_service_images() -> int:
    listed = proc.run(["docker", "images", "--quiet", "--filter", "reference=annadata/*"])
    ids = sorted(set(listed.stdout.split()))
    if ids:
        proc.run(["docker", "rmi", "--force", *ids], timeout=300)
    # Untagged leftovers of earlier builds are the classic builder's layer cache.
    proc.run(["docker", "image", "prune", "--force"], timeout=300)
    return len(ids)


def main(argv: list[str]) -> int:
    """Run the scenarios in one clone and print one row each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm and floor runs (default 3)")
    parser.add_argument("--no-cold", action="store_true", help="keep the annadata/* images")
    args = parser.parse_args(argv)
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="annadata-bench-") as tmp:
        clone = Path(tmp) / "repo"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        print(f"clone of {git.short_sha(ROOT)} in {clone}")
        if not args.no_cold:
            print(f"cold: removed {_remove_service_images()} annadata/* images")
        # The first run also creates the clone's nox venv: "cold" is a new checkout's first run.
        cold, cold_out = _smoke(clone)
        rows.append(("smoke, cold (new clone, no service images)", cold))
        warm, floor, fast = [], [], []
        # The committed compose file binds fixed host ports: on a shared machine another
        # stack may hold one, and that floor is then left out (the override floor is the
        # fair one anyway).
        taken = [p for p in registry.load(clone).host_ports().values() if _taken(p)]
        if taken:
            print(f"127.0.0.1:{taken[0]} is taken: the committed-compose floor is left out")
        for _ in range(args.repeat):
            seconds, warm_out = _smoke(clone)
            warm.append(seconds)
            fast.append(_floor(clone, fast=True))
            if not taken:
                floor.append(_floor(clone, fast=False))
        rows.append((f"smoke, warm (median of {args.repeat})", statistics.median(warm)))
        source = clone / CHANGED_FILE
        source.write_text(source.read_text() + "\n# bench: a code-only change\n")
        changed, _ = _smoke(clone)
        rows.append((f"smoke, code-only change ({CHANGED_FILE})", changed))
        rows.append(("floor: up --wait + down -v, smoke's override", statistics.median(fast)))
        if floor:
            rows.append(("floor: up --wait + down -v, committed compose", statistics.median(floor)))
    low = statistics.median(fast)
    heading = f"scenario (median of {args.repeat} where repeated)"
    print(f"{heading:<56} {'seconds':>8} {'x floor':>8}")
    for name, seconds in rows:
        print(f"{name:<56} {seconds:8.1f} {seconds / low:8.2f}")
    for label, runs in (("warm", warm), ("floor, override", fast), ("floor, committed", floor)):
        if not runs:
            continue
        print(f"{label} runs: {', '.join(f'{s:.1f}' for s in runs)}")
    print("cold run stages:\n" + _stage_table(cold_out))
    print("last warm run stages:\n" + _stage_table(warm_out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
