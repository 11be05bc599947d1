#!/usr/bin/env bash
# Make sure wrk (the benchmark's C load generator, Debian's package) is installed.
set -euo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
echo "wrk is not installed; installing Debian's package" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 \
  || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v wrk >/dev/null 2>&1 || { echo "wrk could not be installed" >&2; exit 1; }
