"""`nox -s audit -- PATH`: inventory a repository the harness did not write, reading only.

Everything is found by parsing (ast, package.json, file headers); the probe (a throwaway
venv outside the tree) adds what only importing can tell. Nothing in PATH changes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import proc
from harness.adopt import artifacts, frontends, probe, python_apps
from harness.adopt.frontends import Blocker, Frontend
from harness.adopt.python_apps import Found, PythonApp
from harness.adopt.tree import Tree, walk
from harness.errors import HarnessError

INFRA = {
    "postgres": ("POSTGRES_IMAGE", {"postgres": 5432}, "PostgreSQL 15."),
    "redis": ("REDIS_IMAGE", {"redis": 6379}, "Redis 7."),
    "socket_proxy": ("SOCKET_PROXY_IMAGE", {}, "Docker socket proxy: Traefik's read-only view "
                     "of the Docker API."),
    "traefik": ("TRAEFIK_IMAGE", {"web": 80, "dashboard": 8080}, "Traefik v3: routes hosts."),
}  # fmt: skip
# Every adopted stack has these: Traefik routes its components, and reads Docker only through
# the socket proxy (the lint policy's ANN013 refuses the socket anywhere else).
ALWAYS = ("socket_proxy", "traefik")
GENERIC_PARTS = {"backend", "frontend", "server", "app", "web", "ui", "client", "src", "api"}
FIRST_PORT = {"backend": 8000, "frontend": 3000}
UVICORN_COMMAND = re.compile(r"uvicorn\s+(?P<app>[\w.]+:\w+)[^\n]*?--port[= ](?P<port>\d{2,5})")


@dataclass
class Audit:
    """Everything the audit found, and the registry it proposes."""

    root: str
    apps: list[PythonApp] = field(default_factory=list)
    unrunnable: list[PythonApp] = field(default_factory=list)
    frontends: list[Frontend] = field(default_factory=list)
    artifacts: artifacts.Artifacts = field(default_factory=artifacts.Artifacts)
    requirements: dict[str, python_apps.Requirements] = field(default_factory=dict)
    locks: dict[str, dict[str, str]] = field(default_factory=dict)
    blockers: list[Blocker] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    proposed: dict[str, Any] = field(default_factory=dict)
    # component ref -> the app or frontend it came from (for adopt).
    origins: dict[str, PythonApp | Frontend] = field(default_factory=dict)
    # entrypoint -> the OpenAPI document the probe got from the app (adopt commits it).
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0
    files: int = 0

    @property
    def empty(self) -> bool:
        """No ASGI app and no frontend: nothing to adopt."""
        return not self.apps and not self.frontends


def check_repository(path: Path, run: proc.Runner = proc.run) -> Path:
    """PATH as a repository root, or a one-line HarnessError saying what is wrong."""
    if not path.exists():
        raise HarnessError(f"{path}: no such directory: give the root of a git repository")
    if not path.is_dir():
        raise HarnessError(f"{path}: not a directory: give the root of a git repository")
    done = run(["git", "-C", str(path), "rev-parse", "--show-toplevel"], timeout=30)
    top = Path(done.stdout.strip()).resolve() if done.ok else None
    if top is None:
        raise HarnessError(f"{path}: not a git repository: `git init` it and commit first")
    if top != path.resolve():
        raise HarnessError(f"{path}: inside the git repository {top}: give its root instead")
    return path.resolve()


def run_audit(
    path: Path,
    *,
    use_probe: bool = True,
    run: proc.Runner = proc.run,
    say: Callable[[str], None] = lambda _line: None,
) -> Audit:
    """Audit the repository at path (read only)."""
    started = time.monotonic()
    root = check_repository(path, run)
    tree = walk(root)
    audit = Audit(str(root), files=len(tree.files), notes=list(tree.notes))
    apps, audit.unrunnable = python_apps.find_apps(tree)
    audit.frontends = frontends.find(tree)
    audit.artifacts = artifacts.find(tree)
    scripted = _scripted_ports(tree)
    for app in apps:
        python_apps.run_location(tree, app)
        python_apps.analyse_code(tree, app)
        app.ports += scripted.get(app.entrypoint, [])
        app.requirements = python_apps.covering_requirements(tree, app)
        if app.requirements:
            reqs = audit.requirements.setdefault(
                app.requirements, python_apps.read_requirements(tree, app.requirements)
            )
            app.unpinned = list(reqs.unpinned)
            app.missing_imports = python_apps.missing_imports(tree, app, reqs.names)
    audit.apps = apps
    if use_probe and apps:
        with probe.prober(run) as prober:
            for app in apps:
                if app.requirements:
                    say(f"audit: probing {app.entrypoint} (venv from {app.requirements})")
                    _probe(tree, prober, app, app.requirements, audit)
                else:
                    app.probe = "not run: no requirements file covers it"
    _judge(audit, tree)
    audit.proposed = propose(audit, tree)
    audit.seconds = time.monotonic() - started
    return audit


def _scripted_ports(tree: Tree) -> dict[str, list[tuple[int, str]]]:
    """Ports named by `uvicorn APP --port N` in scripts and READMEs."""
    found: dict[str, list[tuple[int, str]]] = {}
    for rel in tree.files:
        name = rel.rsplit("/", 1)[-1].lower()
        if not (name.endswith((".sh", ".md")) or name in ("makefile", "procfile", "justfile")):
            continue
        for number, line in enumerate((tree.text(rel, 1_000_000) or "").splitlines(), 1):
            for match in UVICORN_COMMAND.finditer(line):
                found.setdefault(match["app"], []).append((int(match["port"]), f"{rel}:{number}"))
    return found


def _probe(
    tree: Tree, prober: probe.Prober, app: PythonApp, requirements: str, audit: Audit
) -> None:
    venv = prober.venv(tree, requirements)
    if venv.resolved:
        audit.locks[requirements] = venv.resolved
    outcome = prober.import_app(tree, venv, app.workdir, app.entrypoint)
    if not outcome.ok:
        app.probe = f"failed: {outcome.error}"
        return
    app.probe = "ok" + (f" ({outcome.error})" if outcome.error else "")
    if outcome.openapi:
        audit.specs[app.entrypoint] = dict(outcome.openapi)
    if app.dynamic or app.openapi.how == "default":
        app.openapi = Found(outcome.openapi_url, "probe")
    if app.dynamic or app.docs.how == "default":
        app.docs = Found(outcome.docs_url, "probe")
    # The OpenAPI paths are the routes as served (a router's prefix applied); app.routes
    # adds what the document leaves out (docs pages, routes hidden from the schema).
    documented: Any = (outcome.openapi or {}).get("paths", {})
    gets = [str(p) for p, ops in documented.items() if isinstance(ops, dict) and "get" in ops]
    gets += [p for p, methods in outcome.routes if p and (not methods or "GET" in methods)]
    health = next((p for p in gets if python_apps.HEALTH_PATH.match(p)), None)
    if health:
        app.health = Found(health, "probe")
    app.routes = sorted(set(gets))
    # With the venv at hand, an import is missing only if the venv cannot find it.
    app.missing_imports = [m for m in app.missing_imports if m not in _venv_modules(venv)]


def _venv_modules(venv: probe.Venv) -> set[str]:
    site = list(venv.python.parent.parent.glob("lib/python*/site-packages"))
    names = set()
    for folder in site:
        for entry in folder.iterdir():
            names.add(entry.name.removesuffix(".py").split(".")[0])
    return names


def _package_in_tree(tree: Tree, name: str) -> str | None:
    """The installable project (the folder with pyproject.toml or setup.py) holding package
    `name`, or the package's own folder; None when the tree has no such package."""
    for rel in tree.files:
        if rel.endswith(f"/{name}/__init__.py") or rel == f"{name}/__init__.py":
            folder = rel.rsplit("/", 1)[0]
            parts = folder.split("/")
            for i in range(len(parts) - 1, 0, -1):
                base = "/".join(parts[:i])
                if f"{base}/pyproject.toml" in tree.files or f"{base}/setup.py" in tree.files:
                    return base
            return folder
    return None


