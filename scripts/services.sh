#!/usr/bin/env bash
# Starts and stops the local services docgate's worker and tests need, without systemd:
# RabbitMQ (rabbitmq-server -detached, default node, port 5672) and a throwaway PostgreSQL
# cluster (initdb + pg_ctl in a temp dir, as the postgres user, on a free port).
#
#   eval "$(scripts/services.sh start)"        # both; prints `export VAR=...` lines
#   eval "$(scripts/services.sh start rabbitmq)"
#   scripts/services.sh stop
#   scripts/services.sh pg-stop | pg-start      # used by the database-outage test
#   scripts/services.sh rabbit-stop | rabbit-start   # used by the broker-restart test
#
# Progress goes to stderr; stdout carries only the exports, which are also written to
# $DOCGATE_SERVICES_DIR/env.
set -euo pipefail

DIR="${DOCGATE_SERVICES_DIR:-/tmp/docgate-services}"
PGDATA="$DIR/pg"
AMQP_URL="amqp://guest:guest@127.0.0.1:5672/%2f"

log() { echo "services: $*" >&2; }

# Runs a command as the postgres user when we are root (initdb refuses to run as root).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local b
  for b in /usr/lib/postgresql/*/bin; do [ -x "$b/pg_ctl" ] && { echo "$b"; return; }; done
  dirname "$(command -v pg_ctl)"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

rabbit_running() { rabbitmqctl -q await_startup --timeout 2 >/dev/null 2>&1; }

start_rabbitmq() {
  if rabbit_running; then
    log "RabbitMQ already running"
  else
    log "starting RabbitMQ (about 15 s)"
    # Debian's wrapper switches to the rabbitmq user when run as root.
    rabbitmq-server -detached >/dev/null 2>&1 || true
    # await_startup fails at once while the node is not yet registered: poll until it is.
    local i
    for i in $(seq 1 120); do
      rabbit_running && break
      sleep 1
    done
    rabbit_running || { log "RabbitMQ did not start; see /var/log/rabbitmq/"; exit 1; }
    log "RabbitMQ is up"
  fi
  echo "export DOCGATE_TEST_AMQP_URL='$AMQP_URL'"
  echo "export DOCGATE_AMQP_URL='${DOCGATE_AMQP_URL:-$AMQP_URL}'"
}

pg_port() { cat "$DIR/pg.port" 2>/dev/null; }

start_postgres() {
  local bin port
  bin="$(pg_bin)"
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    rm -rf "$PGDATA"
    mkdir -p "$PGDATA"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PGDATA"
    as_postgres "$bin/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 >/dev/null
  fi
  port="$(pg_port || true)"
  if [ -n "$port" ] && as_postgres "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    log "PostgreSQL already running on port $port"
  else
    port=55432
    while ! port_free "$port"; do port=$((port + 1)); done
    echo "$port" >"$DIR/pg.port"
    as_postgres "$bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
      -o "-p $port -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" \
      start >/dev/null
    log "PostgreSQL is up on port $port"
  fi
  echo "export DOCGATE_TEST_PG_URL='postgres://postgres@127.0.0.1:$port/postgres'"
}

pg_stop() {
  as_postgres "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
}

pg_start() {
  local port
  port="$(pg_port)"
  as_postgres "$(pg_bin)/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
    -o "-p $port -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" \
    start >/dev/null
}

cmd="${1:-start}"
shift || true
case "$cmd" in
  start)
    which=("$@")
    [ ${#which[@]} -gt 0 ] || which=(rabbitmq postgres)
    mkdir -p "$DIR"
    : >"$DIR/env.new"
    for s in "${which[@]}"; do
      case "$s" in
        rabbitmq) start_rabbitmq ;;
        postgres) start_postgres ;;
        *) log "unknown service $s"; exit 2 ;;
      esac
    done | tee "$DIR/env.new"
    mv "$DIR/env.new" "$DIR/env"
    ;;
  stop)
    pg_stop
    rabbitmqctl -q stop >/dev/null 2>&1 || true
    log "stopped"
    ;;
  pg-stop) pg_stop ;;
  pg-start) pg_start ;;
  # stop_app keeps the Erlang node (and its cookie, port reservations) but drops every
  # connection and stops serving: a broker restart as clients see it.
  rabbit-stop) rabbitmqctl -q stop_app >/dev/null ;;
  rabbit-start) rabbitmqctl -q start_app >/dev/null ;;
  *)
    echo "usage: $0 start [rabbitmq] [postgres] | stop | pg-stop | pg-start | rabbit-stop | rabbit-start" >&2
    exit 2
    ;;
esac
