# shellcheck shell=bash
# Start a throwaway PostgreSQL server for tests/integration/test_postgres.py and export
# QUIZAPP_TEST_PG_URL. Meant to be sourced (`source .ci/postgres.sh`) by .ci/run; also works when run
# directly (it then prints the export line to copy). Installs PostgreSQL with apt-get when no server
# binaries are found. The cluster lives in a temp dir, listens on 127.0.0.1 on a free port, trusts
# local connections (nothing else can reach it) and is stopped when the calling shell exits.
# If the server cannot be started this says so loudly and leaves QUIZAPP_TEST_PG_URL unset, so the
# PostgreSQL test is skipped with that reason instead of the whole run failing.

_quizapp_pg_bin() {
  local d
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  for d in /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

_quizapp_pg_start() {
  local bin user dir port run
  if ! bin="$(_quizapp_pg_bin)"; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "postgres.sh: installing PostgreSQL (apt-get)"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || true
    fi
    bin="$(_quizapp_pg_bin)" || { echo "postgres.sh: WARNING: no PostgreSQL server binaries; the PostgreSQL test will be skipped"; return 0; }
  fi

  dir="$(mktemp -d /tmp/quizapp-pg.XXXXXX)"
  run=()
  if [ "$(id -u)" = "0" ]; then
    # initdb refuses to run as root: use the postgres account (created if the package did not).
    user=postgres
    id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
    chown "$user" "$dir"
    if command -v runuser >/dev/null 2>&1; then run=(runuser -u "$user" --); else run=(su -s /bin/sh "$user" -c); fi
  fi
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

  _quizapp_pg_run() {
    if [ "${run[0]:-}" = "su" ]; then "${run[@]}" "$(printf '%q ' "$@")"; elif [ ${#run[@]} -gt 0 ]; then "${run[@]}" "$@"; else "$@"; fi
  }

  if ! _quizapp_pg_run "$bin/initdb" -D "$dir/data" -U quizapp --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1; then
    echo "postgres.sh: WARNING: initdb failed (log below); the PostgreSQL test will be skipped"
    cat "$dir/initdb.log"
    return 0
  fi
  if ! _quizapp_pg_run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1; then
    echo "postgres.sh: WARNING: the server did not start (log below); the PostgreSQL test will be skipped"
    cat "$dir/server.log" 2>/dev/null || true
    return 0
  fi
  export QUIZAPP_TEST_PG_URL="postgresql+psycopg://quizapp@127.0.0.1:$port/postgres"
  export QUIZAPP_TEST_PG_DIR="$dir"
  # Stop the server when the calling shell exits (unless the caller already has an EXIT trap).
  if [ -z "$(trap -p EXIT)" ]; then
    # shellcheck disable=SC2064
    trap "$(printf '%q ' "${run[@]}") $bin/pg_ctl -D $dir/data -m fast stop >/dev/null 2>&1 || true" EXIT
  fi
  echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
  echo "export QUIZAPP_TEST_PG_URL=$QUIZAPP_TEST_PG_URL"
}

_quizapp_pg_start
