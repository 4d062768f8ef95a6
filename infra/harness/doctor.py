"""`nox -s doctor`: one table saying whether this machine can run the stack, and what to do."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness import proc, registry
from harness.bases import no_registry, standin_build, standins
from harness.docker import engine
from harness.errors import HarnessError

# Images, build cache and the stack's volumes need room; below this builds start failing.
MIN_FREE_GB = 10.0


@dataclass(frozen=True)
class Row:
    """One line of the doctor's table."""

    check: str
    status: str  # "ok" | "warn" | "fail"
    detail: str
    fix: str = ""


def check(
    root: Path,
    allow_provision: bool = True,
    run: proc.Runner = proc.run,
    say: Callable[[str], None] = print,
) -> list[Row]:
    """Every check, in the order a user would fix them."""
    rows: list[Row] = []
    eng: engine.Engine | None
    try:
        eng = engine.ensure(root=root, allow_provision=allow_provision, run=run, say=say)
    except HarnessError as exc:
        rows.append(Row("docker engine", "fail", "no engine answers", str(exc)))
        eng = None
    else:
        rows.append(Row("docker engine", "ok", f"engine {eng.server}, client {eng.client}"))
        rows.append(Row("docker compose", "ok", f"compose {eng.compose}"))

    mode = no_registry.decide()
    say(mode.announcement())
    rows.append(
        Row(
            "container registry",
            "ok" if not mode.on else "warn",
            ("no-registry mode: " if mode.on else "reachable: ") + mode.reason,
            "nox -s bases builds the local stand-ins" if mode.on else "",
        )
    )
    if eng is not None:
        rows += _standin_rows(root, mode.on, run)
        rows.append(_disk_row(run))
    rows += _port_rows(root)
    return rows


def _standin_rows(root: Path, needed: bool, run: proc.Runner) -> list[Row]:
    items = standins.load(root)
    state = standin_build.states(items, standins.recipe_hashes(items), run)
    bad = {name: st for name, st in state.items() if st != "current"}
    if not bad:
        return [Row("stand-in images", "ok", f"all {len(items)} present and current")]
    listed = ", ".join(f"{name} {st}" for name, st in bad.items())
    return [
        Row(
            "stand-in images",
            "fail" if needed else "warn",
            f"{len(bad)} of {len(items)} not current ({listed})",
            "run `nox -s bases` (rebuilds only what changed)",
        )
    ]


def _disk_row(run: proc.Runner) -> Row:
    done = run(["docker", "info", "--format", "{{.DockerRootDir}}"], timeout=20)
    where = Path(done.stdout.strip()) if done.ok and done.stdout.strip() else Path("/")
    probe = where if where.exists() else Path("/")
    free_gb = shutil.disk_usage(probe).free / 1e9
    status = "ok" if free_gb >= MIN_FREE_GB else "fail"
    return Row(
        "free disk",
        status,
        f"{free_gb:.1f} GB free at {where}",
        "" if status == "ok" else f"free at least {MIN_FREE_GB:g} GB (docker system prune)",
    )


def _port_rows(root: Path) -> list[Row]:
    try:
        reg = registry.load(root)
    except HarnessError as exc:
        return [Row("service registry", "fail", "invalid", str(exc))]
    taken = {owner: port for owner, port in reg.host_ports().items() if not port_free(port)}
    rows = [Row("service registry", "ok", f"{len(reg.components())} components valid")]
    if not taken:
        rows.append(Row("host ports", "ok", f"all {len(reg.host_ports())} free on 127.0.0.1"))
    else:
        listed = ", ".join(f"{port} ({owner})" for owner, port in taken.items())
        rows.append(
            Row(
                "host ports",
                "warn",
                f"taken on 127.0.0.1: {listed}",
                "only `docker compose up` of the dev stack needs them (smoke uses ephemeral "
                "ports): stop what holds them, or remap them in docker-compose.override.yml",
            )
        )
    return rows


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on host:port (we can bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def render(rows: list[Row]) -> str:
    """The table as text, with a fix line under every row that is not ok."""
    width = max(len(r.check) for r in rows)
    lines = [f"{'check'.ljust(width)}  status  detail", f"{'-' * width}  ------  ------"]
    for r in rows:
        lines.append(f"{r.check.ljust(width)}  {r.status.upper():<6}  {r.detail}")
        if r.status != "ok" and r.fix:
            lines.append(f"{' ' * width}          -> {r.fix}")
    return "\n".join(lines)


def failed(rows: list[Row]) -> bool:
    """True when any row failed (warnings do not fail the doctor)."""
    return any(r.status == "fail" for r in rows)
