"""What each session runs for a selection, the one line it prints, and the report formats.

`nox -s <session> -- --affected [REF]` (or ANNADATA_AFFECTED_BASE) restricts session X to what
`python -m harness affected` prints; the noxfile asks `decide` before installing anything.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import paths, registry
from harness.selection import affected

FLAG = "--affected"
ENV = "ANNADATA_AFFECTED_BASE"
# The gate `nox` runs with no arguments. The checks without Docker first (a broken lint
# shows in a minute); then the Docker sessions longest first, so that `nox -j 3` does not
# end on one long session with the other slots idle. hooks runs the quick sessions' venvs
# (`nox -R`): placed well after them, they are installed when it starts.
GATE = (
    "lint", "typecheck", "unit", "lint-corpus", "chart", "adopt-corpus", "stack", "k8s",
    "scaffold", "security", "devstack", "contract", "hooks", "smoke", "standins",
)  # fmt: skip
# Sessions that run per component (the kinds each takes); the rest run whole or not at all.
COMPONENT_KINDS = {
    "unit": ("backend", "worker"),
    "build": registry.KINDS,
    "smoke": registry.KINDS,
    "contract": ("backend",),
    # The attacks on a component (its body limit, its network, its route) run for it; the
    # stack-wide ones (privileges, pids, the socket proxy) run on whatever stack it starts.
    "security": registry.KINDS,
}
# Unit targets that are not registry components.
UNIT_EXTRA = ("harness", "libs", "template")
# The contract session's own checker tests (tests/contract), beside the backends.
CHECKER = "checker"


@dataclass(frozen=True)
class Request:
    """A request to restrict sessions: the ref to compare with (None: the default base)."""

    ref: str | None
    source: str


def request(
    args: Sequence[str], environ: Mapping[str, str] | None = None
) -> tuple[Request | None, list[str]]:
    """Take `--affected [REF]` (or `--affected=REF`) out of args; ANNADATA_AFFECTED_BASE asks too.

    A REF is the next argument unless it starts with `-` (`--affected= NAME` keeps a NAME
    that follows). Without --affected and without the variable, None: run in full.
    """
    env = os.environ if environ is None else environ
    rest: list[str] = []
    found: Request | None = None
    items = list(args)
    i = 0
    while i < len(items):
        arg = items[i]
        if arg == FLAG:
            ref = None
            if i + 1 < len(items) and not items[i + 1].startswith("-"):
                ref, i = items[i + 1], i + 1
            found = Request(ref or env.get(ENV) or None, FLAG)
        elif arg.startswith(FLAG + "="):
            found = Request(arg.split("=", 1)[1] or None, FLAG)
        else:
            rest.append(arg)
        i += 1
    if found is None and env.get(ENV):
        found = Request(env[ENV], ENV)
    return found, rest


def as_args(req: Request | None) -> list[str]:
    """The request as harness arguments (`--affected REF`), to pass it through."""
    if req is None:
        return []
    return [FLAG, req.ref] if req.ref else [FLAG]


_memo: dict[tuple[Path, str | None], affected.Selection] = {}


def select(root: Path, req: Request, reg: registry.Registry | None = None) -> affected.Selection:
    """The selection for req, computed once per process (every session of a nox run shares it).

    reg: the validated registry (the harness's commands); the noxfile passes none and the
    registry is parsed unchecked (an unreadable one selects everything: lint reports it).
    """
    key = (root, req.ref)
    if key not in _memo:
        change = affected.change(root, req.ref)
        if reg is None:
            reg = unchecked_registry(root)
        if reg is None:
            sel = affected.Selection(change)
            sel.everything = f"{paths.REGISTRY_FILE} does not parse (lint says why)"
        else:
            sel = affected.compute(root, reg, change)
        _memo[key] = sel
    return _memo[key]


def session_plan(root: Path, req: Request, session: str, target: str | None = None) -> Plan:
    """The noxfile's question: what does this session (target) run for req?"""
    reg = unchecked_registry(root)
    sel = select(root, req)
    if reg is None:
        return Plan(session, True, f"{session}: affected: everything ({sel.everything})")
    return decide(sel, reg, session, target)


def unchecked_registry(root: Path) -> registry.Registry | None:
    """services.json read with the standard library; None when it does not parse."""
    path = root / paths.REGISTRY_FILE
    try:
        return registry.parse(path, path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return None


def unit_targets(reg: registry.Registry) -> dict[str, str]:
    """Unit target -> directory for every Python component (its own venv each)."""
    kinds = COMPONENT_KINDS["unit"]
    return {c.ref: c.directory for c in reg.components() if c.kind in kinds}


@dataclass(frozen=True)
class Plan:
    """What one session does for a selection, and the one line it prints.

    targets: component refs (build, smoke, contract), None for all of it; tests: the test
    files a unit target is narrowed to (empty: all of its tests).
    """

    session: str
    run: bool
    line: str
    targets: tuple[str, ...] | None = None
    tests: tuple[str, ...] = ()
    checker: bool = True


def decide(
    sel: affected.Selection, reg: registry.Registry, session: str, target: str | None = None
) -> Plan:
    """The plan of session (a unit session names its target) for sel."""
    name = f"{session}(target={target!r})" if target else session
    where = sel.change.described
    if sel.everything:
        return Plan(session, True, f"{name}: affected: everything ({sel.everything})")
    if not sel.change.paths:
        return Plan(session, False, f"{name}: nothing affected: no file differs ({where})")
    picks = sel.picks.get(session, {})
    if session == "lint":
        count = len(sel.change.paths)
        return Plan(session, True, f"{name}: affected: lint checks every change ({count} changed)")
    if session == "unit" and target is not None:
        return _unit(sel, reg, name, target, picks)
    if session in COMPONENT_KINDS:
        return _components(sel, reg, session, picks)
    if picks:
        return Plan(session, True, f"{name}: affected: {next(iter(picks.values()))}")
    return Plan(session, False, f"{name}: nothing affected: {_why_not(sel)}")


def _why_not(sel: affected.Selection) -> str:
    shown = ", ".join(sel.change.paths[:3]) + (" ..." if len(sel.change.paths) > 3 else "")
    return f"no change reaches it ({len(sel.change.paths)} changed: {shown})"


def _unit(
    sel: affected.Selection, reg: registry.Registry, name: str, target: str,
    picks: Mapping[str, str],
) -> Plan:  # fmt: skip
    if "*" in picks or (target in sel.components and target in unit_targets(reg)):
        why = picks.get("*") or sel.components[target]
        return Plan("unit", True, f"{name}: affected: {why}")
    if target in picks:
        tests = () if target in sel.whole else tuple(sorted(sel.tests.get(target, ())))
        only = f"; only {', '.join(tests)}" if tests else ""
        return Plan("unit", True, f"{name}: affected: {picks[target]}{only}", tests=tests)
    return Plan("unit", False, f"{name}: nothing affected: {_why_not(sel)}")


def _components(
    sel: affected.Selection, reg: registry.Registry, session: str, picks: Mapping[str, str]
) -> Plan:
    kinds = COMPONENT_KINDS[session]
    pool = [c.ref for c in reg.components() if c.kind in kinds]
    checker = session == "contract" and (CHECKER in picks or "*" in picks)
    if "*" in picks:
        return Plan(session, True, f"{session}: affected: all {len(pool)} components "
                                   f"({picks['*']})", None, checker=checker)  # fmt: skip
    chosen = tuple(ref for ref in pool if ref in sel.components)
    left = [ref for ref in pool if ref not in chosen]
    if not chosen and not checker:
        return Plan(session, False, f"{session}: nothing affected: {_why_not(sel)}", ())
    what = ", ".join(chosen) if chosen else "none"
    extra = f" and its checker tests ({picks[CHECKER]})" if checker else ""
    line = f"{session}: affected: {len(chosen)} of {len(pool)} components ({what}){extra}"
    if left:
        line += f"; left out {len(left)}, no change reaches them: {', '.join(left)}"
    return Plan(session, True, line, chosen, checker=checker)


# --- reports --------------------------------------------------------------------------------


def plans(sel: affected.Selection, reg: registry.Registry) -> dict[str, Plan]:
    """Every gate session's plan (unit per target as `unit(target=...)`), and build's."""
    found: dict[str, Plan] = {}
    for session in (*GATE, "build"):
        if session == "unit":
            for target in (*UNIT_EXTRA, *unit_targets(reg)):
                found[f"unit(target='{target}')"] = decide(sel, reg, "unit", target)
        else:
            found[session] = decide(sel, reg, session)
    return found


def _as_data(p: Plan) -> dict[str, object]:
    targets = None if p.targets is None else list(p.targets)
    return {"run": p.run, "targets": targets, "tests": list(p.tests), "line": p.line}


def report(sel: affected.Selection, reg: registry.Registry, fmt: str) -> str:
    """The selection as text (reasons first), json, or github (lines for $GITHUB_OUTPUT)."""
    planned = plans(sel, reg)
    units = [p.split("'")[1] for p, plan in planned.items() if p.startswith("unit(") and plan.run]
    running = sorted({name.split("(")[0] for name, plan in planned.items() if plan.run})
    # The CI job that builds and runs the stack: what it runs, with the cheap checks done.
    docker = any(planned[s].run for s in ("build", "smoke", "contract", "standins", "stack",
                                           "security", "devstack"))  # fmt: skip
    data = {
        "compared": sel.change.described,
        "base": sel.change.base,
        "head": sel.change.head,
        "changed": list(sel.change.paths),
        "everything": sel.everything,
        "components": dict(sel.components),
        "sessions": {name: _as_data(p) for name, p in planned.items()},
        "unit": units,
        "docker": docker,
    }
    if fmt == "json":
        return json.dumps(data, indent=2)
    if fmt == "github":
        return "\n".join([
            f"base={sel.change.base or ''}",
            f"everything={'true' if sel.everything else 'false'}",
            f"unit={json.dumps(units)}",
            f"sessions={json.dumps(running)}",
            f"docker={'true' if docker else 'false'}",
        ])  # fmt: skip
    count = len(sel.change.paths)
    lines = [f"affected: {count} changed file{'' if count == 1 else 's'}, {sel.change.described}"]
    if sel.everything:
        lines.append(f"  everything: {sel.everything}")
    for path in sel.change.paths:
        for reason in sel.paths.get(path, []) or [f"{path}{affected.ARROW}(not reached)"]:
            lines.append(f"  {reason}")
    lines.append(f"components: {', '.join(sel.components) or 'none'}")
    lines.append("sessions:")
    lines += [f"  {'run ' if p.run else 'skip'} {p.line}" for p in planned.values()]
    return "\n".join(lines)
