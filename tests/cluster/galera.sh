#!/usr/bin/env bash
# A 3-node MariaDB Galera cluster on loopback with HAProxy in front, as a test fixture.
#
#   galera.sh start          install what is missing, start 3 fresh nodes and HAProxy (no-op if up)
#   galera.sh stop           stop everything this script started, by pid
#   galera.sh status         exit 0 when all 3 nodes are Synced and HAProxy answers
#   galera.sh kill N         SIGKILL node N (a crash, no clean shutdown)
#   galera.sh start-node N   restart node N from its recovered position (IST, not a full copy)
#
# Ports: SQL 13306/13307/13308, HAProxy 13300; Galera 4567/4577/4587, IST 4568/4578/4588,
# SST 4569/4579/4589. The shared MariaDB on 3306 is never touched: every client call uses
# --no-defaults, because /etc/mysql/my.cnf points clients at the 3306 socket.
set -euo pipefail

BASE=${GALERA_DIR:-/tmp/gpts-galera}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROXY_PORT=${GALERA_PROXY_PORT:-13300}
NODES=(1 2 3)

sql_port() { echo $((13305 + $1)); }
gcomm_port() { echo $((4557 + 10 * $1)); }
dir_of() { echo "$BASE/node$1"; }
pid_file() { echo "$BASE/node$1/mariadbd.pid.own"; }

log() { echo "galera: $*" >&2; }

client() { # client PORT SQL...
  local port=$1
  shift
  mariadb --no-defaults -h127.0.0.1 -P"$port" -uroot --connect-timeout=2 -N -B -e "$*"
}

# A pid is ours and alive only if /proc says so: a reparented daemon can linger as a zombie
# that `kill -0` still reports as running.
alive() { # alive PID COMM
  local pid=$1 comm=$2 state
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ "$state" != Z ] && [ "$state" != X ]
}

node_pid() { cat "$(pid_file "$1")" 2>/dev/null || true; }
node_alive() { alive "$(node_pid "$1")" mariadbd; }
proxy_pid() { cat "$BASE/haproxy.pid.own" 2>/dev/null || true; }
proxy_alive() { alive "$(proxy_pid)" haproxy; }

