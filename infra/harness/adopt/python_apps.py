"""Python apps in a foreign tree, found by parsing (ast), never by importing.

What an app is (FastAPI/Starlette instance at module level), how to run it, what it reads
from the environment, which requirements file covers it and what that file lacks.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from harness.adopt.tree import Tree

ASGI_CLASSES = {"FastAPI": "fastapi", "Starlette": "starlette"}
HEALTH_PATH = re.compile(
    r"^/(.*/)?(health|healthz|healthcheck|ping|status|ready|readiness|live|liveness)/?$"
)
REQUIREMENT_FILES = ("requirements.txt", "requirements.in", "pyproject.toml")
# A file with one of these names that serves nothing is reported (a script, not a server).
APP_FILE_NAMES = ("app.py", "main.py", "server.py", "api.py", "wsgi.py", "asgi.py")
POSTGRES_IMPORTS = {"psycopg", "psycopg2", "asyncpg", "pg8000"}
SQL_IMPORTS = {"sqlalchemy", "sqlmodel", "databases"}
REDIS_IMPORTS = {"redis", "rq", "celery", "arq", "aioredis"}
POSTGRES_SETTING = re.compile(r"(POSTGRES|DATABASE_URL|DB_URL|PG_)", re.IGNORECASE)
REDIS_SETTING = re.compile(r"(REDIS|BROKER_URL|CELERY)", re.IGNORECASE)
# Import names that differ from the distribution's name (the common ones).
IMPORT_NAMES = {
    "scikit-learn": "sklearn", "python-dotenv": "dotenv", "pyyaml": "yaml",
    "psycopg2-binary": "psycopg2", "psycopg-binary": "psycopg", "beautifulsoup4": "bs4",
    "pillow": "PIL", "opencv-python": "cv2", "opencv-python-headless": "cv2",
    "python-multipart": "multipart", "pydantic-settings": "pydantic_settings",
    "python-jose": "jose", "pyjwt": "jwt", "biopython": "Bio", "msgpack-python": "msgpack",
    "protobuf": "google", "attrs": "attr", "typing-extensions": "typing_extensions",
}  # fmt: skip
# What a distribution brings along that code commonly imports directly.
BRINGS = {
    "fastapi": {"starlette", "pydantic", "typing_extensions", "anyio"},
    "pydantic-settings": {"pydantic", "dotenv"},
    "uvicorn": {"click", "h11"},
    "sqlmodel": {"sqlalchemy", "pydantic"},
    "celery": {"kombu"},
    "rq": {"redis"},
    "httpx": {"httpcore", "anyio", "idna", "certifi"},
    "requests": {"urllib3", "idna", "certifi"},
    "pandas": {"numpy", "dateutil", "pytz"},
    "scikit-learn": {"numpy", "scipy", "joblib"},
    "flask": {"werkzeug", "jinja2", "click", "itsdangerous"},
}  # fmt: skip


@dataclass
class Found:
    """A fact and how it was found (ast, probe, default, script, readme)."""

    value: str | None
    how: str


@dataclass
class Requirements:
    """One requirements file: what it names, which are unpinned, whether it parsed."""

    path: str
    names: list[str] = field(default_factory=list)
    unpinned: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class PythonApp:
    """An ASGI app at module level, or a file that looks like an app but cannot be run."""

    file: str
    variable: str
    framework: str
    line: int
    entrypoint: str = ""
    workdir: str = "."
    openapi: Found = field(default_factory=lambda: Found("/openapi.json", "default"))
    docs: Found = field(default_factory=lambda: Found("/docs", "default"))
    health: Found = field(default_factory=lambda: Found(None, "none found"))
    routes: list[str] = field(default_factory=list)
    ports: list[tuple[int, str]] = field(default_factory=list)
    requirements: str | None = None
    unpinned: list[str] = field(default_factory=list)
    missing_imports: list[str] = field(default_factory=list)
    settings: dict[str, str | None] = field(default_factory=dict)
    needs: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    probe: str = "not run"
    runnable: bool = True
    why_not: str = ""
    # openapi/docs written as expressions (settings, f-strings): only the probe can say.
    dynamic: bool = False


# Apps and frontends below these are test doubles and fixtures, not services.
TEST_PARTS = frozenset({"tests", "test", "fixtures", "__tests__", "testdata"})


def is_test_path(rel: str) -> bool:
    """Whether rel lies below a tests/ or fixtures/ directory."""
    return bool(TEST_PARTS.intersection(rel.split("/")[:-1]))


def parse(tree: Tree, rel: str) -> ast.Module | None:
    """A Python file's syntax tree, or None when it does not parse (or is too big)."""
    text = tree.text(rel)
    if text is None:
        return None
    try:
        return ast.parse(text, filename=rel)
    except (SyntaxError, ValueError):
        return None


