"""Print the gate's time per session: the full gate against `--affected` runs, in one clone.

Usage: nox -s bench -- gate [--scenarios full,backend,docs] [--sessions S,...]
                            [--services N] [--repeat N] [--ref REF] [--jobs N]
Scenarios, each in the same clone of HEAD, one session at a time (`nox -s <session>`), or
with `--jobs N` as one `nox -j N` (the README's gate command: the total only):
  full     the whole gate, as `nox` runs it;
  backend  a one-line change in one backend, `nox -s <session> -- --affected HEAD`;
  docs     a one-line change in the README, `nox -s <session> -- --affected HEAD`.
`--services N` then scaffolds services (`new-service`) until the registry has N and runs
the backend scenario again (the scale figure). `--prepush` times the pre-push hook's own
command, `nox -R -x -j 2 -t quick -- --affected pushed`, for a pushed one-backend commit,
and the whole quick set `nox -R -x -j 2 -t quick` (median of --repeat, at least 3). The clone lives
at a fixed path with its venvs kept under .nox/_bench-gate, so a second run is warm; the
machine is shared, so compare figures within one run (ratios), never across runs. Each
session's line also says how many cores the machine kept busy meanwhile (/proc/stat: the
engine's and the containers' work included), which tells the sessions that wait from those
that compute. A fixed Python loop timed before and after says how fast the machine ran
(figures of two runs compare as far as it agrees). Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import git, proc, registry
from harness.scaffold import new_service as scaffold
from harness.selection import plan

ROOT = Path(__file__).resolve().parents[1]
CLONE = ROOT / ".annadata" / "bench" / "gate-repo"
ENVDIR = ROOT / ".nox" / "_bench-gate"
CHANGES = {
    "backend": ("services/msp_mitra/backend/app.py", "\n# bench: a one-line change\n"),
    "docs": ("README.md", "\nbench: a one-line change.\n"),
}
TIMEOUT_S = 3600
# The machine reference's loop: about 1 s on this 2-core machine on a quiet hour.
REFERENCE_LOOP = 10_000_000


def _git(*argv: str, cwd: Path = CLONE) -> None:
    subprocess.run(["git", *argv], cwd=cwd, check=True, capture_output=True, timeout=300)


# Commits the bench makes in its clone: their image tags are removed at the end.
MADE: list[str] = []


def _commit(message: str) -> None:
    _git("-c", "user.name=bench", "-c", "user.email=bench@example.invalid",
         "commit", "--quiet", "-m", message)  # fmt: skip
    MADE.append(git.short_sha(CLONE))


def _untag_made() -> None:
    """Remove the image tags of the bench's own commits (the images keep their other tags)."""
    for tag in MADE:
        listed = proc.run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}}",
                           "--filter", f"reference=annadata/*:{tag}"], timeout=60)  # fmt: skip
        if listed.stdout.split():
            proc.run(["docker", "rmi", *listed.stdout.split()], timeout=120)


def _fresh_clone(ref: str) -> None:
    if CLONE.exists():
        shutil.rmtree(CLONE)
    CLONE.parent.mkdir(parents=True, exist_ok=True)
    _git("clone", "--quiet", str(ROOT), str(CLONE), cwd=ROOT)
    _git("checkout", "--quiet", "--detach", git.resolve(ROOT, ref))
    ENVDIR.mkdir(parents=True, exist_ok=True)
    # The clone's own .nox: the hook test and the scaffold's nested runs look for it there.
    # A symlink is no directory to .gitignore's `.nox/`: excluded here, or every run would
    # see an unknown path and select everything.
    (CLONE / ".nox").symlink_to(ENVDIR)
    with (CLONE / ".git" / "info" / "exclude").open("a", encoding="utf-8") as sink:
        sink.write("/.nox\n")


