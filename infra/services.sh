#!/usr/bin/env bash
# Start/stop everything the integration tests need (PostgreSQL, then Kafka).
#
#   eval "$(bash infra/services.sh up)"   # prints `export DIGNITY_KAFKA=... DIGNITY_DB=...`
#   bash infra/services.sh down           # stops only what `up` started
#
# `up` notes in $STARTED each service that was not already running, so `down`
# never stops a Kafka or PostgreSQL that someone else (or an earlier run) owns.
# Env: those of infra/kafka.sh and infra/postgres.sh (KAFKA_PORT, PGPORT, ...).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STARTED="$HERE/.cache/started"

note_started() {
  mkdir -p "$(dirname "$STARTED")"
  grep -qxF "$1" "$STARTED" 2>/dev/null || echo "$1" >>"$STARTED"
}

up() {
  local db
  # Status is checked before each start: only a service that was down is ours.
  # It is noted before starting, so a start that fails halfway is still cleaned up by down.
  bash "$HERE/postgres.sh" status >/dev/null || note_started postgres
  db="$(bash "$HERE/postgres.sh" start)"
  bash "$HERE/kafka.sh" status >/dev/null || note_started kafka
  bash "$HERE/kafka.sh" start >&2
  echo "export DIGNITY_KAFKA=127.0.0.1:${KAFKA_PORT:-9092}"
  echo "export DIGNITY_DB=$db"
}

down() {
  [[ -f $STARTED ]] || { echo "nothing to stop (no $STARTED)" >&2; return 0; }
  local svc rc=0
  # Reverse order of start: Kafka first, then PostgreSQL.
  for svc in $(tac "$STARTED"); do
    bash "$HERE/$svc.sh" stop >&2 || rc=1
  done
  rm -f "$STARTED"
  return "$rc"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
