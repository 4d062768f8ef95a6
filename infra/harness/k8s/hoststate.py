"""What a local cluster changes on the machine: captured before, restored and compared after.

The kubelet and kube-proxy set kernel settings (kernel.panic_on_oops, vm.overcommit_memory,
net.ipv4.conf.all.route_localnet, ...), add iptables chains and rules, mount under the
kubelet's root and write a few fixed paths (/var/log/pods). The Docker engine is shared:
other people's containers come and go meanwhile, so their mounts, their iptables rules and
their interfaces' settings are left out of every comparison.
"""

from __future__ import annotations

import os
import shlex
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from harness import proc

SYSCTL_ROOT = Path("/proc/sys")
# Settings the kernel itself changes all the time, and a filesystem mounted inside /proc/sys.
VOLATILE_SYSCTLS = frozenset(
    {"kernel/ns_last_pid", "kernel/perf_event_max_sample_rate", "vm/drop_caches"}
)
SKIPPED_SYSCTL_DIRS = ("fs/binfmt_misc",)
# Paths Kubernetes components write whatever their flags say (or by default).
KNOWN_PATHS = (
    "/var/log/pods", "/var/log/containers", "/var/lib/kubelet", "/var/lib/dockershim",
    "/var/run/dockershim.sock", "/run/kubernetes", "/etc/kubernetes", "/var/lib/kube-proxy",
    "/usr/libexec/kubernetes", "/etc/cni/net.d", "/opt/cni/bin",
)  # fmt: skip
# Mounts of other people's containers on the shared engine.
FOREIGN_MOUNTS = ("/var/lib/docker/", "/run/docker/")
KUBE_CHAIN = "KUBE-"
FAMILIES = {"ipv4": ("iptables", "iptables-save"), "ipv6": ("ip6tables", "ip6tables-save")}


@dataclass(frozen=True)
class Snapshot:
    """The machine state a cluster may change."""

    sysctls: dict[str, str]
    iptables: dict[str, tuple[str, ...]]
    mounts: tuple[str, ...]
    paths: dict[str, tuple[str, ...] | None]
    modules: tuple[str, ...]
    # nftables tables ("ip mangle"): iptables-save does not show one left without chains.
    nft_tables: tuple[str, ...] = ()


def sysctls(root: Path = SYSCTL_ROOT) -> dict[str, str]:
    """Every writable kernel setting and its value (key: its path below /proc/sys)."""
    found = {}
    for directory, subdirs, files in os.walk(root):
        rel_dir = os.path.relpath(directory, root)
        subdirs[:] = [
            d for d in subdirs if os.path.join(rel_dir, d).lstrip("./") not in SKIPPED_SYSCTL_DIRS
        ]
        for name in files:
            path = Path(directory, name)
            key = str(path.relative_to(root))
            try:
                if not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
                    continue
                found[key] = path.read_text(encoding="utf-8", errors="replace").strip()
            except OSError:
                continue  # write-only or refusing to be read: nothing to compare
    return found


def iptables(run: proc.Runner = proc.run) -> dict[str, tuple[str, ...]]:
    """iptables-save per family, without counters and comments."""
    found = {}
    for family, (_, save) in FAMILIES.items():
        done = run([save], timeout=60)
        lines = []
        for line in done.stdout.splitlines() if done.ok else ():
            if line.startswith("#"):
                continue
            if line.startswith(":"):
                line = line.rsplit(" [", 1)[0]
            lines.append(line)
        found[family] = tuple(lines)
    return found


def mounts(mountinfo: Path = Path("/proc/self/mountinfo")) -> tuple[str, ...]:
    """Mount points with their source, type and propagation (ids left out: they are not stable)."""
    found = []
    for line in mountinfo.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        separator = fields.index("-")
        point, optional = fields[4], fields[6:separator]
        propagation = ",".join(sorted(o.split(":")[0] for o in optional)) or "private"
        found.append(f"{point} {fields[3]} {fields[separator + 1]} {propagation}")
    return tuple(sorted(found))


