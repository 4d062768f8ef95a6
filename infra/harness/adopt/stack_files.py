"""The compose file, its hot-reload sample and .env.example of an adopted tree, as text.

What the Annadata stack's own files say about the infrastructure and every container
(least privilege, bounded logs, healthcheck timing, limits, Postgres, Redis, the socket
proxy, Traefik) is copied from them as they stand in this checkout, block by block: one
place for each fact, and an adopted tree passes the same lint policy (ANN013 and the rest).
What is the adopted tree's own (its components, their environment and probes) is written
here: 127.0.0.1 ports moved by variables, Traefik labels, read-only mounts, profiles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from harness import registry
from harness.docker import dockerfiles
from harness.docker.compose import COMPOSE_FILE, ENV_TEMPLATE
from harness.errors import HarnessError

# The checkout adopt runs from: its docker-compose.yml and .env.example are the source.
CHECKOUT = Path(__file__).parents[3]
# The stack's anchored blocks an adopted compose file shares, in the source's order; a
# credentials block only with its infrastructure.
SHARED_ANCHORS = {
    "x-logging": None, "x-healthcheck-timing": None, "x-hardened": None,
    "x-pids-limit": None, "x-app": None, "x-python-build": None, "x-node-build": None,
    "x-postgres-credentials": "postgres", "x-redis-credentials": "redis",
    "x-limits-backend": None, "x-limits-frontend": None,
}  # fmt: skip
# Networks of the source's that are no service's own (the rest are its services').
SHARED_NETWORKS = ("edge", "socket_proxy")
# The .env.example block every adopted tree shares (besides its infrastructure's blocks).
STACK_ENV_BLOCK = "the stack"
ROUTER = "traefik"
# The slim Python images have no curl: the probe GETs HEALTH_PATH with the standard library.
PYTHON_PROBE = (
    "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + "
    "os.environ['UVICORN_PORT'] + os.environ['HEALTH_PATH'], timeout=20)"
)
NODE_PROBE = (
    "fetch('http://127.0.0.1:'+process.env.PORT+'/').then(r=>process.exit(r.ok?0:1),"
    "()=>process.exit(1))"
)

HEAD = """\
# The dev stack of this repository, written by `nox -s adopt` (the Annadata harness) from
# services.json; `nox -s lint` checks that the two agree. Quick start:
#   cp .env.example .env && docker compose up -d --build
# Components build where their code is (see services.json); nothing was moved.
# Third-party images come through variables (no-registry mode points them at stand-ins).
# No `version:` key (obsolete) and no container_name: several projects can run side by side.
# The shared blocks below are the Annadata stack's own, so its least privilege holds here
# too (`nox -s lint`, ANN013, keeps it so): every container drops all capabilities, cannot
# gain privileges, has a pids limit, a read-only root and a sized /tmp; networks are split
# by need (see `networks:` at the end); Traefik reaches Docker only through a read-only
# socket proxy; Redis and Postgres require a password.
name: {project}

"""

# The adopted tree's own blocks: foreign apps read neither MAX_BODY_BYTES (Traefik holds the
# limit for them) nor have annadata_common's probe.
OWN_ANCHORS = """\
x-backend-env: &backend-env
  LOG_LEVEL: ${{LOG_LEVEL:-INFO}}
  GIT_SHA: ${{GIT_SHA:-unknown}}

