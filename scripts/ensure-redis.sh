#!/usr/bin/env bash
# Make sure Redis answers on 127.0.0.1:6379 (the throttling tests use the real one), starting
# it when it is down. No Redis means a failed test run, never a skipped one.
set -euo pipefail
ping() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! ping; then
  echo "Redis is not answering on 127.0.0.1:6379; starting it" >&2
  if ! command -v redis-server >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 50); do
    ping && break
    sleep 0.2
  done
fi
ping || { echo "Redis did not come up on 127.0.0.1:6379" >&2; exit 1; }
