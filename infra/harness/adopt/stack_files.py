"""The compose file, its hot-reload sample and .env.example of an adopted tree, as text.

Same conventions as the Annadata stack's own files: anchors for what every container
shares (least privilege, bounded logs, healthcheck timing, limits), 127.0.0.1 ports moved
by variables, Traefik labels, read-only data and model mounts, profiles.
"""

from __future__ import annotations

from harness import registry
from harness.docker import dockerfiles

PYTHON_DEFAULT = "python:3.11-slim"
NODE_DEFAULT = "node:22-alpine"
NGINX_DEFAULT = "nginx:stable-alpine"
IMAGE_DEFAULTS = {"POSTGRES_IMAGE": "postgres:15", "REDIS_IMAGE": "redis:7",
                  "TRAEFIK_IMAGE": "traefik:v3.7"}  # fmt: skip
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
name: {project}

x-logging: &logging
  # Bounded json-file logs: a chatty service cannot fill a laptop's disk.
  driver: json-file
  options:
    max-size: 10m
    max-file: "3"

x-healthcheck-timing: &healthcheck-timing
  interval: 10s
  # Generous: a loaded 2-core runner was seen to take seconds to start a probe.
  timeout: 30s
  retries: 5
  start_period: 180s

# What every container we build shares: least privilege and a read-only root filesystem.
x-app: &app
  restart: unless-stopped
  logging: *logging
  read_only: true
  tmpfs:
    - /tmp
  cap_drop: [ALL]
  security_opt:
    - no-new-privileges:true

x-python-build: &python-build
  context: .
  target: backend
  args:
    PYTHON_IMAGE: ${{PYTHON_IMAGE:-{python}}}
    GIT_SHA: ${{GIT_SHA:-unknown}}

x-node-build: &node-build
  context: .
  target: static
  args:
    NODE_IMAGE: ${{NODE_IMAGE:-{node}}}
    NGINX_IMAGE: ${{NGINX_IMAGE:-{nginx}}}

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

x-limits-backend: &limits-backend
  resources:
    limits: {{cpus: "1.0", memory: 384M}}

x-limits-frontend: &limits-frontend
  resources:
    limits: {{cpus: "0.25", memory: 64M}}
"""

POSTGRES_CREDENTIALS = """
x-postgres-credentials: &postgres-credentials
  POSTGRES_USER: ${POSTGRES_USER:-app}
  # No default: the password comes from .env (see .env.example) or the environment.
  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD (cp .env.example .env)}
  POSTGRES_DB: ${POSTGRES_DB:-app}
"""

INFRA_SERVICES = {
    "postgres": """\
  postgres:
    image: ${POSTGRES_IMAGE:-postgres:15}
    restart: unless-stopped
    logging: *logging
    environment: *postgres-credentials
    volumes:
      - pgdata:/var/lib/postgresql/data
    ports:
      - 127.0.0.1:${POSTGRES_PORT:-5432}:5432
    healthcheck:
      <<: *healthcheck-timing
      # Shell form on purpose: $$ defers the variables to the container's environment.
      test: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -U \\"$$POSTGRES_USER\\" -d \\"$$POSTGRES_DB\\""]
    deploy:
      resources:
        limits: {cpus: "1.0", memory: 512M}
""",
    "redis": """\
  redis:
    image: ${REDIS_IMAGE:-redis:7}
    restart: unless-stopped
    logging: *logging
    command: ["redis-server", "--save", "", "--appendonly", "no"]
    ports:
      - 127.0.0.1:${REDIS_PORT:-6379}:6379
    healthcheck:
      <<: *healthcheck-timing
      test: ["CMD", "redis-cli", "ping"]
    deploy:
      resources:
        limits: {cpus: "0.5", memory: 128M}
""",
    "traefik": """\
  traefik:
    image: ${TRAEFIK_IMAGE:-traefik:v3.7}
    restart: unless-stopped
    logging: *logging
    command:
      - --entrypoints.web.address=:80
      - --providers.docker=true
      # Only containers that opt in with traefik.enable=true, and only this project's.
      - --providers.docker.exposedbydefault=false
      - --providers.docker.constraints=Label(`com.docker.compose.project`,`${COMPOSE_PROJECT_NAME}`)
      # The dashboard without auth: it is published on 127.0.0.1 only (ports below).
      - --api.dashboard=true
      - --api.insecure=true
      - --ping=true
      - --log.level=${TRAEFIK_LOG_LEVEL:-INFO}
      - --global.checknewversion=false
      - --global.sendanonymoususage=false
    volumes:
      # Read-only socket: Traefik watches container labels (root-equivalent: 127.0.0.1 only).
      - /var/run/docker.sock:/var/run/docker.sock:ro
    ports:
      - 127.0.0.1:${TRAEFIK_WEB_PORT:-80}:80
      - 127.0.0.1:${TRAEFIK_DASHBOARD_PORT:-8080}:8080
    healthcheck:
      <<: *healthcheck-timing
      test: ["CMD", "traefik", "healthcheck", "--ping"]
    deploy:
      resources:
        limits: {cpus: "0.5", memory: 128M}
