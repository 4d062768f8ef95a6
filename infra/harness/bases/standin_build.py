"""Building the stand-in images: a debootstrap rootfs, then one Dockerfile each."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import files, hostlock, paths, proc
from harness.bases import standins
from harness.bases.standins import HASH_LABEL, STANDS_IN_LABEL, StandIn
from harness.docker import image_info
from harness.errors import HarnessError

# Bounds per step: debootstrap fetches ~100 packages; an apt-heavy recipe (node) ~1-2 min here.
DEBOOTSTRAP_TIMEOUT = 1200
IMPORT_TIMEOUT = 300
BUILD_TIMEOUT = 1800
LOG_DIR = Path(paths.STATE_DIR) / "logs"

# Container hygiene for the imported rootfs: no daemons start during `apt-get install`, and
# apt also sees point releases and security fixes, as the official Debian images do.
# policy-rc.d exit 101 = "action forbidden": containers have no init to start daemons with.
POLICY_RC_D = "#!/bin/sh\nexit 101\n"
SOURCES = (
    "deb {mirror} {suite} main\n"
    "deb {mirror} {suite}-updates main\n"
    "deb {security} {suite}-security main\n"
)
APT_CLEAN = (
    'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb '
    '/var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n'
)


@dataclass(frozen=True)
class StandInBuild:
    """What happened to one stand-in in a bases run."""

    name: str
    tag: str
    action: str  # "up to date" | "built"
    seconds: float
    size_mb: float | None


def current_hash(tag: str, run: proc.Runner = proc.run) -> str | None:
    """The recipe hash label on a local image, or None when the image is absent."""
    return image_info.label(tag, HASH_LABEL, run)


def states(
    items: dict[str, StandIn], hashes: dict[str, str], run: proc.Runner = proc.run
) -> dict[str, str]:
    """ "current", "stale" or "missing" for each stand-in."""
    result = {}
    for name, s in items.items():
        found = current_hash(s.tag, run)
        result[name] = (
            "missing" if found is None else "current" if found == hashes[name] else "stale"
        )
    return result


def build(
    root: Path,
    only: Iterable[str] = (),
    force: bool = False,
    run: proc.Runner = proc.run,
    say: Callable[[str], None] = print,
) -> list[StandInBuild]:
    """Build every stand-in whose recipe changed (and what builds on it); write the env file."""
    items = standins.check(root, only)
    # Where the env file and logs go must be usable before minutes of building, not after.
    files.make_dir(root / LOG_DIR, "log directory")
    wanted = _with_bases(items, set(only) or set(items))
    hashes = standins.recipe_hashes(items)
    # Every checkout shares the stand-ins: a second run waits, then finds them up to date.
    with hostlock.machine("standins", "checking or building the stand-in images", say):
        outcomes = _build_wanted(root, items, wanted, hashes, force, run, say)
    write_env_file(root, items)
    return outcomes


def _build_wanted(
    root: Path,
    items: dict[str, StandIn],
    wanted: set[str],
    hashes: dict[str, str],
    force: bool,
    run: proc.Runner,
    say: Callable[[str], None],
) -> list[StandInBuild]:
    outcomes = []
    for name, s in items.items():
        if name not in wanted:
            continue
        started = time.monotonic()
        if not force and current_hash(s.tag, run) == hashes[name]:
            outcomes.append(
                StandInBuild(name, s.tag, "up to date", time.monotonic() - started, None)
            )
            continue
        say(f"bases: building {s.tag} (stand-in for {s.stands_in_for})")
        old_id = image_info.inspect(s.tag, "{{.Id}}", run)
        if s.rootfs is not None:
            _build_rootfs(root, s, hashes[name], run)
        else:
            _build_dockerfile(root, s, hashes[name], items, run)
        if old_id and old_id != image_info.inspect(s.tag, "{{.Id}}", run):
            # The replaced image is now untagged; drop it unless a container still uses it.
            run(["docker", "image", "rm", old_id], timeout=60)
        size = image_info.size_mb(s.tag, run)
        outcomes.append(StandInBuild(name, s.tag, "built", time.monotonic() - started, size))
    return outcomes


def _with_bases(items: dict[str, StandIn], names: set[str]) -> set[str]:
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(items[name].needs)
    return seen


def write_env_file(root: Path, items: dict[str, StandIn]) -> Path:
    """Write .annadata/no-registry.env atomically: one IMAGE variable per stand-in."""
    lines = [
        "# Written by `nox -s bases`; do not edit. Image variables for no-registry mode.",
        *(f"{s.provides}={s.tag}" for s in items.values()),
    ]
    return files.write_text(
        root / paths.NO_REGISTRY_ENV_FILE, "\n".join(lines) + "\n", "no-registry env file"
    )


def _labels(s: StandIn, recipe_hash: str) -> list[str]:
    return [f"{HASH_LABEL}={recipe_hash}", f"{STANDS_IN_LABEL}={s.stands_in_for}"]


def _build_dockerfile(
    root: Path, s: StandIn, recipe_hash: str, items: dict[str, StandIn], run: proc.Runner
) -> None:
    log = root / LOG_DIR / f"bases-{s.name}.log"
    with tempfile.TemporaryDirectory(prefix=f"annadata-base-{s.name}-") as context:
        shutil.copytree(s.recipe_dir, context, dirs_exist_ok=True)
        if s.host_ca:
            shutil.copyfile(standins.ca_bundle(), Path(context) / standins.HOST_CA_FILE)
        argv = ["docker", "build", "--force-rm", "--tag", s.tag]
        for label in _labels(s, recipe_hash):
            argv += ["--label", label]
        for dep in s.needs:
            argv += ["--build-arg", f"{items[dep].provides}={items[dep].tag}"]
        done = run([*argv, context], timeout=BUILD_TIMEOUT, log=log)
    if not done.ok:
        raise HarnessError(
            f"bases: building {s.tag} from {s.dockerfile.relative_to(root)} failed "
            f"({done.last_error_line()}); full log: {log.relative_to(root)}"
        )


def _build_rootfs(root: Path, s: StandIn, recipe_hash: str, run: proc.Runner) -> None:
    spec = s.rootfs or {}
    _ensure_debootstrap(run)
    log = root / LOG_DIR / f"bases-{s.name}.log"
    workdir = Path(tempfile.mkdtemp(prefix="annadata-rootfs-", dir="/var/tmp"))
    rootfs = workdir / "rootfs"
    try:
        include = ",".join(spec.get("include", []))
        argv = ["debootstrap", f"--variant={spec['variant']}"]
        argv += [f"--include={include}"] if include else []
        argv += [spec["suite"], str(rootfs), spec["mirror"]]
        done = run(argv, timeout=DEBOOTSTRAP_TIMEOUT, log=log)
        if not done.ok:
            raise HarnessError(
                f"bases: debootstrap of {spec['suite']} failed ({done.last_error_line()}); "
                f"full log: {log.relative_to(root)}"
            )
        _customise(rootfs, spec)
        _import(rootfs, s, recipe_hash)
    finally:
        _remove_tree(workdir)


def _ensure_debootstrap(run: proc.Runner) -> None:
    if shutil.which("debootstrap"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise HarnessError(
            "bases: debootstrap is missing: install it (Debian/Ubuntu: apt-get install "
            "debootstrap); stand-ins are only needed where no registry answers"
        )
    print("bases: installing debootstrap (apt-get install debootstrap)")
    done = run(["apt-get", "install", "-y", "-qq", "debootstrap"], timeout=600)
    if not done.ok:
        run(["apt-get", "update", "-qq"], timeout=600)
        done = run(["apt-get", "install", "-y", "-qq", "debootstrap"], timeout=600)
    if not done.ok:
        raise HarnessError(f"bases: could not install debootstrap ({done.last_error_line()})")


def _customise(rootfs: Path, spec: dict[str, Any]) -> None:
    policy = rootfs / "usr/sbin/policy-rc.d"
    policy.write_text(POLICY_RC_D, encoding="utf-8")
    policy.chmod(0o755)
    security = spec["mirror"].rstrip("/") + "-security"
    (rootfs / "etc/apt/sources.list").write_text(
        SOURCES.format(mirror=spec["mirror"], suite=spec["suite"], security=security),
        encoding="utf-8",
    )
    (rootfs / "etc/apt/apt.conf.d/docker-clean").write_text(APT_CLEAN, encoding="utf-8")
    for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for item in (rootfs / leftover).glob("*"):
            if item.is_file():
                item.unlink()


def _import(rootfs: Path, s: StandIn, recipe_hash: str) -> None:
    changes = [f"LABEL {label}" for label in _labels(s, recipe_hash)]
    changes += [
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        'CMD ["bash"]',
    ]
    importer_argv = ["docker", "import"]
    for change in changes:
        importer_argv += ["--change", change]
    importer_argv += ["-", s.tag]
    # tar and docker import are piped process to process: the rootfs never lands on disk twice.
    with subprocess.Popen(
        ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE
    ) as tar:
        importer = subprocess.run(
            importer_argv,
            stdin=tar.stdout,
            capture_output=True,
            text=True,
            timeout=IMPORT_TIMEOUT,
            check=False,
        )
        if tar.stdout:
            tar.stdout.close()
        tar_status = tar.wait(timeout=IMPORT_TIMEOUT)
    if importer.returncode != 0 or tar_status != 0:
        why = importer.stderr.strip().splitlines()[-1:] or [f"tar exit {tar_status}"]
        raise HarnessError(f"bases: docker import of {s.tag} failed ({why[0]})")


def _remove_tree(workdir: Path) -> None:
    """Remove a debootstrap work tree, unmounting first anything a failed run left mounted."""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        mounts = []
    inside = sorted(
        (m.split()[1] for m in mounts if m.split()[1].startswith(str(workdir) + "/")),
        key=len,
        reverse=True,
    )
    for mountpoint in inside:
        proc.run(["umount", "-l", mountpoint], timeout=60)
    still = [m for m in inside if os.path.ismount(m)]
    if still:
        raise HarnessError(f"bases: {still[0]} is still mounted; unmount it, then remove {workdir}")
    shutil.rmtree(workdir, ignore_errors=True)