ensure_packages() {
  local missing=()
  [ -f /usr/lib/galera/libgalera_smm.so ] || missing+=(galera-4)
  command -v rsync >/dev/null || missing+=(rsync)
  command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
  [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  command -v ss >/dev/null || missing+=(iproute2)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

write_cnf() { # write_cnf N
  local n=$1 d g
  d=$(dir_of "$n")
  g=$(gcomm_port "$n")
  cat >"$d/my.cnf" <<EOF
[mysqld]
user=mysql
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
port=$(sql_port "$n")
bind-address=127.0.0.1
log-error=$d/error.log
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
max_connections=400
performance_schema=OFF
innodb_buffer_pool_size=64M
innodb_log_file_size=32M
# Durability comes from replication to the other nodes; each node flushes once a second.
innodb_flush_log_at_trx_commit=2
default_storage_engine=InnoDB
binlog_format=ROW
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_cluster_name=gpts_test
wsrep_cluster_address=gcomm://127.0.0.1:4567,127.0.0.1:4577,127.0.0.1:4587
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$g
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$((g + 2))
wsrep_slave_threads=2
# Short failure detection: with the defaults every write stalls ~6 s after a node dies.
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$g;ist.recv_addr=127.0.0.1:$((g + 1));gcache.size=64M;gcache.recover=yes;evs.keepalive_period=PT0.5S;evs.suspect_timeout=PT1.5S;evs.inactive_timeout=PT3S;evs.install_timeout=PT3S;pc.wait_prim_timeout=PT5S"
EOF
}

launch() { # launch N [extra mariadbd args...]
  local n=$1 d pid
  shift
  d=$(dir_of "$n")
  # setsid: the node must not die with the shell (or pytest) that started it.
  setsid /usr/sbin/mariadbd --defaults-file="$d/my.cnf" "$@" >>"$d/stdout.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$(pid_file "$n")"
  # Until the forked shell has exec'd, /proc names it bash, not mariadbd.
  local i
  for ((i = 0; i < 100; i++)); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = mariadbd ] && return 0
    sleep 0.02
  done
}

node_state() { # the node's wsrep_local_state_comment, or nothing
  client "$(sql_port "$1")" "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null |
    awk '{print $2}' || true
}

wait_synced() { # wait_synced N SECONDS
  local n=$1 limit=$2 i
  for ((i = 0; i < limit * 10; i++)); do
    if ! node_alive "$n"; then
      log "node $n exited; last log lines:"
      tail -n 20 "$(dir_of "$n")/error.log" >&2 || true
      return 1
    fi
    [ "$(node_state "$n")" = Synced ] && return 0
    sleep 0.1
  done
  log "node $n not Synced after ${limit}s"
  tail -n 20 "$(dir_of "$n")/error.log" >&2 || true
  return 1
}

write_proxy_cnf() {
  cat >"$BASE/haproxy.cfg" <<EOF
global
    maxconn 2000
    external-check
    insecure-fork-wanted
defaults
    mode tcp
    timeout connect 1s
    timeout client 120s
    timeout server 120s
    retries 2
    option redispatch
listen galera
    bind 127.0.0.1:$PROXY_PORT
    balance roundrobin
    # A node counts only when it is Synced (a joiner or a donor answers TCP but not queries).
    option external-check
    external-check path "/usr/bin:/bin"
    external-check command $HERE/galera-check.sh
    default-server inter 500ms fastinter 250ms fall 2 rise 2 on-marked-down shutdown-sessions
    server node1 127.0.0.1:$(sql_port 1) check
    server node2 127.0.0.1:$(sql_port 2) check
    server node3 127.0.0.1:$(sql_port 3) check
EOF
}

start_proxy() {
  proxy_alive && return 0
  write_proxy_cnf
  haproxy -c -q -f "$BASE/haproxy.cfg"
  setsid haproxy -db -f "$BASE/haproxy.cfg" >>"$BASE/haproxy.log" 2>&1 </dev/null &
  echo $! >"$BASE/haproxy.pid.own"
  local i
  for ((i = 0; i < 100; i++)); do
    proxy_alive && return 0
    sleep 0.02
  done
}

wait_proxy() {
  local i
  for ((i = 0; i < 100; i++)); do
    client "$PROXY_PORT" "SELECT 1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "HAProxy does not answer on $PROXY_PORT"
  return 1
}

all_up() {
  local n
  proxy_alive || return 1
  for n in "${NODES[@]}"; do
    node_alive "$n" && [ "$(node_state "$n")" = Synced ] || return 1
  done
}

cmd_start() {
  ensure_packages
  if all_up; then
    log "already running"
    return 0
  fi
  cmd_stop
  local t0 n d
  t0=$(date +%s%N)
  rm -rf "$BASE"
  mkdir -p "$BASE"
  chmod 755 "$BASE"
  for n in "${NODES[@]}"; do
    d=$(dir_of "$n")
    mkdir -p "$d/data"
    write_cnf "$n"
    chown -R mysql:mysql "$d"
  done
  # Only node 1 gets a fresh datadir: the others copy it by SST when they join.
  mariadb-install-db --defaults-file="$(dir_of 1)/my.cnf" --user=mysql --skip-test-db \
    --auth-root-authentication-method=normal --wsrep-on=OFF >"$(dir_of 1)/install.log" 2>&1 ||
    { cat "$(dir_of 1)/install.log" >&2; return 1; }
  launch 1 --wsrep-new-cluster
  wait_synced 1 30
  client "$(sql_port 1)" "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
    GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION" 2>/dev/null || true
  launch 2
  wait_synced 2 60
  launch 3
  wait_synced 3 60
  start_proxy
  wait_proxy
  local ms=$((($(date +%s%N) - t0) / 1000000))
  log "cluster up in $((ms / 1000)).$(printf %03d $((ms % 1000)))s"
}

stop_pid() { # stop_pid PID COMM: TERM, then KILL after a grace period
  local pid=$1 comm=$2 i
  alive "$pid" "$comm" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    alive "$pid" "$comm" || return 0
    sleep 0.1
  done
  log "$comm $pid ignored TERM; killing"
  kill -KILL "$pid" 2>/dev/null || true
}

cmd_stop() {
  local n pids=()
  proxy_alive && stop_pid "$(proxy_pid)" haproxy
  # All nodes at once: one by one, each leaving node would wait for a new view.
  for n in "${NODES[@]}"; do
    if node_alive "$n"; then
      kill -TERM "$(node_pid "$n")" 2>/dev/null || true
      pids+=("$(node_pid "$n")")
    fi
  done
  for pid in "${pids[@]}"; do stop_pid "$pid" mariadbd; done
  return 0
}

cmd_status() {
  local n ok=0
  for n in "${NODES[@]}"; do
    if node_alive "$n"; then
      echo "node$n pid $(node_pid "$n") port $(sql_port "$n") $(node_state "$n")"
      [ "$(node_state "$n")" = Synced ] || ok=1
    else
      echo "node$n down"
      ok=1
    fi
  done
  if proxy_alive; then echo "haproxy pid $(proxy_pid) port $PROXY_PORT"; else
    echo "haproxy down"
    ok=1
  fi
  return $ok
}

cmd_kill() { # SIGKILL: the node gets no chance to leave the cluster cleanly
  local n=$1 pid
  pid=$(node_pid "$n")
  alive "$pid" mariadbd || { log "node $n is not running"; return 1; }
  kill -KILL "$pid"
  while alive "$pid" mariadbd; do sleep 0.05; done
}

cmd_start_node() {
  local n=$1 d pos
  node_alive "$n" && { log "node $n is already running"; return 0; }
  d=$(dir_of "$n")
  # After a crash grastate.dat says seqno -1: recover the real position from InnoDB, or
  # the node would ask for a full copy (SST) instead of the missing write sets (IST).
  : >"$d/recover.log"
  chown mysql:mysql "$d/recover.log"
  /usr/sbin/mariadbd --defaults-file="$d/my.cnf" --wsrep-recover --log-error="$d/recover.log" \
    >/dev/null 2>&1 </dev/null || true
  pos=$(sed -n 's/.*WSREP: Recovered position: \([^ ]*\).*/\1/p' "$d/recover.log" | tail -n 1)
  if [ -n "$pos" ]; then
    launch "$n" --wsrep-start-position="$pos"
  else
    launch "$n"
  fi
  wait_synced "$n" 60
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill) cmd_kill "${2:?node number}" ;;
  start-node) cmd_start_node "${2:?node number}" ;;
  *)
    echo "usage: $0 start|stop|status|kill N|start-node N" >&2
    exit 2
    ;;
esac
