"""The audit report: Markdown for people, JSON for tools (the same facts)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from harness import reports
from harness.adopt.audit import Audit

FORMATS = reports.AUDIT_FORMATS


def as_data(audit: Audit) -> dict[str, Any]:
    """The audit as plain JSON data (origins left out: they repeat apps and frontends)."""
    data = dataclasses.asdict(audit)
    data.pop("origins", None)
    data.pop("specs", None)
    data["seconds"] = round(audit.seconds, 2)
    data["runnable"] = sorted(audit.origins)
    return data


def render(audit: Audit, fmt: str) -> str:
    """The report in md or json."""
    if fmt == "json":
        return json.dumps(as_data(audit), indent=2, sort_keys=True)
    return markdown(audit)


def _cell(value: object) -> str:
    return str(value if value not in (None, "", []) else "-").replace("|", "\\|")


def markdown(audit: Audit) -> str:
    """A Markdown report: apps, frontends, artifacts, what cannot run, proposal, blockers."""
    out = [f"# Audit of {audit.root}", ""]
    out.append(f"{audit.files} files read in {audit.seconds:.1f}s; nothing in the tree was "
               "changed.")  # fmt: skip
    if audit.empty:
        out += ["", "**No services found**: no FastAPI or Starlette app and no Node frontend."]
    out += ["", "## ASGI apps", ""]
    if audit.apps:
        out.append("| app | run | from | openapi | docs | health | ports | requirements | "
                   "needs | probe |")  # fmt: skip
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for a in audit.apps:
            ports = ", ".join(f"{p} ({w})" for p, w in a.ports)
            out.append(
                f"| {a.file}:{a.line} ({a.framework}) | `{a.entrypoint}` | {a.workdir} | "
                f"{_cell(a.openapi.value)} ({a.openapi.how}) | {_cell(a.docs.value)} "
                f"({a.docs.how}) | {_cell(a.health.value)} ({a.health.how}) | {_cell(ports)} | "
                f"{_cell(a.requirements)} | {_cell(', '.join(a.needs))} | {_cell(a.probe)} |"
            )
        for a in audit.apps:
            if a.settings:
                listed = ", ".join(
                    f"{k}={v}" if v is not None else k for k, v in a.settings.items()
                )
                out.append(f"- `{a.entrypoint}` reads settings: {listed}")
            if a.unpinned:
                out.append(f"- `{a.entrypoint}`: unpinned: {', '.join(a.unpinned)}")
            if a.missing_imports:
                out.append(f"- `{a.entrypoint}`: imports no requirement provides: "
                           f"{', '.join(a.missing_imports)}")  # fmt: skip
    else:
        out.append("none")
    out += ["", "## Node frontends", ""]
    if audit.frontends:
        out.append("| directory | framework | serve | build | start | node | lockfile |")
        out.append("|---|---|---|---|---|---|---|")
        for f in audit.frontends:
            out.append(
                f"| {f.directory} | {f.framework} | {f.serve} | {_cell(f.build)} | "
                f"{_cell(f.start)} | {_cell(f.node)} ({f.node_how}) | {_cell(f.lockfile)} |"
            )
    else:
        out.append("none")
    art = audit.artifacts
    out += ["", "## Data and models", ""]
    out.append(f"- data folders: {', '.join(art.data_dirs) or 'none'}")
    for m in art.models:
        out.append(
            f"- model {m.path}: {m.format}{' (dev only: pickles run code)' if m.dev_only else ''}"
        )
    for rel, entries in art.registries.items():
        out.append(f"- model registry {rel}: " + (", ".join(
            f"{e.name} {e.status}" for e in entries) or "empty"))  # fmt: skip
    out += ["", "## Found but cannot run", ""]
    out += [f"- {u.file}:{u.line} ({u.framework}): {u.why_not}" for u in audit.unrunnable]
    out += [f"- {a.file}:{a.line}: {a.why_not}" for a in audit.apps if not a.runnable]
    if not audit.unrunnable and all(a.runnable for a in audit.apps):
        out.append("none")
    out += ["", "## Proposed services.json (current paths)", "", "```json",
            json.dumps(audit.proposed, indent=2), "```"]  # fmt: skip
    out += ["", "## Blockers", ""]
    for b in audit.blockers:
        tag = " (adopt does this)" if b.fixed_by_adopt else ""
        out.append(f"- {b.where}: {b.problem}. Fix: {b.fix}{tag}")
    if not audit.blockers:
        out.append("none")
    if audit.notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in audit.notes]
    return "\n".join(out) + "\n"
