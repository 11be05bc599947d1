#!/bin/sh
# HAProxy external check of the server at $3:$4: up when its Galera node is ready and Synced,
# or a donor (with IST or rsync a donor keeps its sessions; marking it down would cut every
# session to it on each rejoin). A joiner accepts connections but cannot serve queries.
state=$(mariadb --no-defaults -h"$3" -P"$4" -uroot --connect-timeout=1 -N -B \
  -e "SHOW STATUS WHERE Variable_name IN ('wsrep_local_state', 'wsrep_ready')" 2>/dev/null |
  awk '{printf "%s=%s ", $1, $2}')
case "$state" in
  *wsrep_ready=ON*) ;;
  *) exit 1 ;;
esac
case "$state" in
  *wsrep_local_state=4\ * | *wsrep_local_state=2\ *) exit 0 ;;
  *) exit 1 ;;
esac
