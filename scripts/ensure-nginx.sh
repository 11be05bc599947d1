#!/usr/bin/env bash
# Make sure Debian's nginx is installed: tests/ops/test_nginx.py runs docker/nginx.conf in
# front of the service for real (its own prefix in a temporary directory, loopback ports
# only; the system's nginx service is never started). No nginx means a failed test run.
set -euo pipefail
if ! command -v nginx >/dev/null 2>&1 && ! test -x /usr/sbin/nginx; then
  echo "nginx is not installed; installing Debian's package" >&2
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  # policy-rc.d 101: the package's post-install must not start a system nginx on port 80.
  policy=/usr/sbin/policy-rc.d
  created=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
    --no-install-recommends nginx >/dev/null || { [ "$created" = 1 ] && rm -f "$policy"; exit 1; }
  [ "$created" = 1 ] && rm -f "$policy"
fi
/usr/sbin/nginx -v
