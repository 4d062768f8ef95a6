"""Node frontends in a foreign tree, from their package.json (and lockfile)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from harness.adopt import python_apps
from harness.adopt.tree import Tree

# The Node each framework's current majors need (their own documented floors).
NEXT_FLOOR = {16: "20.9", 15: "18.18", 14: "18.17", 13: "16.14"}
VITE_FLOOR = {7: "20.19", 6: "18", 5: "18", 4: "14.18"}
# The Node the templates build with: NODE_IMAGE's major (node:22-alpine).
TEMPLATE_NODE = "22"
LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")
# Known platform-only packages, for trees with no lockfile to read `os`/`cpu` from.
PLATFORM_ONLY = {"fsevents": ["darwin"]}


@dataclass
class Blocker:
    """Something that stops a component from building or running, and the fix."""

    where: str
    problem: str
    fix: str
    fixed_by_adopt: bool = False


@dataclass
class Frontend:
    """A Node frontend: its framework and scripts, the Node it needs, what blocks it."""

    directory: str
    name: str
    framework: str
    build: str | None
    start: str | None
    dev: str | None
    node: str
    node_how: str
    lockfile: str | None
    serve: str = "static"
    build_output: str = "dist"
    blockers: list[Blocker] = field(default_factory=list)
    port: int = 3000

    @property
    def runnable(self) -> bool:
        """Whether the templates can build and serve it as it stands."""
        return not self.blockers and self.framework != "unknown"


def _major(spec: str) -> int | None:
    match = re.search(r"(\d+)", spec)
    return int(match.group(1)) if match else None


def find(tree: Tree) -> list[Frontend]:
    """Every package.json (outside node_modules) that builds a web frontend."""
    found = []
    for rel in tree.named("package.json"):
        if python_apps.is_test_path(rel):
            continue
        text = tree.text(rel)
        if text is None:
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            continue
        if not isinstance(data, dict):
            continue
        directory = rel.rsplit("/", 1)[0] if "/" in rel else "."
        found.append(_frontend(tree, directory, data))
    return found


def _frontend(tree: Tree, directory: str, data: dict[str, object]) -> Frontend:
    deps = {**_dict(data.get("devDependencies")), **_dict(data.get("dependencies"))}
    scripts = _dict(data.get("scripts"))
    prefix = "" if directory == "." else f"{directory}/"
    files = set(tree.files)
    lockfile = next((name for name in LOCKFILES if f"{prefix}{name}" in files), None)
    if "next" in deps:
        framework = "next.js"
        major = _major(deps["next"])
        floor = NEXT_FLOOR.get(major or 0, "20.9")
        config = next((tree.text(f"{prefix}{n}") or "" for n in
                       ("next.config.js", "next.config.mjs", "next.config.ts")
                       if f"{prefix}{n}" in files), "")  # fmt: skip
        exported = re.search(r"output\s*:\s*['\"]export['\"]", config) is not None
        serve, output = ("static", "out") if exported else ("server", ".next")
    elif "vite" in deps:
        framework, serve, output = "vite", "static", "dist"
        floor = VITE_FLOOR.get(_major(deps["vite"]) or 0, "18")
    elif "react-scripts" in deps:
        framework, serve, output, floor = "create-react-app", "static", "build", "14"
    else:
        framework, serve, output, floor = "unknown", "static", "dist", ""
    engines = _dict(data.get("engines")).get("node")
    node, how = (engines, "engines") if engines else (f">={floor}" if floor else "", "framework")
    front = Frontend(
        directory, str(data.get("name") or directory), framework, scripts.get("build"),
        scripts.get("start"), scripts.get("dev"), node, how, lockfile, serve, output,
    )  # fmt: skip
    front.blockers = _blockers(tree, front, data, prefix)
    return front


def _blockers(tree: Tree, front: Frontend, data: dict[str, object], prefix: str) -> list[Blocker]:
    where = f"{prefix}package.json"
    found = []
    if front.framework == "unknown":
        found.append(Blocker(where, "no Vite, Next.js or Create React App dependency: not a "
                             "frontend the templates know", "build it with a Dockerfile of "
                             "its own, or leave it out of services.json"))  # fmt: skip
    if not front.build:
        found.append(Blocker(where, "no `build` script", 'add "build" to "scripts"'))
    if front.lockfile is None:
        found.append(Blocker(where, "no lockfile: `npm ci` needs package-lock.json",
                             f"run `npm install --package-lock-only` in {prefix or '.'} and "
                             "commit package-lock.json"))  # fmt: skip
    elif front.lockfile in ("yarn.lock", "pnpm-lock.yaml"):
        found.append(Blocker(f"{prefix}{front.lockfile}", f"{front.lockfile}: the template "
                             "installs with `npm ci`", "add a package-lock.json (`npm install "
                             "--package-lock-only`) beside it"))  # fmt: skip
    locked = _lock_packages(tree, f"{prefix}{front.lockfile}") if front.lockfile else {}
    for name in sorted(_dict(data.get("dependencies")) | _dict(data.get("devDependencies"))):
        entry = locked.get(f"node_modules/{name}", {})
        oses = entry.get("os") or PLATFORM_ONLY.get(name)
        cpus = entry.get("cpu")
        if (oses and "linux" not in oses) or (cpus and "x64" not in cpus):
            what = f"os {oses}" if oses else f"cpu {cpus}"
            found.append(Blocker(where, f"direct dependency {name} is platform-only ({what}): "
                                 "`npm ci` fails on Linux with EBADPLATFORM",
                                 f'move "{name}" to "optionalDependencies" (npm skips an '
                                 "optional package its platform cannot install)"))  # fmt: skip
    if front.framework == "next.js" and front.serve == "server" and not front.start:
        found.append(Blocker(where, "no `start` script for `next start`",
                             '"start": "next start"'))  # fmt: skip
    return found


def _lock_packages(tree: Tree, rel: str) -> dict[str, dict[str, list[str]]]:
    text = tree.text(rel, limit=50_000_000) if rel.endswith(".json") else None
    if not text:
        return {}
    try:
        packages = json.loads(text).get("packages", {})
    except (json.JSONDecodeError, AttributeError):
        return {}
    return {k: v for k, v in packages.items() if isinstance(v, dict)}


def _dict(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
