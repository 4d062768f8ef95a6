#!/bin/sh
# As upstream: flags go to haproxy, which runs in the foreground (-db) as the master (-W).
set -e
if [ "${1#-}" != "$1" ]; then
  set -- haproxy "$@"
fi
if [ "$1" = "haproxy" ]; then
  shift
  set -- haproxy -W -db "$@"
fi
exec "$@"
