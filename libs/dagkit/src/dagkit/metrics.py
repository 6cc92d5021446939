"""Prometheus metrics shared by all processes of all services."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

HTTP_REQUEST_SECONDS = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "endpoint", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CONSUMER_LAG = Gauge(
    "consumer_lag_messages",
    "Messages on the partition not yet processed by this consumer group",
    ["group", "topic", "partition"],
)
EVENTS_CONSUMED = Counter(
    "consumer_events_total",
    "Events handled by a consumer, by outcome (applied, duplicate, stale, ignored, dead_lettered)",
    ["group", "topic", "outcome"],
)
OUTBOX_BACKLOG = Gauge("outbox_backlog_rows", "Outbox rows not yet published", ["service"])
OUTBOX_PUBLISHED = Counter("outbox_published_total", "Outbox rows published", ["service"])


def serve_metrics(port: int | None, addr: object = "127.0.0.1") -> None:
    """Expose /metrics for a process that has no HTTP server of its own."""
    if port:
        start_http_server(port, addr=str(addr))
