# Sourced by .ci/run (or run directly: bash scripts/test-postgres.sh, then ./test runs inside it).
# Starts a throwaway PostgreSQL cluster on a loopback port for the journal tests, exports its JDBC URL
# in CUSTODY_TEST_POSTGRES_URL, and stops and deletes it when the calling shell exits.
# Installs Debian's postgresql package when no server binaries are found (needs root, as CI has).

custody_pg_bindir() { # prints the directory of initdb/pg_ctl, newest version first
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

custody_pg_start() {
  local bindir
  if ! bindir=$(custody_pg_bindir); then
    echo "test-postgres: installing PostgreSQL from the distribution's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir=$(custody_pg_bindir) || { echo "test-postgres: no initdb/pg_ctl after installing postgresql" >&2; return 1; }
  fi
  # PostgreSQL refuses to run as root: as root, run the cluster as the postgres user, in a directory it owns.
  local as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    as=(runuser -u postgres --)
  fi
  CUSTODY_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/custody-pg.XXXXXX")
  chmod 755 "$CUSTODY_PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$CUSTODY_PG_DIR"
  CUSTODY_PG_PORT=${CUSTODY_PG_PORT:-$(( 20000 + RANDOM % 20000 ))}
  CUSTODY_PG_CTL=("${as[@]}" "$bindir/pg_ctl" -D "$CUSTODY_PG_DIR/data")
  "${as[@]}" "$bindir/initdb" -D "$CUSTODY_PG_DIR/data" -U postgres -A trust -E UTF8 --no-locale >"$CUSTODY_PG_DIR/initdb.log" 2>&1 \
    || { cat "$CUSTODY_PG_DIR/initdb.log" >&2; return 1; }
  "${CUSTODY_PG_CTL[@]}" -o "-k $CUSTODY_PG_DIR -h 127.0.0.1 -p $CUSTODY_PG_PORT -c fsync=off" \
    -l "$CUSTODY_PG_DIR/server.log" -w start >/dev/null || { cat "$CUSTODY_PG_DIR/server.log" >&2; return 1; }
  trap custody_pg_stop EXIT
  "${as[@]}" "$bindir/psql" -q -h "$CUSTODY_PG_DIR" -p "$CUSTODY_PG_PORT" -U postgres -d postgres \
    -c "CREATE DATABASE custody_test" || return 1
  export CUSTODY_TEST_POSTGRES_URL="jdbc:postgresql://127.0.0.1:$CUSTODY_PG_PORT/custody_test"
  export CUSTODY_TEST_POSTGRES_USER=postgres
  export CUSTODY_TEST_POSTGRES_PASSWORD=
  export CUSTODY_TEST_POSTGRES_REQUIRED=1
  echo "test-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$CUSTODY_PG_PORT"
}

custody_pg_stop() {
  if [ -n "${CUSTODY_PG_DIR:-}" ] && [ -d "$CUSTODY_PG_DIR" ]; then
    "${CUSTODY_PG_CTL[@]}" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$CUSTODY_PG_DIR"
    echo "test-postgres: stopped the throwaway cluster"
  fi
}

# Run directly: start, run the tests, stop.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  custody_pg_start
  ./test "$@"
fi
