#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft, broker+controller in one JVM) for local tests.
# The broker jars come from Maven Central via infra/kafka/pom.xml; no tarball, no Docker.
#
#   bash infra/kafka.sh fetch|start|stop|status
#
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_VERSION (pom default),
#      KAFKA_HEAP_OPTS ("-Xms256m -Xmx512m"), KAFKA_START_TIMEOUT (60 s).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="$HERE/.cache/kafka"
LIBS="$CACHE/libs"
DATA="$CACHE/data"
CONF="$CACHE/server.properties"
LOG4J_CONF="$CACHE/log4j2.properties"
PIDFILE="$CACHE/kafka.pid"
LOGFILE="$CACHE/kafka.log"
POM="$HERE/kafka/pom.xml"

HOST=127.0.0.1
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-9093}"
HEAP="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
TIMEOUT="${KAFKA_START_TIMEOUT:-60}"

log() { echo "kafka.sh: $*" >&2; }

show_log() { # the errors first (a startup log is ~1500 lines), then the tail
  grep -E '(ERROR|FATAL)|Exception:' "$LOGFILE" | head -n 10 >&2 || true
  echo "--- last lines of $LOGFILE:" >&2
  tail -n 25 "$LOGFILE" >&2
}

port_open() { # bash's /dev/tcp: no nc/kafka client needed
  timeout 1 bash -c ": </dev/tcp/$HOST/$1" 2>/dev/null
}

our_pid() { # prints the pid from the pid file if that process is still our broker
  local pid
  [[ -f $PIDFILE ]] || return 1
  pid="$(cat "$PIDFILE")"
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  # Guard against pid reuse: it must really be a kafka.Kafka JVM.
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

stamp() { # what the libs dir was fetched for; a change of pom or version refetches
  { sha256sum "$POM" | cut -d' ' -f1; echo "${KAFKA_VERSION:-}"; } | tr '\n' ' '
}

fetch() {
  if [[ -f $LIBS/.stamp && "$(cat "$LIBS/.stamp")" == "$(stamp)" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || { log "mvn not found (apt-get install -y maven)"; exit 1; }
  log "fetching Kafka jars from Maven Central into $LIBS"
  local args=(-B -Dstyle.color=never -f "$POM" dependency:copy-dependencies
              -DoutputDirectory="$LIBS.tmp" -DincludeScope=runtime)
  [[ -n ${KAFKA_VERSION:-} ]] && args+=(-Dkafka.version="$KAFKA_VERSION")
  rm -rf "$LIBS.tmp"
  mkdir -p "$CACHE"
  # Full output to a file (Maven 3.8 litters even -q output with colour codes).
  mvn "${args[@]}" >"$CACHE/mvn.log" 2>&1 || {
    log "mvn failed; see $CACHE/mvn.log"; grep -E '^\[ERROR\]' "$CACHE/mvn.log" | head -n 20 >&2; exit 1; }
  # Swap in atomically so an interrupted fetch never leaves a half-filled libs/.
  rm -rf "$LIBS"
  mv "$LIBS.tmp" "$LIBS"
  stamp >"$LIBS/.stamp"
}

java_cp() { # java with the cached classpath; args are the main class and its args
  java -cp "$LIBS/*" -Dlog4j2.configurationFile="$LOG4J_CONF" -Dkafka.logs.dir="$CACHE" "$@"
}

write_config() {
  # Static voter list (controller.quorum.voters) rather than a --standalone dynamic
  # quorum: then the ports live only in this file and can change between runs
  # without reformatting the storage.
  cat >"$CONF" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CPORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CPORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA
num.partitions=6
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
  # INFO to stdout (redirected to the log file); the chatty parts at WARN.
  cat >"$LOG4J_CONF" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = STDOUT
logger.state.name = state.change.logger
logger.state.level = warn
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = warn
EOF
}

format_storage() {
  [[ -f $DATA/meta.properties ]] && return 0 # format exactly once
  local id
  # Same shape as `StorageTool random-uuid` (base64url of 16 random bytes, no
  # padding, not starting with '-') without paying for a JVM start.
  id=-
  while [[ $id == -* ]]; do
    id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  done
  log "formatting KRaft storage in $DATA (cluster id $id)"
  java_cp kafka.tools.StorageTool format -t "$id" -c "$CONF" >>"$LOGFILE" 2>&1 || {
    show_log; exit 1; }
}

wait_ready() { # $1 = pid; returns once the broker serves, exits non-zero otherwise
  local deadline=$((SECONDS + TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$1" 2>/dev/null; then
      log "broker exited during startup:"
      show_log
      rm -f "$PIDFILE"
      exit 1
    fi
    if port_open "$PORT" && grep -q 'Kafka Server started' "$LOGFILE"; then
      return 0
    fi
    sleep 0.5
  done
  log "not ready after ${TIMEOUT}s (still running as pid $1; 'stop' ends it):"
  show_log
  exit 1
}

start() {
  local pid
  if pid="$(our_pid)"; then # ours, maybe still starting: just wait for it
    wait_ready "$pid"
    echo "already running (pid $pid)"
    return 0
  fi
  if port_open "$PORT"; then
    echo "already running: something listens on $HOST:$PORT (not started by this script)"
    return 0
  fi
  command -v java >/dev/null || { log "java not found (need Java 17+)"; exit 1; }
  local t0=$SECONDS
  fetch
  mkdir -p "$DATA"
  write_config
  # One log per run, so the readiness grep cannot match an earlier run's line.
  [[ -f $LOGFILE ]] && mv -f "$LOGFILE" "$LOGFILE.1"
  : >"$LOGFILE"
  rm -f "$PIDFILE"
  format_storage
  # setsid: own session, so the broker outlives the calling shell and its Ctrl-C;
  # the inner shell writes its own pid, then execs java with that same pid.
  local heap
  read -ra heap <<<"$HEAP"
  # shellcheck disable=SC2016 # $$ and "$@" are for the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" \
    java "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONF" -Dkafka.logs.dir="$CACHE" \
    -cp "$LIBS/*" kafka.Kafka "$CONF" </dev/null >>"$LOGFILE" 2>&1 &
  for _ in {1..50}; do [[ -s $PIDFILE ]] && break; sleep 0.1; done
  [[ -s $PIDFILE ]] || { log "launch failed"; show_log; exit 1; }
  pid="$(cat "$PIDFILE")"
  wait_ready "$pid"
  echo "started (pid $pid) on $HOST:$PORT in $((SECONDS - t0)) s; log: $LOGFILE"
}

stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PIDFILE"
    echo "not running (nothing started by this script)"
    return 0
  fi
  kill -TERM "$pid"
  # A clean controlled shutdown takes a few seconds; don't hang forever.
  for _ in {1..60}; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid ignored TERM for 30 s; sending KILL"
    kill -KILL "$pid" || true
  fi
  rm -f "$PIDFILE"
  echo "stopped (pid $pid)"
}

status() {
  local pid
  if pid="$(our_pid)" && port_open "$PORT"; then
    echo "running (pid $pid) on $HOST:$PORT"
  elif port_open "$PORT"; then
    echo "running: $HOST:$PORT is open (not started by this script)"
  else
    echo "not running"
    return 1
  fi
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 fetch|start|stop|status" >&2; exit 2 ;;
esac