def _call_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return ""


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def find_apps(tree: Tree) -> tuple[list[PythonApp], list[PythonApp]]:
    """(ASGI apps, apps that cannot be run) in every Python file of the tree."""
    apps: list[PythonApp] = []
    other: list[PythonApp] = []
    for rel in (f for f in tree.files if f.endswith(".py") and not is_test_path(f)):
        module = parse(tree, rel)
        if module is None:
            continue
        found = False
        factories = _factories(module)
        for node in module.body:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            if value is None or not targets or not isinstance(targets[0], ast.Name):
                continue
            name = _call_name(value)
            variable = targets[0].id
            if name in ASGI_CLASSES and isinstance(value, ast.Call):
                app = PythonApp(rel, variable, ASGI_CLASSES[name], node.lineno)
                _read_constructor(app, value)
                apps.append(app)
                found = True
            elif name in factories:
                # app = create_app(): what the factory sets only the probe can read.
                app = PythonApp(rel, variable, factories[name], node.lineno, dynamic=True)
                app.openapi = Found(None, "factory: resolved by the probe")
                app.docs = Found(None, "factory: resolved by the probe")
                apps.append(app)
                found = True
            elif name == "Flask":
                other.append(_unrunnable(rel, variable, "flask", node.lineno, (
                    "a Flask app (WSGI): the templates serve ASGI apps with uvicorn; port it "
                    "to FastAPI, or wrap it (a2wsgi's WSGIMiddleware) in an ASGI app"
                )))  # fmt: skip
                found = True
        if found:
            continue
        base = rel.rsplit("/", 1)[-1]
        text = tree.text(rel) or ""
        if base == "manage.py" and "django" in text.lower():
            other.append(_unrunnable(rel, "", "django", 1, (
                "a Django project: the harness has no Django template; serve it with an ASGI "
                "server (its asgi.py) in a Dockerfile of its own"
            )))  # fmt: skip
        elif base in APP_FILE_NAMES and "__main__" in text and not _serves(module):
            other.append(_unrunnable(rel, "", "script", 1, (
                "a script with no server: nothing listens on a port, so there is nothing to "
                "health-check; run it as a job (a worker) or add a FastAPI app"
            )))  # fmt: skip
    return apps, other


FACTORY_NAME = re.compile(r"^(create|make|build|get)_?(app|application|api)$", re.IGNORECASE)


def _factories(module: ast.Module) -> dict[str, str]:
    """Module functions that build an ASGI app: name -> framework.

    A function annotated to return FastAPI/Starlette, or one that constructs one, or an
    imported `create_app`-style name in a module that imports FastAPI or Starlette.
    """
    found: dict[str, str] = {}
    imports_asgi = ""
    for node in module.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            "fastapi", "starlette",
        ):  # fmt: skip
            imports_asgi = (node.module or "").split(".")[0]
        if isinstance(node, ast.ImportFrom | ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[-1]
                if FACTORY_NAME.match(name):
                    found[name] = ""
        if isinstance(node, ast.FunctionDef):
            returns = ast.unparse(node.returns) if node.returns else ""
            built = {_call_name(n) for n in ast.walk(node) if isinstance(n, ast.Call)}
            framework = next((ASGI_CLASSES[c] for c in ASGI_CLASSES
                              if c == returns.split(".")[-1] or c in built), "")  # fmt: skip
            if framework:
                found[node.name] = framework
    # An imported factory counts only where the module itself is an ASGI module.
    return {name: fw or imports_asgi for name, fw in found.items() if fw or imports_asgi}


def _serves(module: ast.Module) -> bool:
    """Whether a module starts a server (uvicorn.run, app.run, serve_forever)."""
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and _call_name(node) in ("run", "serve_forever", "serve"):
            return True
    return False


def _unrunnable(rel: str, variable: str, framework: str, line: int, why: str) -> PythonApp:
    return PythonApp(rel, variable, framework, line, runnable=False, why_not=why)


def _read_constructor(app: PythonApp, call: ast.Call) -> None:
    for keyword in call.keywords:
        if keyword.arg in ("openapi_url", "docs_url"):
            literal = _literal(keyword.value)
            is_none = isinstance(keyword.value, ast.Constant) and keyword.value.value is None
            fact = (
                Found(literal, "ast")
                if literal is not None
                else Found(None, "ast (disabled)")
                if is_none
                else Found(None, "expression: resolved by the probe")
            )
            if literal is None and not is_none:
                app.dynamic = True
            if keyword.arg == "openapi_url":
                app.openapi = fact
            else:
                app.docs = fact


def run_location(tree: Tree, app: PythonApp) -> None:
    """Entrypoint and run directory: from the root when the package chain reaches it.

    `src/api/app.py` is `src.api.app:app` from the root when `src/` and `src/api/` are
    packages (or the app imports its siblings through `src.`); otherwise it is `app:app`
    from its own directory.
    """
    parts = app.file[:-3].split("/")
    directory = "/".join(parts[:-1]) or "."
    files = set(tree.files)
    package_chain = all(
        "/".join(parts[: i + 1]) + "/__init__.py" in files for i in range(len(parts) - 1)
    )
    module = parse(tree, app.file)
    top = parts[0]
    absolute_from_root = bool(module) and any(
        isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0]
        == top for node in ast.walk(module)  # type: ignore[arg-type]
    )  # fmt: skip
    if len(parts) > 1 and (package_chain or absolute_from_root):
        app.entrypoint = f"{'.'.join(parts)}:{app.variable}"
        app.workdir = "."
    else:
        app.entrypoint = f"{parts[-1]}:{app.variable}"
        app.workdir = directory