def _judge(audit: Audit, tree: Tree) -> None:
    """Blockers with their fixes; apps that turn out not to be runnable say why."""
    for app in audit.apps:
        where = f"{app.file}:{app.line}"
        if app.requirements is None:
            app.runnable = False
            app.why_not = "no requirements.txt or pyproject.toml covers it"
            audit.blockers.append(Blocker(where, app.why_not, "add a requirements.txt beside "
                                          "it listing fastapi and uvicorn"))  # fmt: skip
            continue
        reqs = audit.requirements[app.requirements]
        for problem in reqs.problems:
            audit.blockers.append(
                Blocker(
                    problem.split(": ", 1)[0],
                    problem.split(": ", 1)[-1],
                    "write one requirement per line (pip's format)",
                )
            )
        if app.probe.startswith("failed"):
            app.runnable = False
            app.why_not = app.probe.removeprefix("failed: ")
            audit.blockers.append(
                Blocker(
                    where,
                    app.why_not,
                    "make it importable from "
                    f"{app.workdir} with only {app.requirements} "
                    "installed (run the import the report names)",
                )
            )
        for name in app.missing_imports:
            app.runnable = False
            app.why_not = app.why_not or f"imports {name}, which no requirement provides"
            local = _package_in_tree(tree, name)
            fix = (
                f"{name} is a package in this tree ({local}): list it in {app.requirements} "
                f"(`-e ./{local}` where it is installable), or move it under {app.workdir}"
                if local else f"add the distribution that provides {name} to {app.requirements}"
            )  # fmt: skip
            audit.blockers.append(Blocker(where, f"imports {name!r}, which {app.requirements} "
                                          "does not provide", fix))  # fmt: skip
        if "uvicorn" not in reqs.names and "uvicorn" not in audit.locks.get(app.requirements, {}):
            app.runnable = False
            app.why_not = app.why_not or "uvicorn is not in its requirements"
            audit.blockers.append(Blocker(app.requirements, "uvicorn is not listed: the image "
                                          "serves the app with it", f"add uvicorn to "
                                          f"{app.requirements}"))  # fmt: skip
        if app.unpinned:
            audit.blockers.append(
                Blocker(
                    app.requirements,
                    f"{len(app.unpinned)} unpinned requirement(s): {', '.join(app.unpinned[:5])}",
                    "adopt writes a lock pinned by pip's resolver (pip install --report)",
                    True,
                )
            )
        if app.openapi.value is None and app.probe == "not run":
            app.runnable = False
            app.why_not = app.why_not or "its OpenAPI URL is set at run time: the probe did not run"
            audit.blockers.append(
                Blocker(
                    where,
                    f"openapi_url: {app.openapi.how}, and the probe did not run",
                    "audit without --no-probe",
                )
            )
        elif app.openapi.value is None:
            app.runnable = False
            app.why_not = app.why_not or "no OpenAPI document (openapi_url=None)"
            audit.blockers.append(Blocker(where, "its OpenAPI document is off",
                                          "serve one (openapi_url) so contracts can be "
                                          "checked"))  # fmt: skip
    for front in audit.frontends:
        audit.blockers += front.blockers
    for rel, entries in audit.artifacts.registries.items():
        for entry in entries:
            if entry.status != "ok":
                audit.blockers.append(Blocker(rel, f"{entry.name}: {entry.file} {entry.status}",
                                              "recompute the sha256 (sha256sum) or restore "
                                              "the file"))  # fmt: skip
    pickles = [m.path for m in audit.artifacts.models if m.dev_only]
    if pickles:
        audit.blockers.append(Blocker(pickles[0], f"{len(pickles)} pickled model(s): they run "
                                      "code when loaded", "components that mount them go in "
                                      "the dev profile (adopt does); export to ONNX for the "
                                      "default stack", True))  # fmt: skip
    if audit.empty:
        audit.notes.append("no services: no FastAPI or Starlette app and no Node frontend")