x-backend-healthcheck: &backend-healthcheck
  <<: *healthcheck-timing
  test:
    - CMD
    - python
    - -c
    - >-
{python_probe}
"""


@dataclass(frozen=True)
class Block:
    """A YAML key's block of a file's text: the comment lines just above it, then its lines."""

    comments: str
    body: str

    @property
    def text(self) -> str:
        return self.comments + self.body


_KEY = re.compile(r"^(?P<indent> *)[^\s#:-][^:]*:(?:\s|$)")


def blocks(text: str, where: str, parent: str | None = None) -> dict[str, Block]:
    """The top-level keys' blocks of a YAML file's text, or those of the mapping at parent.

    By text, not by a YAML round trip: comments stay with the key below them, and anchors
    and aliases stay as written. where names the file for errors.
    """
    lines = text.splitlines(keepends=True)
    indent = ""
    if parent is not None:
        start = next((i for i, line in enumerate(lines) if line.rstrip() == f"{parent}:"), None)
        if start is None:
            raise HarnessError(f"{where}: no top-level `{parent}:` mapping: restore it")
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i].strip() and not lines[i].startswith(" ")), len(lines))  # fmt: skip
        lines, indent = lines[start + 1 : end], "  "
    keys = [i for i, line in enumerate(lines)
            if (m := _KEY.match(line)) and m["indent"] == indent]  # fmt: skip
    starts = []
    for key in keys:
        first = key
        while first > 0 and lines[first - 1].startswith(indent + "#"):
            first -= 1
        starts.append(first)
    found = {}
    for n, key in enumerate(keys):
        end = starts[n + 1] if n + 1 < len(keys) else len(lines)
        name = lines[key][len(indent) :].split(":", 1)[0]
        body = "".join(lines[key:end]).rstrip("\n") + "\n"
        found[name] = Block("".join(lines[starts[n] : key]), body)
    return found


def _source(rel: str) -> str:
    path = CHECKOUT / rel
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise HarnessError(
            f"{path}: cannot read it ({exc.strerror}): adopt copies the stack's shared blocks "
            "from the harness checkout's own files; run it from a full checkout"
        ) from None


def _shared(name: str, found: dict[str, Block], where: str) -> Block:
    if name not in found:
        raise HarnessError(
            f"{where}: no `{name}` block, which adopted stacks share: restore it (or drop it "
            "from harness.adopt.stack_files)"
        )
    return found[name]


def _values(block: Block) -> dict[str, str]:
    """KEY: value lines of a flat mapping block (the credentials), by key."""
    return dict(re.findall(r"^  ([A-Z][A-Z0-9_]*): (.+)$", block.body, re.M))


def compose(reg: registry.Registry, project: str) -> str:
    """docker-compose.yml for reg: the stack's shared blocks, then reg's own components."""
    where = f"{CHECKOUT / COMPOSE_FILE} (the stack adopt copies from)"
    source = _source(COMPOSE_FILE)
    top, services = blocks(source, where), blocks(source, where, "services")
    text = HEAD.format(project=project)
    for name, infra in SHARED_ANCHORS.items():
        if infra is None or infra in reg.infrastructure:
            text += _shared(name, top, where).text + "\n"
    text += OWN_ANCHORS.format(python_probe=_folded(PYTHON_PROBE, 6))
    credentials: dict[str, str] = {}
    for infra in ("postgres", "redis"):
        if infra in reg.infrastructure:
            credentials.update(_values(top[f"x-{infra}-credentials"]))
    unknown = [name for name in reg.infrastructure if name not in services]
    if unknown:
        raise HarnessError(
            f"services.json: infrastructure {unknown[0]!r} has no service in {where} to copy: "
            "adopt writes only the stack's own; remove it from services.json"
        )
    text += "\nservices:\n"
    for name, block in services.items():
        if name in reg.infrastructure:
            body = _router(block.body, reg, where) if name == ROUTER else block.body
            text += block.comments + body + "\n"
    for comp in reg.components():
        text += _component(reg, comp, credentials) + "\n\n"
    if "postgres" in reg.infrastructure:
        volumes = blocks(source, where, "volumes")
        text += "volumes:\n" + _shared("pgdata", volumes, where).text + "\n"
    networks = blocks(source, where, "networks")
    text += top["networks"].comments + "networks:\n"
    for name, block in networks.items():
        if name in SHARED_NETWORKS or name in reg.infrastructure:
            text += block.text
    text += "".join(f"  {service}: {{}}\n" for service in reg.services)
    return text.rstrip("\n") + "\n"


def _router(body: str, reg: registry.Registry, where: str) -> str:
    """The router's block with reg's service networks for the source's (it joins each)."""
    lines = body.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line == "    networks:\n"), len(lines))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("     ")),
               len(lines))  # fmt: skip
    replaced = [i for i in range(start, end)
                if (m := re.match(r"^      ([a-z][a-z0-9_]*): \{\}$", lines[i]))
                and m[1] not in reg.infrastructure]  # fmt: skip
    if not replaced:
        raise HarnessError(
            f"{where}: service {ROUTER!r} has no `<service>: {{}}` entries under `networks:` "
            "for adopt to replace with the adopted services': restore them"
        )
    adopted = [f"      {service}: {{}}\n" for service in reg.services]
    kept = [line for i, line in enumerate(lines[replaced[0] :], replaced[0]) if i not in replaced]
    return "".join(lines[: replaced[0]] + adopted + kept)


