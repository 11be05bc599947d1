"""gunicorn settings of the production command: `gunicorn -c docker/gunicorn.conf.py main:app`.

Every value comes from the environment so the same file serves the container, a VM and the
test suite: WEB_CONCURRENCY (or WORKERS) worker processes, HOST/PORT, GRACEFUL_TIMEOUT.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Before anything imports prometheus_client: every worker then writes its samples to files
# in this directory, and a scrape of any worker adds up all of them.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="gpts-metrics-"))

from prometheus_client import multiprocess  # noqa: E402
from pydantic import ValidationError  # noqa: E402

from settings import load_settings  # noqa: E402
from web.logs import gunicorn_logconfig  # noqa: E402
from web.startup import settings_problem  # noqa: E402

# Refuse bad settings here, once, before any worker is forked.
try:
    _settings = load_settings()
except ValidationError as _error:
    print(settings_problem(_error), file=sys.stderr)
    raise SystemExit(2) from None

wsgi_app = "main:app"
worker_class = "web.worker.AppWorker"
workers = int(os.environ.get("WEB_CONCURRENCY") or os.environ.get("WORKERS") or 2)
bind = [f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"]
# A listening socket per worker: the kernel spreads new connections over them. With one
# shared socket (uvicorn --workers) all keep-alive connections could land on one worker.
reuse_port = True
# SIGTERM: workers stop accepting, finish what they hold, run the lifespan shutdown (the
# engine is disposed); whatever is still running after this many seconds is killed.
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
timeout = int(os.environ.get("WORKER_TIMEOUT", "60"))
keepalive = int(os.environ.get("KEEPALIVE", "5"))
# The proxy's X-Forwarded-For/-Proto are trusted from these addresses only; the client
# address is what sign-in throttling counts per.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The app logs one line per request itself (web.requests).
accesslog = None
# No runtime control socket: it would be one fixed path shared by every instance on a host.
control_socket_disable = True
logconfig_dict = gunicorn_logconfig(_settings.log_level, _settings.log_json)


def on_starting(_server: Any) -> None:
    """Samples of a previous run's workers would be added to this run's.

    Only prometheus_client's own files go: the directory is the operator's to choose.
    """
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for samples in directory.glob("*.db"):
        samples.unlink()


def child_exit(_server: Any, worker: Any) -> None:
    """Drop the gauges of a worker that is gone (its counters stay in the totals)."""
    multiprocess.mark_process_dead(worker.pid)
