# Sourced by ./test: a throwaway PostgreSQL cluster on a loopback port for the journal tests. It
# exports the cluster's JDBC URL in CUSTODY_TEST_POSTGRES_URL and is stopped and deleted when the
# calling shell exits. A URL already set in the environment is used as it is, and nothing is started.
# CUSTODY_PG_FSYNC=on keeps fsync on (benchmarks of durable commits); the tests run with it off.
# The server binaries come from Debian's postgresql package (scripts/test-prerequisites.sh).

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
  if [ -n "${CUSTODY_TEST_POSTGRES_URL:-}" ]; then
    echo "test-postgres: using the server at $CUSTODY_TEST_POSTGRES_URL (CUSTODY_TEST_POSTGRES_URL)"
    return 0
  fi
  local bindir
  bindir=$(custody_pg_bindir) || { echo "test-postgres: no initdb/pg_ctl (Debian's postgresql package)" >&2; return 1; }
  # PostgreSQL refuses to run as root: as root, run the cluster as the postgres user, in a directory it owns.
  local as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    as=(runuser -u postgres --)
  fi
  CUSTODY_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/custody-pg.XXXXXX")
  trap custody_pg_stop EXIT
  chmod 755 "$CUSTODY_PG_DIR"
  [ "$(id -u)" != 0 ] || chown postgres "$CUSTODY_PG_DIR"
  # Every connection, local socket included, needs the password, which only this run knows: a trust
  # cluster would make any local user its superuser while the tests run.
  local password
  password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (umask 077; printf '%s\n' "$password" >"$CUSTODY_PG_DIR/password")
  [ "$(id -u)" != 0 ] || chown postgres "$CUSTODY_PG_DIR/password"
  "${as[@]}" "$bindir/initdb" -D "$CUSTODY_PG_DIR/data" -U postgres -A scram-sha-256 --pwfile="$CUSTODY_PG_DIR/password" \
    -E UTF8 --no-locale >"$CUSTODY_PG_DIR/initdb.log" 2>&1 \
    || { cat "$CUSTODY_PG_DIR/initdb.log" >&2; return 1; }
  CUSTODY_PG_CTL=("${as[@]}" "$bindir/pg_ctl" -D "$CUSTODY_PG_DIR/data")
  # A random port may be taken by someone else: try a few.
  local attempt
  for attempt in 1 2 3; do
    CUSTODY_PG_PORT=$(( 20000 + RANDOM % 20000 ))
    if "${CUSTODY_PG_CTL[@]}" -o "-k $CUSTODY_PG_DIR -h 127.0.0.1 -p $CUSTODY_PG_PORT -c fsync=${CUSTODY_PG_FSYNC:-off}" \
        -l "$CUSTODY_PG_DIR/server.log" -w start >/dev/null; then
      break
    fi
    [ "$attempt" != 3 ] || { cat "$CUSTODY_PG_DIR/server.log" >&2; return 1; }
  done
  PGPASSWORD="$password" "${as[@]}" "$bindir/psql" -q -h "$CUSTODY_PG_DIR" -p "$CUSTODY_PG_PORT" -U postgres \
    -d postgres -c "CREATE DATABASE custody_test" || return 1
  export CUSTODY_TEST_POSTGRES_URL="jdbc:postgresql://127.0.0.1:$CUSTODY_PG_PORT/custody_test"
  export CUSTODY_TEST_POSTGRES_USER=postgres
  export CUSTODY_TEST_POSTGRES_PASSWORD="$password"
  echo "test-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$CUSTODY_PG_PORT (stopped on exit)"
}

custody_pg_stop() {
  if [ -n "${CUSTODY_PG_DIR:-}" ] && [ -d "$CUSTODY_PG_DIR" ]; then
    local said=""
    if [ -f "$CUSTODY_PG_DIR/data/postmaster.pid" ]; then
      "${CUSTODY_PG_CTL[@]}" -m fast -w stop >/dev/null 2>&1 || true
      said="test-postgres: stopped the throwaway cluster"
    fi
    rm -rf "$CUSTODY_PG_DIR"
    # Said last: when the reader of the output is gone (./test | head), the echo kills the shell.
    [ -z "$said" ] || echo "$said"
  fi
}
