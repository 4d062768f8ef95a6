"""The stack's own rules, which no off-the-shelf linter knows; each finding has file:line.

Compose is read with anchors and merge keys resolved, so a rule sees what compose sees; a
repository with findings is read again with ruamel's round-trip loader, for their lines.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness import registry, safeload, yamlpos
from harness.contract.openapi_diff import SPEC_FILE
from harness.contract.untyped import Untyped, untyped
from harness.docker import dockerfiles
from harness.docker.compose import COMPOSE_FILE, ENV_TEMPLATE, OVERRIDE_SAMPLE
from harness.errors import HarnessError
from harness.lint import findings, tools
from harness.lint.findings import Finding

MODELS_REGISTRY = "src/models/saved_models/model_registry.json"
MODELS_REGISTRY_NAME = "model_registry.json"
# Always read-only, and so is every path a component of services.json mounts.
READ_ONLY_SOURCES = ("data/processed", "src/models/saved_models")
# Compose sets these itself; .env.example need not list them.
BUILTIN_VARIABLES = {"COMPOSE_PROJECT_NAME"}
SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY)", re.IGNORECASE)
VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<default>[^}]*)\}")
PINNED_IMAGE_VARIABLE = re.compile(r"^\$\{[A-Z][A-Z0-9_]*_IMAGE:-(?P<default>[^}]+)\}$")
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
DEV_PROFILE = "dev"
# What the runtime loader (annadata_common.model_registry) needs of model_registry.json.
MODELS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["models"],
    "properties": {
        "models": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "required": ["file", "sha256", "format"],
                "properties": {
                    "file": {"type": "string", "pattern": "^[^\\x00]+$"},
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "format": {"type": "string", "minLength": 1},
                },
            },
        }
    },
}
_MODELS_VALIDATOR = registry.validator(MODELS_SCHEMA)
# Settings that let a service unpickle model files (annadata_common.settings): dev only.
DEV_ONLY_SETTINGS = ("ALLOW_PICKLE_MODELS", "DEV_MODE")
TRUE_VALUES = ("1", "true", "yes", "on")
# The one network no service's component joins: Traefik's own (its published ports, its
# dashboard).
EDGE_NETWORK = "edge"
PROXY_SERVICE = "traefik"
DOCKER_SOCKET = "/var/run/docker.sock"
# The only service that may mount the Docker socket (infrastructure in services.json).
SOCKET_HOLDER = "socket_proxy"

RULES = {
    "ANN000": "services.json is invalid",
    "ANN001": "registry, compose and files disagree",
    "ANN002": "long-running service without a healthcheck",
    "ANN003": "third-party image not named through a variable with a pinned default",
    "ANN004": "host port not bound to 127.0.0.1, or bound twice",
    "ANN005": "data or model mount is writable",
    "ANN006": "app image runs as root",
    "ANN007": "literal secret",
    "ANN008": "variable compose reads is missing from .env.example, or set there twice",
    "ANN009": "service Dockerfile drifted from its template",
    "ANN010": "models: a pickle model, ALLOW_PICKLE_MODELS or DEV_MODE outside the dev profile, "
    "a registry path outside the models directory, or a hash mismatch",
    "ANN011": "a file the rules cannot read (invalid YAML, duplicate key, alias bomb, not text)",
    "ANN012": "an operation the live check cannot hold: a success response with no schema, or "
    "a JSON body or response whose schema takes any object",
    "ANN013": "a container or network without least privilege",
}


def check(root: Path, reg: registry.Registry | HarnessError | None = None) -> list[Finding]:
    """Every policy finding in the repository at root, sorted by file and line.

    reg: the registry (or the error loading it gave) when the caller loaded it already.
    The files are read as plain data first (libyaml: several times faster than a round
    trip); only a repository with findings is read again, round-trip, for their lines. Both
    readers give the same data (tests/harness/test_safeload.py), so the same findings.
    """
    quick = _Policy(root, reg, lines=False)
    if not any(True for _ in quick.run()):
        return []
    return sorted(_Policy(root, getattr(quick, "reg", reg), lines=True).run())


class _Policy:
    def __init__(
        self, root: Path, reg: registry.Registry | HarnessError | None, *, lines: bool
    ) -> None:
        self.root = root
        self.loaded = reg
        self.lines = lines
        self.unreadable: dict[str, HarnessError] = {}

    def f(self, rule: str, path: str, line: int, message: str, hint: str) -> Finding:
        return Finding(path, max(line, 1), rule, message, "policy", hint)

    def run(self) -> Iterator[Finding]:
        try:
            if isinstance(self.loaded, HarnessError):
                raise self.loaded
            self.reg = self.loaded or registry.load(self.root)
        except HarnessError as exc:
            yield self._unreadable("ANN000", exc, "fix services.json first")
            return
        registry_text = self._read(str(self.reg.path.relative_to(self.root)))
        self.registry_doc = safeload.document(registry_text) if self.lines else None
        try:
            self.compose = self._mapping_file(COMPOSE_FILE)
            self.hot = self._mapping_file(OVERRIDE_SAMPLE)
        except HarnessError as exc:
            yield self._unreadable("ANN011", exc, "fix the YAML first: no other rule can read it")
            return
        self.compose_text = self._read(COMPOSE_FILE)
        self.services = _mapping(self.compose.get("services"))
        yield from self.agreement()
        yield from self.healthchecks()
        yield from self.compose_images()
        yield from self.dockerfile_images_and_users()
        yield from self.ports()
        yield from self.mounts()
        yield from self.secrets()
        yield from self.env_template()
        yield from self.drift()
        yield from self.models()
        yield from self.untyped_specs()
        yield from self.least_privilege()
        yield from self.networks()
        for error in self.unreadable.values():
            yield self._unreadable("ANN011", error, "replace it with a UTF-8 text file")

    def _unreadable(self, rule: str, exc: HarnessError, hint: str) -> Finding:
        return findings.from_error(exc, rule, "policy", hint, self.root)

    def _mapping_file(self, rel: str) -> dict[str, Any]:
        """A compose file as round-trip data; {} when absent; HarnessError when unusable."""
        path = self.root / rel
        if not path.exists():
            return {}
        data = safeload.load_yaml(path, rel, lines=self.lines)
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise HarnessError(
                f"{rel}:1: the top level is a {type(data).__name__}, not a mapping of "
                "`services:` and the rest"
            )
        return data

    # --- helpers -----------------------------------------------------------------------------

    def _read(self, rel: str) -> str:
        """A file's text; "" when absent, or when unreadable (reported once, as ANN011)."""
        path = self.root / rel
        if not path.exists():
            return ""
        try:
            return safeload.read_text(path)
        except HarnessError as exc:
            self.unreadable.setdefault(rel, exc)
            return ""

    def _registry_line(self, comp: registry.Component) -> int:
        path = ["services", comp.service, "components", comp.kind]
        return yamlpos.line_at(self.registry_doc, path)

    # --- ANN001 ------------------------------------------------------------------------------

    def agreement(self) -> Iterator[Finding]:
        known = {c.compose_name for c in self.reg.components()} | set(self.reg.infrastructure)
        for comp in self.reg.components():
            at = self._registry_line(comp)
            if comp.compose_name not in self.services:
                yield self.f("ANN001", "services.json", at,
                             f"{comp.ref} has no compose service {comp.compose_name!r}",
                             f"add it to {COMPOSE_FILE} (copy a similar service)")  # fmt: skip
            needed = [comp.dockerfile_path]
            if comp.kind == "backend":
                needed.append(f"{comp.directory}/openapi.yaml")
            for rel in needed:
                if not (self.root / rel).exists():
                    yield self.f("ANN001", "services.json", at,
                                 f"{comp.ref}: {rel} is missing",
                                 "create it (the service template has one; "
                                 "`python -m harness dockerfiles --write` renders a "
                                 "Dockerfile, `nox -s contract -- --update` a spec)")  # fmt: skip
        # Tests per service: its Python components carry them (frontends are checked live).
        # An adopted repository keeps its tests where it has them: the harness verifies its
        # components live (smoke, contract) instead.
        for service, comps in self.reg.services.items():
            if all(c.foreign or c.kind == "frontend" for c in comps) and any(
                c.foreign for c in comps
            ):
                continue
            if not any((self.root / c.directory / "tests").is_dir() for c in comps):
                yield self.f("ANN001", "services.json", yamlpos.line_at(self.registry_doc,
                             ["services", service]), f"{service} has no tests/ directory",
                             "add tests beside its backend or worker")  # fmt: skip
        for name in self.services:
            if name not in known:
                yield self.f("ANN001", COMPOSE_FILE, yamlpos.key_line(self.services, name),
                             f"compose service {name!r} is not in services.json",
                             "register it in services.json, or remove it")  # fmt: skip
        yield from self.hot_reload()

    def hot_reload(self) -> Iterator[Finding]:
        """Every backend and frontend reloads under the committed override sample."""
        if not self.hot:
            return
        hot = _mapping(self.hot.get("services"))
        for comp in self.reg.components():
            if comp.kind in ("backend", "frontend") and comp.compose_name not in hot:
                yield self.f("ANN001", "services.json", self._registry_line(comp),
                             f"{comp.ref} has no hot-reload service in {OVERRIDE_SAMPLE}",
                             "add one like the seed services' (`nox -s new-service` "
                             "writes it for new services)")  # fmt: skip

    # --- ANN002 ------------------------------------------------------------------------------

    def healthchecks(self) -> Iterator[Finding]:
        for name, spec in self.services.items():
            health = _mapping(_mapping(spec).get("healthcheck"))
            if not health or health.get("disable") or not health.get("test"):
                yield self.f("ANN002", COMPOSE_FILE, yamlpos.key_line(self.services, name),
                             f"{name} has no healthcheck", "add one: `depends_on` and "
                             "`up --wait` rely on it")  # fmt: skip

    # --- ANN003 ------------------------------------------------------------------------------

    def compose_images(self) -> Iterator[Finding]:
        for name, spec in self.services.items():
            image = str(_mapping(spec).get("image", ""))
            if not image or image.startswith("annadata/"):
                continue
            match = PINNED_IMAGE_VARIABLE.match(image)
            if not match or not _pinned(match["default"]):
                yield self.f(
                    "ANN003",
                    COMPOSE_FILE,
                    yamlpos.key_line(spec, "image"),
                    f"{name}: image {image!r}",
                    "use ${NAME_IMAGE:-image:tag} with a version tag (not latest)",
                )

    def dockerfile_images_and_users(self) -> Iterator[Finding]:
        targets = {c.dockerfile_path: dockerfiles.target(c) for c in self.reg.components()}
        for template, target in (("infra/docker-templates/Dockerfile.python", "backend"),
                                 (dockerfiles.FOREIGN_PYTHON_TEMPLATE, "backend"),
                                 ("infra/docker-templates/Dockerfile.node", "static")):  # fmt: skip
            targets[template] = target
        for rel in sorted(targets):
            text = self._read(rel)
            if text:
                yield from self._dockerfile(rel, text, targets[rel])

    def _dockerfile(self, rel: str, text: str, target: str) -> Iterator[Finding]:
        users: dict[str, str | None] = {}
        stage, stage_line = "", 1
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            arg = re.match(r"^ARG ([A-Z][A-Z0-9_]*_IMAGE)(?:=(.*))?$", line)
            if arg and not _pinned(arg.group(2) or ""):
                yield self.f(
                    "ANN003",
                    rel,
                    number,
                    f"ARG {arg.group(1)} has no pinned default",
                    "give it a default with a version tag, e.g. python:3.11-slim",
                )
            frm = re.match(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
            if frm:
                base, name = frm.group(1), (frm.group(2) or "")
                if not base.startswith("${") and base not in users and base != "scratch":
                    yield self.f(
                        "ANN003",
                        rel,
                        number,
                        f"FROM {base} names an image directly",
                        "name it through an ARG ..._IMAGE with a pinned default",
                    )
                stage, stage_line = name, number
                users[stage] = users.get(base)  # a stage starts as the user of its base stage
            user = re.match(r"^USER\s+(\S+)", line)
            if user and stage in users:
                users[stage] = user.group(1).split(":")[0]
        if target in users and users[target] in (None, "root", "0"):
            yield self.f(
                "ANN006",
                rel,
                stage_line if stage == target else 1,
                f"stage {target!r} runs as root",
                "add `USER <non-root>` to it (the templates use uid 10001 / 101)",
            )

    # --- ANN004 ------------------------------------------------------------------------------

    def ports(self) -> Iterator[Finding]:
        seen: dict[str, str] = {}
        for name, spec in self.services.items():
            ports = _sequence(_mapping(spec).get("ports"))
            for index, entry in enumerate(ports):
                at = yamlpos.item_line(ports, index)
                host_ip, published = _port_parts(entry)
                if host_ip != "127.0.0.1":
                    yield self.f("ANN004", COMPOSE_FILE, at,
                                 f"{name}: port {entry!r} is not bound to 127.0.0.1",
                                 "write it as 127.0.0.1:HOST:CONTAINER")  # fmt: skip
                if published and published in seen:
                    yield self.f("ANN004", COMPOSE_FILE, at,
                                 f"{name}: host port {published} is also {seen[published]}'s",
                                 "give it the next free port (services.json)")  # fmt: skip
                elif published:
                    seen[published] = name

    # --- ANN005 ------------------------------------------------------------------------------

    def mounts(self) -> Iterator[Finding]:
        # Data and models: ours, and whatever the registry mounts (an adopted tree's own).
        sources = {*READ_ONLY_SOURCES, *(m for c in self.reg.components() for m in c.mounts)}
        # A shared (anchored) mount is one line to fix, however many services use it.
        writable: dict[tuple[int, str], list[str]] = {}
        for name, spec in self.services.items():
            volumes = _sequence(_mapping(spec).get("volumes"))
            for index, entry in enumerate(volumes):
                source, read_only = _mount_parts(entry)
                if any(_same_path(source, s) for s in sources) and not read_only:
                    writable.setdefault((yamlpos.item_line(volumes, index), source), []).append(
                        name
                    )
        for (line, source), names in sorted(writable.items()):
            yield self.f("ANN005", COMPOSE_FILE, line,
                         f"{', '.join(names)}: {source} is mounted writable",
                         "mount it read-only (`:ro` or `read_only: true`)")  # fmt: skip

    # --- ANN007 ------------------------------------------------------------------------------

    def secrets(self) -> Iterator[Finding]:
        for number, line in enumerate(self.compose_text.splitlines(), start=1):
            for match in VARIABLE.finditer(line):
                if (
                    SECRET_NAME.search(match["name"])
                    and match["op"] in (":-", "-")
                    and match["default"]
                ):
                    yield self.f(
                        "ANN007",
                        COMPOSE_FILE,
                        number,
                        f"{match['name']} has a literal default in compose",
                        "use ${NAME:?...} and put a dev default in .env.example",
                    )
            key_value = re.match(r"^\s*-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*[:=]\s*(\S.*)$", line)
            if key_value and SECRET_NAME.search(key_value.group(1)):
                value = key_value.group(2).strip().strip("\"'")
                if value and "${" not in value and not value.startswith("#"):
                    yield self.f("ANN007", COMPOSE_FILE, number,
                                 f"{key_value.group(1)} is a literal value",
                                 "take it from the environment: ${NAME:?...}")  # fmt: skip
        for rel in sorted({c.dockerfile_path for c in self.reg.components()}):
            for number, line in enumerate(self._read(rel).splitlines(), start=1):
                baked = re.match(r"^(ENV|ARG)\s+([A-Za-z_][A-Za-z0-9_]*)[= ](\S+)", line.strip())
                if baked and SECRET_NAME.search(baked.group(2)) and "$" not in baked.group(3):
                    yield self.f(
                        "ANN007",
                        rel,
                        number,
                        f"{baked.group(2)} is baked into the image",
                        "pass secrets at run time through the environment",
                    )
        templates = sorted(
            str(p.relative_to(self.root)) for p in self.root.glob("services/**/.env.example")
        )
        for rel in [ENV_TEMPLATE, *templates]:
            lines = self._read(rel).splitlines()
            for number, line in enumerate(lines, start=1):
                setting = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.+)$", line.strip())
                if not setting or not SECRET_NAME.search(setting.group(1)):
                    continue
                context = " ".join(lines[max(0, number - 4) : number - 1]).lower()
                if "dev" not in context:
                    yield self.f(
                        "ANN007",
                        rel,
                        number,
                        f"{setting.group(1)} has a value not documented as a dev default",
                        "say in the comment above it that it is a dev-only default",
                    )

    # --- ANN008 ------------------------------------------------------------------------------

    def env_template(self) -> Iterator[Finding]:
        template = self._read(ENV_TEMPLATE)
        listed = set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)=", template, re.M))
        first: dict[str, int] = {}
        for number, line in enumerate(template.splitlines(), start=1):
            setting = re.match(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
            if setting and setting.group(1) in first:
                # Like a duplicate JSON key: compose keeps the last, silently.
                yield self.f("ANN008", ENV_TEMPLATE, number,
                             f"{setting.group(1)} is set again (first on line "
                             f"{first[setting.group(1)]}): compose keeps only this one",
                             "keep one of them")  # fmt: skip
            elif setting:
                first[setting.group(1)] = number
        reported = set()
        for number, line in enumerate(self.compose_text.splitlines(), start=1):
            if line.lstrip().startswith("#"):
                continue
            for match in VARIABLE.finditer(line):
                name = match["name"]
                if name in listed or name in BUILTIN_VARIABLES or name in reported:
                    continue
                reported.add(name)
                yield self.f(
                    "ANN008",
                    COMPOSE_FILE,
                    number,
                    f"{name} is not in {ENV_TEMPLATE}",
                    f"add `{name}=<safe local default>` to its service's block",
                )

    # --- ANN009 ------------------------------------------------------------------------------

    def drift(self) -> Iterator[Finding]:
        for rel in dockerfiles.drifted(self.root, self.reg):
            line = dockerfiles.first_drifted_line(self.root, self.reg, rel)
            yield self.f("ANN009", rel, line, "differs from its template here",
                         "run `python -m harness dockerfiles --write`; only first-block ARG "
                         "defaults may differ")  # fmt: skip

    # --- ANN010 ------------------------------------------------------------------------------

    def _model_registries(self) -> dict[str, list[registry.Component]]:
        """Each model_registry.json (ours, and one in any mounted folder) -> who mounts it."""
        found: dict[str, list[registry.Component]] = {MODELS_REGISTRY: []}
        for comp in self.reg.components():
            for mount in comp.mounts:
                rel = f"{mount}/{MODELS_REGISTRY_NAME}"
                if (self.root / rel).is_file() or rel == MODELS_REGISTRY:
                    found.setdefault(rel, []).append(comp)
        return found

    def models(self) -> Iterator[Finding]:
        for rel, users in self._model_registries().items():
            yield from self._model_registry(rel, users)
        yield from self._pickle_mounts()
        yield from self.dev_only_settings()

    def _model_registry(self, rel: str, users: list[registry.Component]) -> Iterator[Finding]:
        text = self._read(rel)
        if not (self.root / rel).exists() or rel in self.unreadable:
            return  # no models (a repository may have none), or reported as ANN011
        try:
            data = safeload.loads_json(text, rel)
        except HarnessError as exc:
            yield self._unreadable("ANN010", exc, "fix it (scripts/train_models.py writes it)")
            return
        models_doc = safeload.document(text) if self.lines else None
        shape = sorted(_MODELS_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
        for error in shape:
            key_path = list(error.absolute_path)
            yield self.f("ANN010", rel, yamlpos.line_at(models_doc, key_path),
                         f"{'.'.join(map(str, key_path)) or '(top level)'}: {error.message}",
                         "the runtime loader refuses it too: fix it (scripts/train_models.py "
                         "writes it)")  # fmt: skip
        if shape:
            return
        folder = (self.root / rel).parent
        # Pickles execute code when loaded: only a dev-profile component may mount them.
        outside_dev = [c.ref for c in users if c.profile != DEV_PROFILE]
        for name, entry in data["models"].items():
            at = yamlpos.line_at(models_doc, ["models", name])
            file = entry["file"]
            pickled = entry["format"] == "pickle" or file.endswith(PICKLE_SUFFIXES)
            if pickled and (outside_dev or not users):
                yield self.f(
                    "ANN010",
                    rel,
                    at,
                    f"{name} is a pickle model in a registry mounted outside the "
                    f"{DEV_PROFILE} profile ({', '.join(outside_dev) or 'every profile'})",
                    "export it to ONNX (scripts/train_models.py), or keep it out of "
                    "model_registry.json and load it only in the dev profile",
                )
            yield from self._model_file(rel, name, at, folder, file, entry["sha256"])

    def _model_file(
        self, rel: str, name: str, at: int, folder: Path, file: str, sha256: str
    ) -> Iterator[Finding]:
        """The file exists inside the mounted folder, is a regular file, and has its hash."""
        path = folder / file
        # Only the folder is mounted into containers: a path out of it is not there at run time.
        inside = path.resolve().is_relative_to(folder.resolve()) and not Path(file).is_absolute()
        problem = _registry_path_problem(file)
        if problem:
            yield self.f("ANN010", rel, at, f"{name}: {problem}",
                         "name the file relative to model_registry.json, without `..` "
                         "(the services refuse anything else)")  # fmt: skip
            return
        if not inside:
            problem = f"{file} is outside {folder.relative_to(self.root)} (the folder mounted)"
        elif not path.exists():
            problem = f"{file} is missing"
        elif not path.is_file():
            problem = f"{file} is not a regular file"
        if problem:
            yield self.f("ANN010", rel, at, f"{name}: {problem}",
                         "add the file beside model_registry.json or remove the entry")  # fmt: skip
            return
        try:
            with path.open("rb") as model:
                # Streamed: model files can be far larger than memory should hold.
                digest = hashlib.file_digest(model, "sha256").hexdigest()
        except OSError as exc:
            yield self.f("ANN010", rel, at, f"{name}: cannot read {file} "
                         f"({exc.strerror})", "make it readable")  # fmt: skip
            return
        if digest != sha256:
            yield self.f(
                "ANN010",
                rel,
                at,
                f"{name}: sha256 of {file} does not match",
                "retrain or update the hash (scripts/train_models.py writes both)",
            )

    def _pickle_mounts(self) -> Iterator[Finding]:
        """A component outside the dev profile must not mount a folder holding pickles."""
        for comp in self.reg.components():
            if comp.profile == DEV_PROFILE:
                continue
            for mount in comp.mounts:
                pickled = _pickles(self.root / mount)
                if pickled:
                    yield self.f(
                        "ANN010",
                        "services.json",
                        self._registry_line(comp),
                        f"{comp.ref} mounts {mount}, which holds pickles "
                        f"({pickled[0].name}{' ...' if len(pickled) > 1 else ''}), outside "
                        f"the {DEV_PROFILE} profile",
                        f'give it "profile": "{DEV_PROFILE}" (pickles are dev-only), or '
                        "export the models to ONNX",
                    )

    def dev_only_settings(self) -> Iterator[Finding]:
        """ALLOW_PICKLE_MODELS or DEV_MODE outside the dev profile, in compose or its env files."""
        for name, spec in self.services.items():
            spec = _mapping(spec)
            if DEV_PROFILE in _sequence(spec.get("profiles")):
                continue
            env = _mapping(spec.get("environment"))
            for setting in DEV_ONLY_SETTINGS:
                if str(env.get(setting, "")).lower() in TRUE_VALUES:
                    yield self._dev_only(
                        name, setting, COMPOSE_FILE, yamlpos.key_line(env, setting)
                    )
            # The per-service env files compose also reads (required or not).
            for entry in _sequence(spec.get("env_file")):
                rel = str(entry.get("path", "")) if hasattr(entry, "get") else str(entry)
                for number, line in enumerate(self._read(rel).splitlines(), start=1):
                    setting, _, value = line.strip().partition("=")
                    value = value.strip().strip("\"'").lower()
                    if setting.strip() in DEV_ONLY_SETTINGS and value in TRUE_VALUES:
                        yield self._dev_only(name, setting.strip(), rel, number)

    def _dev_only(self, service: str, setting: str, rel: str, line: int) -> Finding:
        return self.f(
            "ANN010",
            rel,
            line,
            f"{service} sets {setting} outside the {DEV_PROFILE} profile (pickle models run code)",
            f"remove it, or move the service to `profiles: [{DEV_PROFILE}]`",
        )

    # --- ANN013 ------------------------------------------------------------------------------

    def least_privilege(self) -> Iterator[Finding]:
        """Every container: no capabilities, no new privileges, a pids limit, a read-only root."""
        for name, raw in self.services.items():
            spec = _mapping(raw)
            at = yamlpos.key_line(self.services, name)
            missing = []
            if "ALL" not in [str(c).upper() for c in _sequence(spec.get("cap_drop"))]:
                missing.append("cap_drop: [ALL]")
            options = [str(o).replace("=", ":").replace(" ", "") for o in
                       _sequence(spec.get("security_opt"))]  # fmt: skip
            if not {"no-new-privileges:true", "no-new-privileges"} & set(options):
                missing.append("security_opt: [no-new-privileges:true]")
            limits = _mapping(_mapping(_mapping(spec.get("deploy")).get("resources")).get("limits"))
            pids = spec.get("pids_limit", limits.get("pids"))
            if not isinstance(pids, int) or isinstance(pids, bool) or pids <= 0:
                missing.append("a pids limit (deploy.resources.limits.pids: *pids-limit)")
            if spec.get("read_only") is not True:
                missing.append("read_only: true")
            unsized = [str(m) for m in _sequence(spec.get("tmpfs")) if "size=" not in str(m)]
            if isinstance(spec.get("tmpfs"), str) and "size=" not in spec["tmpfs"]:
                unsized.append(spec["tmpfs"])
            missing += [f"a size for tmpfs {m.split(':')[0]} (`{m.split(':')[0]}:size=16m`)"
                        for m in unsized]  # fmt: skip
            if missing:
                yield self.f("ANN013", COMPOSE_FILE, at, f"{name} lacks {', '.join(missing)}",
                             "merge the shared `<<: *hardened` (or `*app`) and limits; give "
                             "back only what the image needs (cap_add, tmpfs)")  # fmt: skip
            risky = [key for key in ("privileged",) if spec.get(key) is True]
            risky += [f"{key}: host" for key in ("network_mode", "pid", "ipc", "userns_mode")
                      if str(spec.get(key, "")) == "host"]  # fmt: skip
            if risky:
                yield self.f("ANN013", COMPOSE_FILE, at, f"{name} runs with {', '.join(risky)}",
                             "remove it: it hands the container the host")  # fmt: skip
            volumes = _sequence(spec.get("volumes"))
            for index, entry in enumerate(volumes):
                source, _ = _mount_parts(entry)
                if source == DOCKER_SOCKET and name != SOCKET_HOLDER:
                    yield self.f("ANN013", COMPOSE_FILE, yamlpos.item_line(volumes, index),
                                 f"{name} mounts the Docker socket (the whole Docker API, "
                                 "read-only or not)", f"reach Docker through the {SOCKET_HOLDER} "
                                 "service, which allows only what is read")  # fmt: skip

    def networks(self) -> Iterator[Finding]:
        """Networks by need: a service's own, the infrastructure it depends on, Traefik's edge."""
        owners = {c.compose_name: c.service for c in self.reg.components()}
        for name, raw in self.services.items():
            spec = _mapping(raw)
            listed = spec.get("networks")
            if not listed:
                yield self.f("ANN013", COMPOSE_FILE, yamlpos.key_line(self.services, name),
                             f"{name} has no `networks:` (so it joins the default network, "
                             "where every container reaches it)", "list the networks it needs: "
                             "its service's, and the infrastructure's it depends on")  # fmt: skip
                continue
            depends = set(_mapping(spec.get("depends_on")) or _sequence(spec.get("depends_on")))
            for network, line in _network_lines(listed):
                why = self._network_problem(name, network, owners, depends)
                if why:
                    yield self.f("ANN013", COMPOSE_FILE, line, f"{name} joins network {network!r}: "
                                 f"{why}", "keep each network to the containers that need it "
                                 "(see `networks:` in docker-compose.yml)")  # fmt: skip

    def _network_problem(
        self, service: str, network: str, owners: dict[str, str], depends: set[str]
    ) -> str | None:
        if network in self.reg.services:
            if owners.get(service) != network and service != PROXY_SERVICE:
                return f"it is {network}'s own network (its components and {PROXY_SERVICE} only)"
            return None
        if network in self.reg.infrastructure:
            if service != network and network not in depends:
                return f"only {network} and the services that depend on it may"
            return None
        if network == EDGE_NETWORK:
            return None if service == PROXY_SERVICE else f"it is {PROXY_SERVICE}'s alone"
        return (
            "not a service's, an infrastructure's or the edge network: name it after what it joins"
        )

    # --- ANN012 ------------------------------------------------------------------------------

    def untyped_specs(self) -> Iterator[Finding]:
        """Every committed spec (the template's too: new services copy it) is fully typed.

        An adopted component's spec is the team's own code's: a warning says what to type,
        without failing the gate the day the repository is taken in.
        """
        foreign = {f"{c.directory}/{SPEC_FILE}" for c in self.reg.components() if c.foreign}
        for rel in tools.files(self.root):
            if Path(rel).name != SPEC_FILE:
                continue
            level = "warning" if rel in foreign else "error"
            try:
                text = safeload.read_text(self.root / rel, "YAML file")
                parts = _untyped_parts(text, rel)
            except HarnessError:
                continue  # openapi-spec-validator reports an unreadable spec, once
            if parts:
                spec = safeload.loads_yaml(text, rel)
            for part in parts:
                line = yamlpos.line_at(spec, ["paths", part.path, part.method])
                hint = ("give the route a response model (a ResponseModel) or a RequestModel "
                        "body, then `nox -s contract -- --update`")  # fmt: skip
                finding = self.f("ANN012", rel, line, part.text(), hint)
                yield dataclasses.replace(finding, level=level)


# By content: a spec is parsed once per process, though the scaffold checks the policy
# before and after each new service (and its tests scaffold dozens).
@functools.lru_cache(maxsize=256)
def _untyped_parts(text: str, rel: str) -> tuple[Untyped, ...]:
    """The untyped parts of one spec's text (plain data: lines are looked up on a finding)."""
    spec = safeload.loads_yaml(text, rel, lines=False)
    return tuple(untyped(spec)) if isinstance(spec, dict) else ()


def _network_lines(listed: Any) -> list[tuple[str, int]]:
    """(network, line) of a service's `networks:`, list or mapping form."""
    if isinstance(listed, dict):
        return [(str(key), yamlpos.key_line(listed, key)) for key in listed]
    return [(str(item), yamlpos.item_line(listed, index)) for index, item in
            enumerate(_sequence(listed))]  # fmt: skip


# Bounds the walk of a mounted folder: a model folder is small; a huge tree is not one.
PICKLE_SCAN_LIMIT = 5000


def _pickles(folder: Path) -> list[Path]:
    """Pickle files (by suffix) in a mounted folder, bounded; none for a file mount."""
    if not folder.is_dir():
        return [folder] if folder.suffix in PICKLE_SUFFIXES else []
    found: list[Path] = []
    for count, path in enumerate(folder.rglob("*")):
        if count >= PICKLE_SCAN_LIMIT:
            break
        if path.suffix in PICKLE_SUFFIXES and path.is_file():
            found.append(path)
    return sorted(found)


def _same_path(source: str, mounted: str) -> bool:
    """Whether a compose volume source (./x/y, x/y/) is the repository path mounted."""
    return source.removeprefix("./").rstrip("/") == mounted or mounted in source


def _pinned(reference: str) -> bool:
    """image:tag or image@sha256:..., and the tag is not `latest`."""
    reference = reference.strip()
    if "@sha256:" in reference:
        return True
    name, _, tag = reference.rpartition(":")
    return bool(name) and bool(tag) and "/" not in tag and tag != "latest"


def _port_parts(entry: Any) -> tuple[str, str]:
    """(host ip, published port default) of a compose port, short or long form."""
    if hasattr(entry, "get"):
        return str(entry.get("host_ip", "")), str(entry.get("published", ""))
    text = VARIABLE.sub(lambda m: m["default"] or "", str(entry))
    parts = text.split(":")
    if len(parts) == 3:
        return parts[0], parts[1]
    return "", parts[0] if len(parts) == 2 else ""


def _mount_parts(entry: Any) -> tuple[str, bool]:
    """(source, read-only?) of a compose volume, short or long form."""
    if hasattr(entry, "get"):
        return str(entry.get("source", "")), bool(entry.get("read_only"))
    parts = str(entry).split(":")
    return parts[0], len(parts) > 2 and "ro" in parts[2].split(",")


def _mapping(value: Any) -> dict[str, Any]:
    """value if YAML gave a mapping, else {} (compose config reports the wrong shape)."""
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> list[Any]:
    """value if YAML gave a list, else []."""
    return value if isinstance(value, list) else []


def _registry_path_problem(file: str) -> str | None:
    """Why a registry entry's file would be refused (annadata_common.model_registry)."""
    parts = Path(file).parts
    if not file or Path(file).is_absolute() or ".." in parts or "\\" in file:
        return f"{file!r} is not a relative path inside the models directory"
    return None