def _reset() -> None:
    _git("checkout", "--quiet", "--", ".")


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine: the engine's and containers' work counts too."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def _session(name: str, affected: bool, log: Path, jobs: int = 1) -> tuple[float, bool, float]:
    """Seconds, passed, and the cores the machine kept busy meanwhile (of os.cpu_count()).

    jobs > 1: name is ignored; the whole gate runs as one `nox -j jobs`.
    """
    argv = [sys.executable, "-m", "nox"]
    argv += ["-j", str(jobs)] if jobs > 1 else ["-s", name]
    if affected:
        argv += ["--", "--affected", "HEAD"]
    started, (busy, total) = time.monotonic(), _cpu_ticks()
    with log.open("w", encoding="utf-8") as sink:
        done = subprocess.run(
            argv, cwd=CLONE, stdout=sink, stderr=subprocess.STDOUT, timeout=TIMEOUT_S, check=False
        )
    busy_after, total_after = _cpu_ticks()
    cores = (busy_after - busy) / max(total_after - total, 1) * (os.cpu_count() or 1)
    return time.monotonic() - started, done.returncode == 0, cores


def _scenario(
    name: str, sessions: list[str], logs: Path, jobs: int = 1
) -> dict[str, tuple[float, bool]]:
    _reset()
    if name in CHANGES:
        path, line = CHANGES[name]
        with (CLONE / path).open("a", encoding="utf-8") as sink:
            sink.write(line)
    rows: dict[str, tuple[float, bool]] = {}
    for session in [whole(jobs)] if jobs > 1 else sessions:
        log = logs / f"{name}-{session.replace(' ', '_')}.log"
        seconds, ok, cores = _session(session, name != "full", log, jobs)
        rows[session] = (seconds, ok)
        print(f"  {name:<10} {session:<12} {seconds:7.1f}s {'ok' if ok else 'FAILED':<6} "
              f"{cores:.2f} of {os.cpu_count()} cores busy", flush=True)  # fmt: skip
    return rows


def whole(jobs: int) -> str:
    """The table's row for a whole-gate run."""
    return f"nox -j {jobs}"


def _prepush(repeat: int) -> list[tuple[str, float]]:
    """Seconds of the hook's command for a pushed one-backend commit, and of the whole set."""
    _reset()
    path, line = CHANGES["backend"]
    with (CLONE / path).open("a", encoding="utf-8") as sink:
        sink.write(line)
    _git("add", "--all")
    _commit("bench: one backend")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=CLONE, capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip
    env = {**os.environ, "PRE_COMMIT_FROM_REF": f"{head}~1", "PRE_COMMIT_TO_REF": head}
    quick = [sys.executable, "-m", "nox", "-R", "-x", "-j", "2", "-t", "quick"]
    rows = []
    for label, argv in (
        ("pre-push, one backend (-- --affected pushed)", [*quick, "--", "--affected", "pushed"]),
        ("quick set, everything (nox -R -x -j 2 -t quick)", quick),
    ):
        runs = []
        for _ in range(max(repeat, 3)):
            started = time.monotonic()
            done = subprocess.run(argv, cwd=CLONE, env=env, capture_output=True, text=True,
                                  timeout=TIMEOUT_S, check=False)  # fmt: skip
            runs.append(time.monotonic() - started)
            if done.returncode != 0:
                tail = (done.stdout + done.stderr).strip().splitlines()[-10:]
                raise SystemExit(f"{' '.join(argv)} failed:\n" + "\n".join(tail))
        print(f"  {label}: {', '.join(f'{r:.1f}' for r in runs)}s", flush=True)
        rows.append((label, statistics.median(runs)))
    _git("reset", "--quiet", "--hard", "HEAD~1")
    return rows


def _grow(count: int) -> int:
    """Scaffold services into the clone until the registry has count; commit them."""
    made = 0
    while len(registry.load(CLONE).services) < count:
        name = f"bench_{made}"
        scaffold.apply(CLONE, scaffold.plan(CLONE, name, frontend=made % 2 == 1))
        made += 1
    _git("add", "--all")
    _commit(f"bench: {count} services")
    return made


