"""Process entrypoints shared by the services: relay and consumer mains.

A service's ``entrypoints/relay.py`` and ``entrypoints/consumer.py`` call
these with their own settings, tables and handlers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table

from dagkit.consumer import ConsumerRunner, Handler, RetryPolicy
from dagkit.db import database_url_or_default, engine_from_settings, make_session_factory
from dagkit.kafka import dead_letter_topic, ensure_topics, make_consumer, make_producer
from dagkit.logging import configure_logging
from dagkit.metrics import serve_metrics
from dagkit.migrations import upgrade
from dagkit.processes import stop_on_signals
from dagkit.relay import OutboxRelay, relay_producer
from dagkit.tables import KitTables

log = logging.getLogger(__name__)


def run_relay(
    service: str, settings: Mapping[str, Any], outbox: Table, topics: Sequence[str]
) -> None:
    configure_logging(f"{service}-relay", settings["log_level"])
    serve_metrics(settings.get("metrics_port"), settings.get("metrics_addr", "127.0.0.1"))
    engine = engine_from_settings(service, settings)
    bootstrap = settings["kafka_bootstrap_servers"]
    ensure_topics(bootstrap, topics)
    relay = OutboxRelay(
        engine, outbox, relay_producer(bootstrap, f"{service}-relay"), service=service
    )
    stop_on_signals(relay.stop)
    relay.run()


def run_consumer(
    service: str,
    settings: Mapping[str, Any],
    *,
    group: str,
    topics: Sequence[str],
    handlers: Mapping[str, Handler],
    tables: KitTables,
    from_beginning: bool = False,
    retry: RetryPolicy | None = None,
) -> None:
    configure_logging(f"{service}-consumer", settings["log_level"])
    serve_metrics(settings.get("metrics_port"), settings.get("metrics_addr", "127.0.0.1"))
    engine = engine_from_settings(service, settings)
    bootstrap = settings["kafka_bootstrap_servers"]
    ensure_topics(bootstrap, [*topics, *(dead_letter_topic(t) for t in topics)])
    runner = ConsumerRunner(
        group=group,
        topics=topics,
        handlers=handlers,
        session_factory=make_session_factory(engine),
        tables=tables,
        consumer=make_consumer(bootstrap, group, f"{service}-consumer"),
        dlq_producer=make_producer(bootstrap, f"{service}-dlq"),
        retry=retry,
        from_beginning=from_beginning,
    )
    stop_on_signals(runner.stop)
    runner.run()


def run_migrate(service: str, settings: Mapping[str, Any], service_root: Path) -> None:
    """Bring the service's database (configured or embedded) to its newest migration."""
    upgrade(
        service_root,
        database_url_or_default(settings["database_url"], settings["data_dir"], service),
    )
