"""Prometheus metrics shared by all processes of all services."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
CONSUMER_READY = Gauge(
    "consumer_ready",
    "1 while the consumer can apply events; 0 while it waits for its database or broker",
    ["group"],
)
CONSUMER_TRANSIENT_WAITS = Counter(
    "consumer_transient_waits_total",
    "Times the consumer paused to wait for its database or broker",
    ["group"],
)
CONSUMER_BATCH_SECONDS = Histogram(
    "consumer_batch_seconds",
    "Time to apply one batch of events in one transaction",
    ["group"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
OUTBOX_BACKLOG = Gauge("outbox_backlog_rows", "Outbox rows not yet published", ["service"])
OUTBOX_PUBLISHED = Counter("outbox_published_total", "Outbox rows published", ["service"])


RELAY_READY = Gauge(
    "outbox_relay_ready",
    "1 while the relay can publish; 0 while it waits for its database or broker",
    ["service"],
)