def _component(
    reg: registry.Registry, comp: registry.Component, credentials: dict[str, str]
) -> str:
    """comp's service; credentials: the shared blocks' POSTGRES_* and REDIS_* values."""
    lines = [f"  {comp.compose_name}:", "    <<: *app"]
    if comp.profile:
        lines.append(f"    profiles: [{comp.profile}]")
    lines.append(f"    image: annadata/{comp.compose_name}:${{ANNADATA_TAG:-dev}}")
    lines.append("    build:")
    lines.append("      <<: *" + ("node-build" if comp.kind == "frontend" else "python-build"))
    if comp.context != registry.ROOT_CONTEXT:
        lines.append(f"      context: {comp.context}")
    target = dockerfiles.target(comp)
    if target != ("static" if comp.kind == "frontend" else "backend"):
        lines.append(f"      target: {target}")
    lines.append(f"      dockerfile: {comp.dockerfile_path}")
    if comp.kind != "frontend":
        merged = ["*backend-env"] + [f"*{infra}-credentials" for infra in ("postgres", "redis")
                                     if infra in comp.depends_on]  # fmt: skip
        lines.append("    environment:")
        lines.append(f"      <<: [{', '.join(merged)}]" if len(merged) > 1 else
                     f"      <<: {merged[0]}")  # fmt: skip
        if "postgres" in comp.depends_on:
            lines.append("      POSTGRES_HOST: postgres")
            # A double-quoted scalar may break its line after a backslash (joined, no space).
            lines += [
                f'      DATABASE_URL: "postgresql://{credentials["POSTGRES_USER"]}:\\',
                f"        {credentials['POSTGRES_PASSWORD']}\\",
                f'        @postgres:5432/{credentials["POSTGRES_DB"]}"',
            ]
        if "redis" in comp.depends_on:
            scheme, _, rest = credentials["REDIS_URL"].partition("://")
            lines += [
                "      # A foreign app reads the URL alone: the password goes in it as well.",
                f'      REDIS_URL: "{scheme}://:{credentials["REDIS_PASSWORD"]}@{rest}"',
            ]
        lines += ["    env_file:", f"      - path: {comp.directory}/.env"]
        lines.append("        required: false")
    if comp.depends_on:
        lines.append("    depends_on:")
        for dep in comp.depends_on:
            service = reg.component(dep).compose_name if "." in dep else dep
            lines += [f"      {service}:", "        condition: service_healthy"]
    if comp.mounts:
        lines.append("    volumes:")
        for mount in comp.mounts:
            lines += [
                "      - type: bind",
                f"        source: ./{mount}",
                f"        target: {comp.mount_target(mount)}",
                "        read_only: true",
            ]
    lines.append(f"    networks: [{', '.join(reg.networks(comp))}]")
    if comp.port is not None:
        lines.append("    ports:")
        lines.append(f"      - 127.0.0.1:${{{comp.port_variable}:-{comp.port}}}:{comp.port}")
    if comp.kind == "frontend":
        lines += ["    healthcheck:", "      <<: *healthcheck-timing"]
        if comp.serve == "server":
            lines += ["      test:", "        - CMD", "        - node", "        - -e",
                      "        - >-", _folded(NODE_PROBE, 10)]  # fmt: skip
        else:
            lines.append(
                f'      test: ["CMD", "wget", "-q", "-O", "/dev/null", '
                f'"http://127.0.0.1:{comp.port}/"]'
            )
    else:
        lines.append("    healthcheck: *backend-healthcheck")
    if comp.route_host:
        router = comp.compose_name
        lines += [
            "    labels:",
            '      traefik.enable: "true"',
            f"      traefik.http.routers.{router}.rule: Host(`{comp.route_host}`)",
            f"      traefik.http.routers.{router}.entrypoints: web",
            f'      traefik.http.services.{router}.loadbalancer.server.port: "{comp.port}"',
            "      # The network Traefik reaches it on (it may be on others that Traefik is not).",
            f"      traefik.docker.network: ${{COMPOSE_PROJECT_NAME}}_{comp.service}",
        ]
    if comp.kind == "frontend" and comp.serve == "server":
        lines += ["    deploy:", "      resources:",
                  '        limits: {cpus: "1.0", memory: 512M, pids: *pids-limit}']  # fmt: skip
    else:
        lines.append(
            "    deploy: *limits-frontend" if comp.kind == "frontend" else
            "    deploy: *limits-backend"
        )  # fmt: skip
    return "\n".join(lines)


