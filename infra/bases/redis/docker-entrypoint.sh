#!/usr/bin/env bash
# Argument handling of the official redis image: flags or a .conf file go to redis-server.
set -euo pipefail

if [[ "${1:0:1}" == "-" || "${1%.conf}" != "$1" ]]; then
  set -- redis-server "$@"
fi

if [[ "$1" == "redis-server" ]]; then
  # Upstream builds redis with protected mode off so containers on the network can connect.
  if [[ " $* " != *" --protected-mode "* ]]; then
    set -- "$@" --protected-mode no
  fi
  if [[ "$(id -u)" == "0" ]]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
