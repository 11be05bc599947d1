"""HTTP plumbing around the GraphQL app: health, metrics, request logs, startup checks, workers.

Modules here are imported one by one (never from this package's namespace): the gunicorn
master loads only web.worker and web.startup, and must not import prometheus_client before
PROMETHEUS_MULTIPROC_DIR is set.
"""