def listing(path: str) -> tuple[str, ...] | None:
    """A path's entries (None when it does not exist; () for a file)."""
    target = Path(path)
    if not (target.exists() or target.is_symlink()):
        return None
    if not target.is_dir():
        return ()
    return tuple(sorted(p.name for p in target.iterdir()))


def modules(path: Path = Path("/proc/modules")) -> tuple[str, ...]:
    """Loaded kernel modules (none on a kernel without module support)."""
    if not path.is_file():
        return ()
    return tuple(sorted(line.split()[0] for line in path.read_text().splitlines() if line))


def nft_tables(run: proc.Runner = proc.run) -> tuple[str, ...]:
    """Every nftables table as "family name" (iptables-nft keeps each iptables table as one)."""
    done = run(["nft", "list", "tables"], timeout=30)
    if not done.ok:
        return ()
    return tuple(
        sorted(
            line.removeprefix("table ").strip()
            for line in done.stdout.splitlines()
            if line.startswith("table ")
        )
    )


def take(run: proc.Runner = proc.run) -> Snapshot:
    """The machine's state now."""
    return Snapshot(
        sysctls(), iptables(run), mounts(), {p: listing(p) for p in KNOWN_PATHS}, modules(),
        nft_tables(run),
    )  # fmt: skip


def _own_rules(lines: Iterable[str]) -> set[str]:
    """The iptables lines a cluster could have made: tables, non-Docker chains, and every rule
    naming Kubernetes. Docker adds and removes its rules (DOCKER* chains, MASQUERADE for
    published ports) for other people's containers meanwhile; those are not ours to judge."""
    return {
        line
        for line in lines
        if line.startswith("*")
        or (line.startswith(":") and not line.startswith(":DOCKER"))
        or KUBE_CHAIN in line
        or "kubernetes" in line.lower()
    }


def _own_mounts(lines: Iterable[str]) -> set[str]:
    return {line for line in lines if not line.startswith(FOREIGN_MOUNTS)}


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """What differs, one line each (others' containers on the shared engine left out)."""
    found = []
    for key in sorted(set(before.sysctls) & set(after.sysctls) - VOLATILE_SYSCTLS):
        if before.sysctls[key] != after.sysctls[key]:
            found.append(
                f"sysctl {key.replace('/', '.')}: {before.sysctls[key]!r} -> {after.sysctls[key]!r}"
            )
    for family in FAMILIES:
        old, new = (
            _own_rules(before.iptables.get(family, ())),
            _own_rules(after.iptables.get(family, ())),
        )
        found += [f"{family} rule added: {line}" for line in sorted(new - old)]
        found += [f"{family} rule removed: {line}" for line in sorted(old - new)]
    old_mounts, new_mounts = _own_mounts(before.mounts), _own_mounts(after.mounts)
    found += [f"mount added: {line}" for line in sorted(new_mounts - old_mounts)]
    found += [f"mount removed: {line}" for line in sorted(old_mounts - new_mounts)]
    for path, entries in before.paths.items():
        if after.paths.get(path) != entries:
            found.append(f"path {path}: {entries} -> {after.paths.get(path)}")
    for table in sorted(set(after.nft_tables) - set(before.nft_tables)):
        found.append(f"nftables table added: {table}")
    if before.modules != after.modules:
        found.append(f"kernel modules: {sorted(set(after.modules) ^ set(before.modules))}")
    return found


def restore_sysctls(before: Snapshot, root: Path = SYSCTL_ROOT) -> list[str]:
    """Write back every setting that changed since before; the keys restored."""
    now = sysctls(root)
    restored = []
    for key in sorted(set(before.sysctls) & set(now) - VOLATILE_SYSCTLS):
        if now[key] != before.sysctls[key]:
            (root / key).write_text(before.sysctls[key] + "\n", encoding="utf-8")
            restored.append(key.replace("/", "."))
    return restored