def local_modules(tree: Tree, directory: str) -> set[str]:
    """Top-level module names importable from directory (its .py files and packages)."""
    names = set()
    for rel in tree.under(directory):
        inner = rel if directory == "." else rel[len(directory) + 1 :]
        first = inner.split("/", 1)[0]
        if "/" in inner or first.endswith(".py"):
            names.add(first.removesuffix(".py"))
    return names


def code_files(tree: Tree, app: PythonApp) -> list[str]:
    """The Python files that are the app's code: its directory (and below)."""
    directory = app.file.rsplit("/", 1)[0] if "/" in app.file else "."
    if app.workdir == ".":
        # Package style: everything under the entrypoint's top-level package.
        directory = app.file.split("/", 1)[0] if "/" in app.file else "."
    return [f for f in tree.under(directory) if f.endswith(".py") and "/tests/" not in f"/{f}"]


def analyse_code(tree: Tree, app: PythonApp) -> None:
    """Imports, settings (BaseSettings fields, os.getenv/os.environ), ports, health route."""
    imports: set[str] = set()
    settings: dict[str, str | None] = {}
    ports: list[tuple[int, str]] = []
    routes: list[str] = []
    for rel in code_files(tree, app):
        module = parse(tree, rel)
        if module is None:
            continue
        for node in ast.walk(module):
            if isinstance(node, ast.Import):
                imports.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imports.add(node.module.split(".")[0])
            elif isinstance(node, ast.ClassDef) and _is_settings(node):
                settings.update(_settings_fields(node))
            elif isinstance(node, ast.Call):
                _env_read(node, settings)
                port = _uvicorn_port(node)
                if port is not None:
                    ports.append((port, f"{rel}:{node.lineno}"))
                route = _route(node)
                if route is not None:
                    routes.append(route)
    app.imports = sorted(imports)
    app.settings = dict(sorted(settings.items()))
    app.ports = ports
    health = next((r for r in routes if HEALTH_PATH.match(r)), None)
    if health is not None:
        app.health = Found(health, "ast")
    app.routes = sorted(set(routes))
    needs = []
    names = set(settings)
    if imports & POSTGRES_IMPORTS or (
        imports & SQL_IMPORTS and any(POSTGRES_SETTING.search(n) for n in names)
    ):
        needs.append("postgres")
    if imports & REDIS_IMPORTS or any(REDIS_SETTING.search(n) for n in names):
        needs.append("redis")
    app.needs = needs


def _is_settings(node: ast.ClassDef) -> bool:
    return any(
        (isinstance(b, ast.Name) and b.id == "BaseSettings")
        or (isinstance(b, ast.Attribute) and b.attr == "BaseSettings")
        for b in node.bases
    )


