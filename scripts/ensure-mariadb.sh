#!/usr/bin/env bash
# Make sure the MariaDB on 127.0.0.1:3306 answers, starting it when it is down.
# No MariaDB means a failed test run, never a skipped one: exit non-zero if it won't come up.
set -euo pipefail
host=${MYSQL_HOST:-127.0.0.1}
port=${MYSQL_PORT:-3306}

ping() { mysqladmin --no-defaults -h"$host" -P"$port" -uroot --connect-timeout=2 ping >/dev/null 2>&1; }

if ! ping; then
  echo "MariaDB is not answering on $host:$port; starting it" >&2
  if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
  fi
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  for _ in $(seq 1 60); do
    ping && break
    sleep 1
  done
fi
ping || { echo "MariaDB did not come up on $host:$port" >&2; exit 1; }
