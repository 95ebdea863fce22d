#!/usr/bin/env bash
# PostgreSQL from Debian's packages (pg_ctlcluster), for local tests.
#
#   bash infra/postgres.sh start|stop|status
#
# start installs the `postgresql` package if missing, makes sure a cluster
# "<newest version>/main" exists and runs on 127.0.0.1:$PGPORT, creates (idempotently)
# role dignity/dignity and databases dignity + dignity_test, and prints the
# SQLAlchemy URL on stdout (everything else goes to stderr).
# stop stops the cluster only if start started it (see $STATE).
#
# Env: PGPORT (5432), PG_APT_TIMEOUT (900 s to wait for another apt/dpkg run).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="$HERE/.cache/postgres.state"
PORT="${PGPORT:-5432}"
CLUSTER=main
APT_TIMEOUT="${PG_APT_TIMEOUT:-900}"

log() { echo "postgres.sh: $*" >&2; }

port_open() { timeout 1 bash -c ": </dev/tcp/127.0.0.1/$PORT" 2>/dev/null; }

installed() {
  command -v pg_ctlcluster >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

apt_busy() { pgrep -x 'apt|apt-get|dpkg|unattended-upgr' >/dev/null; }

install() {
  installed && return 0
  local deadline=$((SECONDS + APT_TIMEOUT))
  # Another apt run (maybe installing this very package) may hold the lock:
  # wait for it, then look again before installing anything ourselves.
  while apt_busy && ((SECONDS < deadline)); do
    log "waiting for a running apt/dpkg to finish..."
    sleep 5
  done
  installed && return 0
  [[ $EUID -eq 0 ]] || { log "postgresql is not installed and we are not root"; exit 1; }
  log "installing postgresql from Debian"
  # Lock::Timeout: wait (not fail) if apt is started again behind our back.
  until apt-get -o DPkg::Lock::Timeout=300 update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq postgresql >&2; do
    ((SECONDS < deadline)) || { log "apt-get failed"; exit 1; }
    installed && return 0
    log "apt-get failed, retrying in 10 s"
    sleep 10
  done
  installed || { log "postgresql still missing after install"; exit 1; }
}

newest_version() { # the newest installed server major version
  find /usr/lib/postgresql -maxdepth 3 -path '*/bin/postgres' | awk -F/ '{print $5}' | sort -n | tail -n1
}

as_postgres() { # run a command as the postgres OS user (peer auth on the socket)
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" "$@"; }

running() { pg_ctlcluster "$1" "$CLUSTER" status >/dev/null 2>&1; }

ensure_cluster() { # $1 = version
  if ! pg_lsclusters -h | awk -v v="$1" -v c="$CLUSTER" '$1 == v && $2 == c {f=1} END {exit !f}'; then
    log "creating cluster $1/$CLUSTER on port $PORT"
    pg_createcluster "$1" "$CLUSTER" -p "$PORT" >&2
  fi
  # An existing cluster may have been made for another port (pg_createcluster picks
  # the next free one when 5432 is taken); only change it while it is down.
  if ! running "$1"; then
    pg_conftool "$1" "$CLUSTER" set port "$PORT"
    pg_conftool "$1" "$CLUSTER" set listen_addresses localhost # 127.0.0.1 and ::1
  fi
}

ensure_db() {
  psql_admin -d postgres <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dignity') THEN
    CREATE ROLE dignity LOGIN CREATEDB PASSWORD 'dignity';
  ELSE
    ALTER ROLE dignity LOGIN CREATEDB PASSWORD 'dignity';
  END IF;
END
$$;
-- CREATE DATABASE cannot run inside DO; \gexec runs it only when the row exists.
SELECT 'CREATE DATABASE dignity OWNER dignity'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'dignity') \gexec
SELECT 'CREATE DATABASE dignity_test OWNER dignity'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'dignity_test') \gexec
SQL
}

start() {
  install
  local ver
  ver="$(newest_version)"
  ensure_cluster "$ver"
  if running "$ver"; then
    local actual
    actual="$(pg_conftool -s "$ver" "$CLUSTER" show port)"
    [[ $actual == "$PORT" ]] || {
      log "cluster $ver/$CLUSTER already runs on port $actual, not $PORT; stop it or set PGPORT=$actual"
      exit 1; }
    log "cluster $ver/$CLUSTER already running"
  elif port_open; then
    log "already running: something else listens on 127.0.0.1:$PORT; leaving it alone"
    echo "postgresql+psycopg://dignity:dignity@127.0.0.1:$PORT/dignity"
    return 0
  else
    pg_ctlcluster "$ver" "$CLUSTER" start >&2
    mkdir -p "$(dirname "$STATE")"
    echo "$ver $CLUSTER" >"$STATE" # so that stop stops only what we started
    log "started cluster $ver/$CLUSTER on 127.0.0.1:$PORT"
  fi
  local _
  for _ in {1..30}; do # pg_ctlcluster waits, but be sure before psql
    pg_isready -q -h 127.0.0.1 -p "$PORT" && break
    sleep 1
  done
  ensure_db
  echo "postgresql+psycopg://dignity:dignity@127.0.0.1:$PORT/dignity"
}

stop() {
  if [[ ! -f $STATE ]]; then
    echo "not stopping: the cluster was not started by this script"
    return 0
  fi
  local ver cluster
  read -r ver cluster <"$STATE"
  if running "$ver"; then
    pg_ctlcluster "$ver" "$cluster" stop -m fast >&2
  fi
  rm -f "$STATE"
  echo "stopped cluster $ver/$cluster"
}

status() {
  if port_open; then
    echo "running on 127.0.0.1:$PORT$([[ -f $STATE ]] && echo ' (started by this script)')"
  else
    echo "not running"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