def _settings_fields(node: ast.ClassDef) -> dict[str, str | None]:
    prefix = ""
    for item in node.body:
        # model_config = SettingsConfigDict(env_prefix="APP_") / class Config: env_prefix = ...
        if isinstance(item, ast.Assign) and isinstance(item.value, ast.Call):
            for keyword in item.value.keywords:
                if keyword.arg == "env_prefix":
                    prefix = _literal(keyword.value) or ""
        if isinstance(item, ast.ClassDef) and item.name == "Config":
            for inner in item.body:
                if (
                    isinstance(inner, ast.Assign)
                    and isinstance(inner.targets[0], ast.Name)
                    and inner.targets[0].id == "env_prefix"
                ):
                    prefix = _literal(inner.value) or ""
    fields: dict[str, str | None] = {}
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            name = item.target.id
            if name.startswith("_") or name == "model_config":
                continue
            default = item.value
            value = (
                str(default.value)
                if isinstance(default, ast.Constant) and default.value is not None
                else None
            )
            fields[(prefix + name).upper()] = value
    return fields


def _env_read(node: ast.Call, settings: dict[str, str | None]) -> None:
    func = node.func
    dotted = ast.unparse(func) if isinstance(func, ast.Attribute) else ""
    if dotted in ("os.getenv", "os.environ.get", "getenv", "environ.get") and node.args:
        name = _literal(node.args[0])
        if name:
            default = _literal(node.args[1]) if len(node.args) > 1 else None
            settings.setdefault(name, default)


def _uvicorn_port(node: ast.Call) -> int | None:
    if not (isinstance(node.func, ast.Attribute) and ast.unparse(node.func) == "uvicorn.run"):
        return None
    for keyword in node.keywords:
        if (
            keyword.arg == "port"
            and isinstance(keyword.value, ast.Constant)
            and isinstance(keyword.value.value, int)
        ):
            return keyword.value.value
    return None


def _route(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "api_route", "route"):
        path = _literal(node.args[0]) if node.args else None
        if path is not None and path.startswith("/"):
            return path
    return None


def read_requirements(tree: Tree, rel: str) -> Requirements:
    """A requirements file (or pyproject's dependencies): names, unpinned ones, problems."""
    found = Requirements(rel)
    text = tree.text(rel) or ""
    lines: list[str]
    if rel.endswith("pyproject.toml"):
        import tomllib

        try:
            lines = list(tomllib.loads(text).get("project", {}).get("dependencies", []))
        except tomllib.TOMLDecodeError as exc:
            found.problems.append(f"{rel}: not valid TOML ({exc})")
            return found
    else:
        lines = text.splitlines()
    for number, raw in enumerate(lines, start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            # -r other.txt, -e ., --index-url: options, not requirements.
            if line.startswith(("-r ", "--requirement")):
                found.problems.append(f"{rel}:{number}: includes another file ({line})")
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            found.problems.append(f"{rel}:{number}: not a requirement ({exc})")
            continue
        found.names.append(canonicalize_name(req.name))
        pinned = any(s.operator in ("==", "===") and "*" not in s.version for s in req.specifier)
        if not pinned:
            found.unpinned.append(str(req))
    return found


def covering_requirements(tree: Tree, app: PythonApp) -> str | None:
    """The nearest requirements file from the app's directory up to its run directory."""
    directory = app.file.rsplit("/", 1)[0] if "/" in app.file else "."
    stop = app.workdir
    files = set(tree.files)
    while True:
        for name in REQUIREMENT_FILES:
            rel = name if directory == "." else f"{directory}/{name}"
            if rel in files:
                return rel
        if directory in (stop, "."):
            if directory != ".":
                directory = "."
                stop = "."
                continue
            return None
        directory = directory.rsplit("/", 1)[0] if "/" in directory else "."


def provided(names: list[str]) -> set[str]:
    """Import names the listed distributions provide (their own and what they bring)."""
    result: set[str] = set()
    for name in names:
        canonical = canonicalize_name(name)
        result.add(IMPORT_NAMES.get(canonical, canonical.replace("-", "_")))
        result |= BRINGS.get(canonical, set())
    return result


def missing_imports(tree: Tree, app: PythonApp, names: list[str]) -> list[str]:
    """Third-party imports no requirement provides (stdlib and local modules excluded)."""
    local = local_modules(tree, app.workdir)
    local |= local_modules(tree, app.file.rsplit("/", 1)[0] if "/" in app.file else ".")
    have = {n.lower() for n in provided(names)}
    return sorted(
        name
        for name in app.imports
        if name not in sys.stdlib_module_names
        and name not in local
        and name.lower() not in have
        and name != "__future__"
    )
