#!/bin/sh
# The container's command, also run by the test suite outside any container.
#   entrypoint.sh [serve]   gunicorn with uvicorn workers (docker/gunicorn.conf.py)
#   entrypoint.sh migrate   apply the migrations once (safe from several replicas at once)
#   entrypoint.sh CMD ...   run anything else, e.g. `python main.py create-admin ...`
set -eu
cd "$(dirname "$0")/.."
command=${1:-serve}
case "$command" in
  serve) shift $(($# > 0 ? 1 : 0)); exec gunicorn --config docker/gunicorn.conf.py "$@" ;;
  migrate) exec python main.py migrate ;;
  *) exec "$@" ;;
esac