def kube_rule_commands(saved: str, binary: str) -> list[list[str]]:
    """Commands removing Kubernetes' rules and chains from one family's iptables-save text.

    Rules in other chains that jump to a KUBE-* chain go first, then every KUBE-* chain is
    flushed, then deleted (chains may refer to each other, so all flushes come first).
    """
    deletes, flushes, removals = [], [], []
    table = ""
    for line in saved.splitlines():
        if line.startswith("*"):
            table = line[1:]
        elif line.startswith(":" + KUBE_CHAIN):
            chain = line[1:].split()[0]
            flushes.append([binary, "-t", table, "-F", chain])
            removals.append([binary, "-t", table, "-X", chain])
        elif line.startswith("-A ") and not line.split()[1].startswith(KUBE_CHAIN):
            words = shlex.split(line)
            if any(w.startswith(KUBE_CHAIN) for w in words[2:]):
                deletes.append([binary, "-t", table, "-D", *words[1:]])
    return deletes + flushes + removals


def remove_kube_rules(run: proc.Runner = proc.run) -> list[str]:
    """Remove every KUBE-* chain and the rules that lead to them; problems, if any."""
    problems = []
    for family, (binary, save) in FAMILIES.items():
        done = run([save], timeout=60)
        if not done.ok:
            continue
        for argv in kube_rule_commands(done.stdout, binary):
            result = run(argv, timeout=60)
            if not result.ok:
                problems.append(f"{family}: {' '.join(argv[1:])}: {result.last_error_line()}")
    return problems


def remove_new_tables(before: Snapshot, run: proc.Runner = proc.run) -> list[str]:
    """Delete the nftables tables that did not exist before and hold no chain or only empty
    built-in ones now (kube-proxy makes `ip mangle` for its canary chain); problems, if any."""
    problems = []
    for table in sorted(set(nft_tables(run)) - set(before.nft_tables)):
        family, name = table.split(" ", 1)
        listed = run(["nft", "list", "table", family, name], timeout=30)
        rules = [
            line for line in listed.stdout.splitlines() if line.strip() and not _structural(line)
        ]
        if not listed.ok or rules:
            continue
        done = run(["nft", "delete", "table", family, name], timeout=30)
        if not done.ok:
            problems.append(f"nftables table {table}: nft delete: {done.last_error_line()}")
    return problems


def _structural(line: str) -> bool:
    """A line of `nft list table` that is the table's or a chain's frame, not a rule."""
    text = line.strip()
    return text.startswith(("table ", "chain ", "type ", "policy ")) or text == "}"


def mount_points_under(
    directory: Path, mountinfo: Path = Path("/proc/self/mountinfo")
) -> list[str]:
    """Mount points at or below directory, deepest first (the order to unmount them in)."""
    prefix = str(directory).rstrip("/")
    points = []
    for line in mountinfo.read_text(encoding="utf-8").splitlines():
        point = line.split()[4].replace("\\040", " ")
        if point == prefix or point.startswith(prefix + "/"):
            points.append(point)
    return sorted(set(points), key=lambda p: (-p.count("/"), p))


def unmount_under(directory: Path, run: proc.Runner = proc.run, rounds: int = 5) -> list[str]:
    """Unmount everything below directory (lazily when busy); the mount points still left."""
    for _ in range(rounds):
        points = mount_points_under(directory)
        if not points:
            return []
        for point in points:
            if not run(["umount", point], timeout=30).ok:
                run(["umount", "--lazy", point], timeout=30)
    return mount_points_under(directory)


def remove_new_entries(before: Snapshot, say: Callable[[str], None] = print) -> None:
    """Remove what appeared in the known paths since before (entries, or the path itself)."""
    import shutil

    for path, entries in before.paths.items():
        now = listing(path)
        if now is None or now == entries:
            continue
        if entries is None:
            targets = [Path(path)]
        else:
            targets = [Path(path, name) for name in set(now) - set(entries)]
        for target in targets:
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target, ignore_errors=True)
            else:
                target.unlink(missing_ok=True)
        say(f"k8s: removed {len(targets)} entries the cluster left in {path}")