def _table(results: dict[str, dict[str, tuple[float, bool]]], sessions: list[str]) -> None:
    names = list(results)
    print(f"{'session':<12}" + "".join(f" {n:>14}" for n in names))
    for session in sessions:
        cells = []
        for n in names:
            seconds, ok = results[n].get(session, (0.0, True))
            cells.append(f" {seconds:13.1f}{' ' if ok else '!'}")
        print(f"{session:<12}" + "".join(cells))
    totals = {n: sum(s for s, _ in results[n].values()) for n in names}
    print(f"{'total':<12}" + "".join(f" {totals[n]:13.1f} " for n in names))
    if totals.get("full"):
        ratios = "".join(f" {totals[n] / totals['full']:13.2f}x" for n in names)
        print(f"{'x full':<12}{ratios}")
    failed = [f"{n}:{s}" for n in names for s, (_, ok) in results[n].items() if not ok]
    if failed:
        print(f"failed (!): {', '.join(failed)}; logs under {CLONE.parent / 'logs'}")


def _reference_s() -> float:
    """Seconds of a fixed pure-Python loop, best of 3: how fast the machine is this hour."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(REFERENCE_LOOP):
            total += number % 7
        best = min(best, time.perf_counter() - started)
    return best


def main(argv: list[str]) -> int:
    """Run the scenarios and print the per-session table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="full,backend,docs")
    parser.add_argument("--sessions", default=",".join(plan.GATE), help="default: the gate")
    parser.add_argument("--services", type=int, help="then grow to N services (scale)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each affected scenario")
    parser.add_argument("--ref", default="HEAD", help="the commit to clone (e.g. main: before)")
    parser.add_argument("--prepush", action="store_true", help="time the pre-push hook too")
    parser.add_argument("--jobs", type=int, default=1, help="N > 1: each scenario as `nox -j N`")
    args = parser.parse_args(argv)
    # Started in the background, a shell hands us SIGINT ignored, and every child would
    # inherit that: the stack session's Ctrl-C tests would then fail for the bench's sake.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sessions = args.sessions.split(",")
    logs = CLONE.parent / "logs"
    # Figures of two runs compare only as far as the machine ran as fast in both: this says.
    reference = _reference_s()
    _fresh_clone(args.ref)
    logs.mkdir(parents=True, exist_ok=True)
    print(f"clone of {git.short_sha(CLONE)} in {CLONE} (venvs in {ENVDIR})", flush=True)
    results: dict[str, dict[str, tuple[float, bool]]] = {}
    for name in filter(None, args.scenarios.split(",")):
        for run in range(args.repeat if name != "full" else 1):
            label = name if run == args.repeat - 1 or name == "full" else f"{name}#{run + 1}"
            results[label] = _scenario(name, sessions, logs, args.jobs)
    # At today's size, before any services are added.
    hook = _prepush(args.repeat) if args.prepush else []
    if args.services:
        before = len(registry.load(CLONE).services)
        made = _grow(args.services)
        print(f"scale: {before} -> {args.services} services ({made} made by new-service)")
        for run in range(max(args.repeat, 2)):
            # The first run at the new size creates the new targets' venvs: not warm.
            label = f"backend@{args.services}" + ("" if run else " (1st)")
            results[label] = _scenario("backend", sessions, logs, args.jobs)
    _reset()
    _untag_made()
    print("\nseconds per session (`nox -s <session>`, affected runs `-- --affected HEAD`); "
          "! = failed; shared machine: compare within this run")  # fmt: skip
    _table(results, [whole(args.jobs)] if args.jobs > 1 else sessions)
    for label, seconds in hook:
        print(f"{label:<50} {seconds:6.1f}s (median)")
    print(f"machine reference ({REFERENCE_LOOP:,} loop steps, best of 3): "
          f"{reference:.2f}s before, {_reference_s():.2f}s after")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
