#!/bin/sh
# As upstream: a first argument that is a flag, or not a command, is passed to traefik.
set -e
if [ "${1#-}" != "$1" ]; then
  set -- traefik "$@"
elif ! command -v -- "$1" >/dev/null 2>&1; then
  set -- traefik "$@"
fi
exec "$@"
