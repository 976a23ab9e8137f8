#!/usr/bin/env bash
# Starts and stops the real servers the network guest tests talk to: Redis, PostgreSQL and
# MariaDB from Debian's packages, on loopback only, with all their files under one temp dir.
#
#   eval "$(tests/services.sh start)"   # installs what is missing, starts the servers and
#                                       # prints the variables the tests read (see below)
#   cargo test --release -p wedge-cli --test net_guests
#   tests/services.sh stop              # stops them by PID and removes the temp dir
#
# Variables printed by `start` (read by crates/wedge-cli/tests/net_guests.rs):
#   WEDGE_SERVICES_DIR   the temp dir (logs, data, PID files); `stop` reads it
#   WEDGE_TEST_REDIS     127.0.0.1:PORT
#   WEDGE_TEST_POSTGRES  postgres://wedge:wedge@127.0.0.1:PORT/wedge (password auth, SCRAM)
#   WEDGE_TEST_MYSQL     mysql://wedge:wedge@127.0.0.1:PORT/wedge (MariaDB)
#
# Set WEDGE_SERVICES=redis,postgres to start only some. Needs root (apt-get, and PostgreSQL
# runs as the `postgres` user). Only messages go to stderr; stdout is the `export` lines.
set -euo pipefail

log() { echo "services: $*" >&2; }

# Installs the Debian packages that provide the servers, when missing.
install_missing() {
  local want=()
  command -v redis-server >/dev/null || want+=(redis-server)
  compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || want+=(postgresql)
  command -v mariadbd >/dev/null || want+=(mariadb-server)
  command -v mariadb >/dev/null || want+=(mariadb-client)
  if [ ${#want[@]} -gt 0 ]; then
    log "installing ${want[*]}"
    apt-get update -q >&2
    # policy-rc.d keeps the packages' own services from starting system-wide.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${want[@]}" >&2
  fi
}

# Prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# Waits until something accepts TCP connections on 127.0.0.1:$1, for at most 120 s (a
# server's first start can be slow on a loaded machine). With a PID ($2) and a log file ($3):
# stops waiting as soon as that process is gone, and shows the end of its log.
wait_port() {
  local port=$1 pid=${2:-} logf=${3:-} i
  for i in $(seq 1200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      log "the server (pid $pid) exited before listening on port $port"
      [ -n "$logf" ] && [ -f "$logf" ] && tail -n 20 "$logf" >&2
      return 1
    fi
    sleep 0.1
  done
  log "nothing listens on port $port after 120 s"
  [ -n "$logf" ] && [ -f "$logf" ] && tail -n 20 "$logf" >&2
  return 1
}

start_redis() {
  local dir=$1 port
  port=$(free_port)
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save '' --appendonly no >&2
  wait_port "$port"
  echo "export WEDGE_TEST_REDIS=127.0.0.1:$port"
}

start_postgres() {
  local dir=$1 port bin
  bin=$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/postgres" | sort -V | tail -1)")
  port=$(free_port)
  mkdir -p "$dir/pg"
  chown postgres "$dir/pg"
  echo wedge >"$dir/pg.pw"
  chown postgres "$dir/pg.pw"
  runuser -u postgres -- "$bin/initdb" -D "$dir/pg/data" -U wedge --pwfile="$dir/pg.pw" \
    --auth-host=scram-sha-256 --auth-local=trust -E UTF8 >"$dir/pg-initdb.log" 2>&1
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/pg" start >&2
  runuser -u postgres -- "$bin/createdb" -h "$dir/pg" -p "$port" -U wedge wedge
  cp "$dir/pg/data/postmaster.pid" "$dir/postgres.pid.info"
  head -1 "$dir/pg/data/postmaster.pid" >"$dir/postgres.pid"
  echo "export WEDGE_TEST_POSTGRES=postgres://wedge:wedge@127.0.0.1:$port/wedge"
}

start_mariadb() {
  local dir=$1 port attempt pid
  mkdir -p "$dir/mysql"
  mariadb-install-db --no-defaults --user=root --datadir="$dir/mysql" --skip-test-db \
    --auth-root-authentication-method=socket >"$dir/mariadb-install.log" 2>&1
  # A second attempt on another port when the first server exits (its port can be taken
  # between `free_port` and the server's bind).
  for attempt in 1 2; do
    port=$(free_port)
    mariadbd --no-defaults --user=root --datadir="$dir/mysql" --socket="$dir/mysql.sock" \
      --port="$port" --bind-address=127.0.0.1 --pid-file="$dir/mariadbd.pid" \
      --log-error="$dir/mariadb.log" --skip-log-bin >/dev/null 2>&1 &
    pid=$!
    echo "$pid" >"$dir/mariadb.pid"
    if wait_port "$port" "$pid" "$dir/mariadb.log"; then break; fi
    kill -0 "$pid" 2>/dev/null && return 1
    [ "$attempt" = 2 ] && return 1
    log "starting MariaDB again on another port"
  done
  mariadb --no-defaults -S "$dir/mysql.sock" -u root -e "
    CREATE DATABASE wedge;
    CREATE USER 'wedge'@'127.0.0.1' IDENTIFIED BY 'wedge';
    GRANT ALL ON wedge.* TO 'wedge'@'127.0.0.1';"
  echo "export WEDGE_TEST_MYSQL=mysql://wedge:wedge@127.0.0.1:$port/wedge"
}

# Stops every server whose PID file is in $1, then removes $1.
stop_all() {
  local dir=$1 f pid i
  [ -d "$dir" ] || { log "no services dir $dir"; return 0; }
  for f in "$dir"/redis.pid "$dir"/postgres.pid "$dir"/mariadb.pid; do
    [ -f "$f" ] || continue
    pid=$(head -1 "$f")
    [ -n "$pid" ] || continue
    # PostgreSQL: SIGINT is its "fast" shutdown (SIGTERM waits for clients); the others
    # shut down cleanly on SIGTERM.
    local sig=TERM
    [ "$(basename "$f")" = postgres.pid ] && sig=INT
    kill -"$sig" "$pid" 2>/dev/null || continue
    for i in $(seq 200); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$(basename "$f" .pid) (pid $pid) did not stop in 20 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$dir"
  log "stopped; removed $dir"
}

cmd=${1:-}
case "$cmd" in
  start)
    install_missing
    dir=$(mktemp -d /tmp/wedge-services.XXXXXX)
    chmod 755 "$dir"
    echo "export WEDGE_SERVICES_DIR=$dir"
    # A failed start stops what did start.
    trap 'stop_all "$dir"' ERR
    for s in $(echo "${WEDGE_SERVICES:-redis,postgres,mariadb}" | tr , ' '); do
      case "$s" in
        redis) start_redis "$dir" ;;
        postgres) start_postgres "$dir" ;;
        mariadb) start_mariadb "$dir" ;;
        *) log "unknown service $s (known: redis, postgres, mariadb)"; exit 2 ;;
      esac
    done
    trap - ERR
    log "started in $dir"
    ;;
  stop)
    stop_all "${2:-${WEDGE_SERVICES_DIR:?set WEDGE_SERVICES_DIR or pass the dir that start printed}}"
    ;;
  *)
    echo "usage: $0 start | stop [DIR]" >&2
    exit 2
    ;;
esac