OVERRIDE_HEAD = """\
# Hot reload for development, written by `nox -s adopt`. Copy it and compose reads it:
#   cp docker-compose.override.yml.sample docker-compose.override.yml   (gitignored)
# Backends: the code is mounted where the image has it and uvicorn reloads on change.
# Frontends: the dev server (the node template's `dev` target) with the source mounted.
# `nox -s smoke` never reads this file (it names its compose files explicitly).

services:
"""


def _folded(code: str, indent: int) -> str:
    """code as the body of a folded (>-) scalar: lines of at most ~80 characters.

    Folding joins lines with one space, so the code is split only at its own spaces.
    """
    words, lines, line = code.split(" "), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > 80:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(" " * indent + text for text in lines)


def override_sample(reg: registry.Registry) -> str:
    """docker-compose.override.yml.sample: hot reload for every backend and frontend."""
    text = OVERRIDE_HEAD
    for comp in reg.components():
        if comp.kind == "backend":
            source, dest = dockerfiles.app_copy(comp)
            if comp.context != registry.ROOT_CONTEXT:
                source = f"{comp.context}/{source}"
            text += (
                f"  {comp.compose_name}:\n"
                f'    command: ["uvicorn", "--reload", "--reload-dir={dest}"]\n'
                f"    volumes:\n      - ./{source}:{dest}:ro\n\n"
            )
        elif comp.kind == "frontend":
            text += (
                f"  {comp.compose_name}:\n"
                "    # The dev server writes caches: not read-only, and more memory than nginx.\n"
                "    read_only: false\n"
                f"    image: annadata/{comp.compose_name}:hot\n"
                "    build:\n      target: dev\n"
                f"    volumes:\n      - ./{comp.directory}/src:/app/src\n"
                "    deploy:\n      resources:\n"
                '        limits: {cpus: "1.0", memory: 512M}\n'
                "    healthcheck:\n"
                "      test:\n        - CMD\n        - node\n        - -e\n        - >-\n"
                f"{_folded(NODE_PROBE, 10)}\n\n"
            )
    return text.rstrip("\n") + "\n"


def env_blocks(text: str) -> dict[str, str]:
    """.env.example's blocks (a `# --- title ...` line, up to a blank line) by title.

    The title is the header's words before a colon or the dashes, hyphens as underscores:
    `# --- socket-proxy: ...` is socket_proxy, an infrastructure name.
    """
    found = {}
    for paragraph in text.split("\n\n"):
        paragraph = paragraph.strip("\n")
        if paragraph.startswith("# --- "):
            title = paragraph.splitlines()[0][6:].split(":")[0].rstrip("- ").replace("-", "_")
            found[title] = paragraph + "\n"
    return found


def env_example(reg: registry.Registry, settings: dict[str, dict[str, str | None]]) -> str:
    """.env.example: every variable compose reads, with safe local defaults; settings found.

    The stack's and the infrastructure's blocks are the Annadata stack's own.
    """
    where = f"{CHECKOUT / ENV_TEMPLATE} (the stack adopt copies from)"
    source = env_blocks(_source(ENV_TEMPLATE))
    out = [
        "# Every variable docker-compose.yml reads, with safe local defaults (written by",
        "# `nox -s adopt`). Copy to .env (gitignored) and edit there: `cp .env.example .env`.",
        "# `nox -s smoke` reads this file too (then its own per-run file: images, passwords).",
    ]
    shared = (STACK_ENV_BLOCK, *reg.infrastructure)
    for title in shared:
        if title not in source:
            raise HarnessError(f"{where}: no `# --- {title.replace('_', '-')}` block, which "
                               "adopted stacks share: restore it")  # fmt: skip
    out += ["\n" + source[title].rstrip("\n") for title in source if title in shared]
    for service, comps in reg.services.items():
        out += ["", f"# --- {service} ---"]
        for comp in comps:
            found = settings.get(comp.ref, {})
            if found:
                out.append(f"# Settings {comp.ref} reads (the audit found them; its defaults "
                           f"apply): put yours in {comp.directory}/.env")  # fmt: skip
                out += [f"# {k}={v if v is not None else ''}" for k, v in found.items()]
            if comp.port is not None:
                out.append(f"{comp.port_variable}={comp.port}")
    return "\n".join(out) + "\n"