def service_name(directory: str, fallback: str) -> str:
    """A snake_case service name from a component's directory."""
    parts = [p for p in directory.split("/") if p not in (".", "")]
    meaningful = [p for p in parts if p.lower() not in GENERIC_PARTS]
    chosen = meaningful[-1] if meaningful else "_".join(parts) or fallback
    name = re.sub(r"[^a-z0-9]+", "_", chosen.lower()).strip("_")
    if not name or not name[0].isalpha():
        name = f"app_{name}".strip("_")
    return name[:40]


def _mounts_for(tree: Tree, audit: Audit, app: PythonApp) -> list[str]:
    """Data and model folders the app's code names (or that sit below its directory)."""
    directory = app.file.rsplit("/", 1)[0] if "/" in app.file else "."
    code = "".join(tree.text(rel) or "" for rel in python_apps.code_files(tree, app))
    mounts = []
    for folder in [*audit.artifacts.data_dirs, *audit.artifacts.model_dirs()]:
        inside = directory != "." and folder.startswith(directory + "/")
        relative = folder if app.workdir == "." else folder.removeprefix(app.workdir + "/")
        if inside or relative in code or folder in code:
            mounts.append(folder)
    return sorted(set(mounts))


def propose(audit: Audit, tree: Tree) -> dict[str, Any]:
    """services.json mapping the current paths: one service per directory group."""
    services: dict[str, dict[str, Any]] = {}
    used_ports: set[int] = {p for spec in INFRA.values() for p in spec[1].values()}
    needs: set[str] = set()
    backends_by_service: dict[str, str] = {}
    pickled_dirs = {m.path.rsplit("/", 1)[0] for m in audit.artifacts.models if m.dev_only}

    def port_for(kind: str, wanted: list[int]) -> int:
        candidates: list[int] = [*wanted, *range(FIRST_PORT[kind], FIRST_PORT[kind] + 1000)]
        for candidate in candidates:
            if candidate >= 1024 and candidate not in used_ports:
                used_ports.add(candidate)
                return candidate
        raise HarnessError("audit: no free port left")  # unreachable for real trees

    for app in audit.apps:
        if not app.runnable:
            continue
        directory = app.file.rsplit("/", 1)[0] if "/" in app.file else "."
        name = service_name(directory, Path(audit.root).name)
        while name in services and "backend" in services[name]["components"]:
            name = f"{name}_2"
        spec: dict[str, Any] = {"directory": directory, "entrypoint": app.entrypoint}
        spec["port"] = port_for("backend", [p for p, _ in app.ports])
        spec["health"] = app.health.value or app.openapi.value
        spec["openapi"] = app.openapi.value
        if app.docs.value and app.docs.value != "/docs":
            spec["docs"] = app.docs.value
        if app.workdir != directory:
            spec["workdir"] = app.workdir
        spec["requirements"] = lock_path(app.requirements) if app.unpinned else app.requirements
        if app.needs:
            spec["depends_on"] = list(app.needs)
            needs |= set(app.needs)
        mounts = _mounts_for(tree, audit, app)
        if mounts:
            spec["mounts"] = mounts
        if any(m in pickled_dirs or any(p.startswith(m + "/") for p in pickled_dirs)
               for m in mounts):  # fmt: skip
            spec["profile"] = "dev"
        entry = services.setdefault(name, {"description": f"{app.framework} app "
                                           f"{app.entrypoint} (adopted from {app.file})",
                                           "components": {}})  # fmt: skip
        entry["components"]["backend"] = spec
        backends_by_service[name] = f"{name}.backend"
        audit.origins[f"{name}.backend"] = app
    for front in audit.frontends:
        if not front.runnable:
            continue
        name = service_name(front.directory, Path(audit.root).name)
        while name in services and "frontend" in services[name]["components"]:
            name = f"{name}_2"
        fspec: dict[str, Any] = {"directory": front.directory}
        fspec["port"] = front.port = port_for("frontend", [])
        fspec["health"] = "/"
        if front.serve != "static":
            fspec["serve"] = front.serve
        elif front.build_output != "dist":
            fspec["build_output"] = front.build_output
        if name in backends_by_service:
            fspec["depends_on"] = [backends_by_service[name]]
        entry = services.setdefault(
            name,
            {"description": f"{front.framework} frontend {front.name} (adopted)", "components": {}},
        )
        entry["components"]["frontend"] = fspec
        audit.origins[f"{name}.frontend"] = front
    return {
        "$schema": "./infra/schemas/services.schema.json",
        "services": services,
        "infrastructure": infrastructure([name for name in INFRA if name in needs]),
    }


def infrastructure(names: list[str]) -> dict[str, Any]:
    """services.json's entries for names and for what every stack has (ALWAYS), in INFRA order."""
    return {
        name: {"description": INFRA[name][2], "image_variable": INFRA[name][0],
               "ports": dict(INFRA[name][1])}
        for name in INFRA if name in names or name in ALWAYS
    }  # fmt: skip


def lock_path(requirements: str | None) -> str | None:
    """Where adopt writes the pinned lock of an unpinned requirements file."""
    if requirements is None:
        return None
    folder, _, name = requirements.rpartition("/")
    stem = name.removesuffix(".txt").removesuffix(".in").removesuffix(".toml")
    lock = f"{stem}.lock.txt" if stem != "pyproject" else "requirements.lock.txt"
    return f"{folder}/{lock}" if folder else lock
