#!/usr/bin/env bash
# First-start initialisation with the official postgres image's environment contract.
set -Eeuo pipefail

if [[ "${1:0:1}" == "-" ]]; then
  set -- postgres "$@"
fi

if [[ "$1" != "postgres" ]]; then
  exec "$@"
fi

if [[ "$(id -u)" == "0" ]]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
AUTH_METHOD="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"

run_sql() {
  psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc \
    --username "$POSTGRES_USER" --dbname "${1:-$POSTGRES_DB}"
}

initialise() {
  if [[ -z "${POSTGRES_PASSWORD:-}" && "$AUTH_METHOD" != "trust" ]]; then
    echo "error: database is uninitialized and POSTGRES_PASSWORD is not set;" \
      "set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust for local tests only)" >&2
    exit 1
  fi
  local pwfile
  pwfile="$(mktemp)"
  printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of flags, as upstream.
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
    --auth-host="$AUTH_METHOD" ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
  rm -f "$pwfile"
  printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  printf 'host all all all %s\n' "$AUTH_METHOD" >>"$PGDATA/pg_hba.conf"

  # A socket-only server while the init scripts run, so no client sees a half-made database.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  if [[ "$POSTGRES_DB" != "postgres" ]]; then
    echo "CREATE DATABASE \"$POSTGRES_DB\";" | run_sql postgres
  fi
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        # shellcheck source=/dev/null  # init scripts are the user's, known only at run time
        if [[ -x "$f" ]]; then echo "running $f"; "$f"; else echo "sourcing $f"; . "$f"; fi ;;
      *.sql) echo "running $f"; run_sql <"$f" ;;
      *.sql.gz) echo "running $f"; gunzip -c "$f" | run_sql ;;
      *) [[ -e "$f" ]] && echo "ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo "PostgreSQL init process complete; ready for start up."
}

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  initialise
fi
exec "$@"
