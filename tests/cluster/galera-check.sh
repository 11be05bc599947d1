#!/bin/sh
# HAProxy external check: the server at $3:$4 is up only when its Galera node is Synced
# and ready (a joiner or a donor accepts connections but cannot serve queries).
state=$(mariadb --no-defaults -h"$3" -P"$4" -uroot --connect-timeout=1 -N -B \
  -e "SHOW STATUS WHERE Variable_name IN ('wsrep_local_state', 'wsrep_ready')" 2>/dev/null |
  awk '{printf "%s=%s ", $1, $2}')
case "$state" in
  *wsrep_local_state=4*) ;;
  *) exit 1 ;;
esac
case "$state" in
  *wsrep_ready=ON*) exit 0 ;;
  *) exit 1 ;;
esac
