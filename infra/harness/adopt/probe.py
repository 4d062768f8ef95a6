"""Import a foreign app in a throwaway venv built from its requirements, outside its tree.

What only running code can tell: an `openapi_url` built from settings, the routes a
router prefix produces, whether the import works at all, and the exact versions pip's
resolver picks for unpinned requirements (the lock adopt writes).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from harness import proc
from harness.adopt.tree import Tree

INSTALL_TIMEOUT = 600
IMPORT_TIMEOUT = 120
MARK = "ANNADATA-PROBE:"
# Imports the app in the copy of its run directory and prints what it found.
SCRIPT = """\
import importlib, json, os, sys
sys.path.insert(0, os.getcwd())
module, _, name = sys.argv[1].partition(":")
result = {}
try:
    app = getattr(importlib.import_module(module), name)
    result["openapi_url"] = getattr(app, "openapi_url", None)
    result["docs_url"] = getattr(app, "docs_url", None)
    routes = []
    for route in getattr(app, "routes", []):
        methods = sorted(getattr(route, "methods", None) or [])
        routes.append([getattr(route, "path", ""), methods])
    result["routes"] = routes
    try:
        result["openapi"] = app.openapi() if hasattr(app, "openapi") else None
    except Exception as exc:
        result["openapi_error"] = f"{type(exc).__name__}: {exc}"
except BaseException as exc:
    result["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
print("__MARK__" + json.dumps(result, default=str), flush=True)
""".replace("__MARK__", MARK)
# Settings that would point an import at real infrastructure are unset in the probe.
NEUTRAL_ENV = ("DATABASE_URL", "POSTGRES_HOST", "REDIS_URL")
# Files bigger than this are not copied for the import (data the import should not need).
COPY_LIMIT = 5_000_000


def _outer_pip() -> list[str] | None:
    """This interpreter's pip, when it can install into another venv (`--python`: 22.3+)."""
    from importlib import metadata

    try:
        major, minor = (int(part) for part in metadata.version("pip").split(".")[:2])
    except (metadata.PackageNotFoundError, ValueError):
        return None
    return [sys.executable, "-m", "pip"] if (major, minor) >= (22, 3) else None


_PIP = _outer_pip()


@dataclass
class Venv:
    """A probe venv: its python, and what installing the requirements gave."""

    python: Path
    ok: bool
    error: str = ""
    # name -> version pip's resolver chose (the lock).
    resolved: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    """What importing one app told."""

    ok: bool
    error: str = ""
    openapi_url: str | None = None
    docs_url: str | None = None
    routes: list[tuple[str, list[str]]] = field(default_factory=list)
    openapi: dict[str, object] | None = None


class Prober:
    """Probe venvs, one per distinct requirements file, in one temporary directory."""

    def __init__(self, workspace: Path, run: proc.Runner = proc.run) -> None:
        self.workspace = workspace
        self.run = run
        self.venvs: dict[str, Venv] = {}

    def venv(self, tree: Tree, requirements: str) -> Venv:
        """A venv with requirements installed (built once per file content)."""
        text = tree.text(requirements) or ""
        key = hashlib.sha256(text.encode()).hexdigest()[:16]
        if key in self.venvs:
            return self.venvs[key]
        place = self.workspace / f"venv-{key}"
        python = place / "bin" / "python"
        # No pip of its own when this interpreter has one (`pip --python` drives the venv):
        # seeding pip into every probe venv took 3-5 s of the 4-6 s a venv costs.
        outer = _PIP
        seed = [] if outer is None else ["--without-pip"]
        made = self.run([sys.executable, "-m", "venv", *seed, str(place)], timeout=120)
        if not made.ok:
            venv = Venv(python, False, f"cannot make a venv: {made.last_error_line()}")
            self.venvs[key] = venv
            return venv
        # A copy outside the tree: pip never writes beside the user's file.
        req_copy = self.workspace / f"requirements-{key}.txt"
        if requirements.endswith("pyproject.toml"):
            import tomllib

            deps = tomllib.loads(text).get("project", {}).get("dependencies", [])
            req_copy.write_text("\n".join(deps) + "\n", encoding="utf-8")
        else:
            req_copy.write_text(text, encoding="utf-8")
        report = self.workspace / f"report-{key}.json"
        driver = [str(python), "-m", "pip"] if outer is None else [*outer, "--python", str(python)]
        pip = [*driver, "--disable-pip-version-check", "--quiet"]
        # pip's own resolver decides the lock: the report of what this install chose. One
        # call, not a --dry-run and then the install: resolving twice cost 40% of a probe.
        installed = self.run(
            [*pip, "install", "--report", str(report), "-r", str(req_copy)],
            timeout=INSTALL_TIMEOUT,
        )
        # pip writes the report once it has resolved, before it installs anything.
        if not installed.ok and not report.exists():
            error = f"{requirements} does not resolve: {installed.last_error_line()}"
        elif not installed.ok:
            error = f"installing {requirements} failed: {installed.last_error_line()}"
        else:
            error = ""
        venv = Venv(python, installed.ok, error)
        venv.resolved = _resolved(report)
        self.venvs[key] = venv
        return venv

    def import_app(self, tree: Tree, venv: Venv, workdir: str, entrypoint: str) -> Outcome:
        """Import entrypoint from a copy of workdir in venv; what the app says of itself."""
        if not venv.ok:
            return Outcome(False, venv.error)
        copy = Path(tempfile.mkdtemp(prefix="run-", dir=self.workspace))
        for rel in tree.under(workdir):
            source = tree.root / rel
            try:
                if source.stat().st_size > COPY_LIMIT:
                    continue
            except OSError:
                continue
            inner = rel if workdir == "." else rel[len(workdir) + 1 :]
            (copy / inner).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy / inner)
        env = {k: v for k, v in os.environ.items() if k not in NEUTRAL_ENV}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        done = self.run(
            [str(venv.python), "-c", SCRIPT, entrypoint], timeout=IMPORT_TIMEOUT, cwd=copy,
            env=env,
        )  # fmt: skip
        for line in reversed(done.stdout.splitlines()):
            if line.startswith(MARK):
                data = json.loads(line[len(MARK) :])
                if "error" in data:
                    return Outcome(False, f"import of {entrypoint} failed: {data['error']}")
                return Outcome(
                    True,
                    data.get("openapi_error", ""),
                    data.get("openapi_url"),
                    data.get("docs_url"),
                    [(str(p), list(m)) for p, m in data.get("routes", [])],
                    data.get("openapi"),
                )
        return Outcome(False, f"import of {entrypoint} did not finish: {done.last_error_line()}")


def _resolved(report: Path) -> dict[str, str]:
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    pins = {}
    for item in data.get("install", []):
        meta = item.get("metadata", {})
        if meta.get("name") and meta.get("version"):
            pins[str(meta["name"])] = str(meta["version"])
    return dict(sorted(pins.items(), key=lambda kv: kv[0].lower()))


@contextmanager
def prober(run: proc.Runner = proc.run) -> Iterator[Prober]:
    """A Prober whose venvs and copies are removed on leaving, whatever happens."""
    workspace = Path(tempfile.mkdtemp(prefix="annadata-probe-"))
    try:
        yield Prober(workspace, run)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
