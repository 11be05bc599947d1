"""Prometheus metrics: GraphQL requests, latency, errors, trusted documents, rate limits, pool.

Under gunicorn every worker writes its samples to PROMETHEUS_MULTIPROC_DIR (set by
docker/gunicorn.conf.py before any worker starts) and a scrape of any worker reads all of
them, so one scrape shows the whole process group. Without it (tests, `uvicorn main:app`)
the process's own registry is served.
"""

from __future__ import annotations

import os
import re

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response

from schema.observe import OperationInfo

_LABELS = ("operation_name", "operation_type")
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("gpts_graphql_requests", "GraphQL requests", _LABELS)
LATENCY = Histogram(
    "gpts_graphql_request_duration_seconds",
    "Time from the request's first byte to its response, per GraphQL operation",
    _LABELS,
    buckets=_BUCKETS,
)
ERRORS = Counter("gpts_graphql_errors", "GraphQL errors by extensions.code", ("code", *_LABELS))
RATE_LIMITED = Counter(
    "gpts_rate_limit_rejections", "Requests refused with RATE_LIMITED", ("operation_name",)
)
# Requests that ran a trusted document, by its id: the label takes only ids the service
# loaded at start-up (schema.trusted), so no more values than the manifests hold documents.
DOCUMENT_REQUESTS = Counter(
    "gpts_graphql_document_requests",
    "GraphQL requests that ran a trusted document, by document id",
    ("document_id", "operation_name"),
)
DOCUMENT_LATENCY = Histogram(
    "gpts_graphql_document_request_duration_seconds",
    "Time from the request's first byte to its response, per trusted document",
    ("document_id",),
    buckets=_BUCKETS,
)
POOL_IN_USE = Gauge(
    "gpts_db_pool_connections_in_use",
    "Database connections checked out of the pool (summed over live workers)",
    multiprocess_mode="livesum",
)

# Operation names come from clients: cap how many distinct ones become label values.
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_MAX_NAMES = 200
_seen_names: set[str] = set()


def _name_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if name in _seen_names:
        return name
    if not _NAME.fullmatch(name) or len(_seen_names) >= _MAX_NAMES:
        return "other"
    _seen_names.add(name)
    return name


def observe_graphql(info: OperationInfo, seconds: float) -> None:
    name = _name_label(info.name)
    labels = (name, info.type or "unknown")
    REQUESTS.labels(*labels).inc()
    LATENCY.labels(*labels).observe(seconds)
    for code in info.error_codes:
        ERRORS.labels(code, *labels).inc()
    if "RATE_LIMITED" in info.error_codes:
        RATE_LIMITED.labels(name).inc()
    if info.document_id is not None:
        DOCUMENT_REQUESTS.labels(info.document_id, name).inc()
        DOCUMENT_LATENCY.labels(info.document_id).observe(seconds)


def observe_pool(engine: AsyncEngine) -> None:
    checkedout = getattr(engine.pool, "checkedout", None)
    if callable(checkedout):
        POOL_IN_USE.set(checkedout())


def render() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


async def metrics(request: Request) -> Response:
    observe_pool(request.app.state.services.engine)
    return Response(render(), media_type=CONTENT_TYPE_LATEST)