""",
}


def compose(reg: registry.Registry, project: str) -> str:
    """docker-compose.yml for reg."""
    text = HEAD.format(project=project, python=PYTHON_DEFAULT, node=NODE_DEFAULT,
                       nginx=NGINX_DEFAULT, python_probe=_folded(PYTHON_PROBE, 6))  # fmt: skip
    if "postgres" in reg.infrastructure:
        text += POSTGRES_CREDENTIALS
    text += "\nservices:\n"
    for name in ("postgres", "redis", "traefik"):
        if name in reg.infrastructure:
            text += INFRA_SERVICES[name] + "\n"
    for comp in reg.components():
        text += _component(reg, comp) + "\n"
    if "postgres" in reg.infrastructure:
        text += "volumes:\n  pgdata:\n"
    return text.rstrip("\n") + "\n"


def _component(reg: registry.Registry, comp: registry.Component) -> str:
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
        lines.append("    environment:")
        if "postgres" in comp.depends_on:
            lines.append("      <<: [*backend-env, *postgres-credentials]")
            lines.append("      POSTGRES_HOST: postgres")
            # A double-quoted scalar may break its line after a backslash (joined, no space).
            lines += [
                '      DATABASE_URL: "postgresql://${POSTGRES_USER:-app}:\\',
                "        ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD (cp .env.example .env)}\\",
                '        @postgres:5432/${POSTGRES_DB:-app}"',
            ]
        else:
            lines.append("      <<: *backend-env")
        if "redis" in comp.depends_on:
            lines.append("      REDIS_URL: redis://redis:6379/0")
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
        ]
    if comp.kind == "frontend" and comp.serve == "server":
        lines += ["    deploy:", "      resources:",
                  '        limits: {cpus: "1.0", memory: 512M}']  # fmt: skip
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


def env_example(reg: registry.Registry, settings: dict[str, dict[str, str | None]]) -> str:
    """.env.example: every variable compose reads, with safe local defaults; settings found."""
    out = [
        "# Every variable docker-compose.yml reads, with safe local defaults (written by",
        "# `nox -s adopt`). Copy to .env (gitignored) and edit there: `cp .env.example .env`.",
        "# `nox -s smoke` reads this file too (then its own per-run file).",
        "",
        "# --- the stack ---",
        "ANNADATA_TAG=dev",
        "GIT_SHA=unknown",
        "LOG_LEVEL=INFO",
        f"PYTHON_IMAGE={PYTHON_DEFAULT}",
        f"NODE_IMAGE={NODE_DEFAULT}",
        f"NGINX_IMAGE={NGINX_DEFAULT}",
    ]
    if "postgres" in reg.infrastructure:
        out += ["", "# --- postgres ---", f"POSTGRES_IMAGE={IMAGE_DEFAULTS['POSTGRES_IMAGE']}",
                "POSTGRES_USER=app",
                "# Dev-only default: the database is bound to 127.0.0.1. Never reuse it.",
                "POSTGRES_PASSWORD=app-dev-only", "POSTGRES_DB=app",
                "POSTGRES_PORT=5432"]  # fmt: skip
    if "redis" in reg.infrastructure:
        out += ["", "# --- redis ---", f"REDIS_IMAGE={IMAGE_DEFAULTS['REDIS_IMAGE']}",
                "REDIS_PORT=6379"]  # fmt: skip
    out += ["", "# --- traefik: http://<service>.localhost and http://<service>.api.localhost ---",
            f"TRAEFIK_IMAGE={IMAGE_DEFAULTS['TRAEFIK_IMAGE']}", "TRAEFIK_WEB_PORT=80",
            "TRAEFIK_DASHBOARD_PORT=8080", "TRAEFIK_LOG_LEVEL=INFO"]  # fmt: skip
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
