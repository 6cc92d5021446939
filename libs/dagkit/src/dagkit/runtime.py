"""Process entrypoints shared by the services: relay and consumer mains.

A service's ``entrypoints/relay.py`` and ``entrypoints/consumer.py`` call
these with their own settings, tables and consumer spec.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table

from dagkit.consumer import ConsumerRunner, ConsumerSpec, RetryPolicy
from dagkit.db import database_url_or_default, engine_from_settings, make_session_factory
from dagkit.faults import is_transient
from dagkit.health import WorkerHealth
from dagkit.kafka import dead_letter_topic, ensure_topics, make_consumer, make_producer
from dagkit.logging import configure_logging
from dagkit.migrations import upgrade
from dagkit.processes import stop_on_signals
from dagkit.relay import OutboxRelay, relay_producer
from dagkit.worker_http import serve_worker_endpoints

log = logging.getLogger(__name__)


def run_relay(
    service: str, settings: Mapping[str, Any], outbox: Table, topics: Sequence[str]
) -> None:
    configure_logging(f"{service}-relay", settings["log_level"])
    engine = engine_from_settings(service, settings)
    bootstrap = settings["kafka_bootstrap_servers"]
    relay = OutboxRelay(
        engine, outbox, relay_producer(bootstrap, f"{service}-relay"), service=service
    )
    stop = threading.Event()

    def stop_all() -> None:
        stop.set()
        relay.stop()

    stop_on_signals(stop_all)
    serve_worker_endpoints(
        settings.get("metrics_port"),
        settings.get("metrics_addr", "127.0.0.1"),
        f"{service}-relay",
        relay.health.readiness,
    )
    if wait_until_done(lambda: ensure_topics(bootstrap, topics), relay.health, stop):
        relay.run()


def run_consumer(
    service: str,
    settings: Mapping[str, Any],
    spec: ConsumerSpec,
    *,
    from_beginning: bool = False,
    retry: RetryPolicy | None = None,
) -> None:
    configure_logging(f"{service}-consumer", settings["log_level"])
    engine = engine_from_settings(service, settings)
    bootstrap = settings["kafka_bootstrap_servers"]
    health = WorkerHealth(ready=False, reason="starting")
    stop = threading.Event()
    runner: list[ConsumerRunner] = []

    def stop_all() -> None:
        stop.set()
        for started in runner:
            started.stop()

    stop_on_signals(stop_all)
    serve_worker_endpoints(
        settings.get("metrics_port"),
        settings.get("metrics_addr", "127.0.0.1"),
        f"{service}-consumer",
        lambda: runner[0].health.readiness() if runner else health.readiness(),
    )
    topics = [*spec.topics, *(dead_letter_topic(t) for t in spec.topics)]
    if not wait_until_done(lambda: ensure_topics(bootstrap, topics), health, stop):
        return
    runner.append(
        ConsumerRunner.from_spec(
            spec,
            session_factory=make_session_factory(engine),
            consumer=make_consumer(bootstrap, spec.group, f"{service}-consumer"),
            dlq_producer=make_producer(bootstrap, f"{service}-dlq"),
            retry=retry,
            from_beginning=from_beginning,
        )
    )
    if stop.is_set():
        return
    runner[0].run()


def wait_until_done(
    action: Callable[[], None], health: WorkerHealth, stop: threading.Event
) -> bool:
    """Run ``action`` until it succeeds, waiting out a broker or database that
    is not there yet (a process that starts before its servers must not exit:
    under a supervisor one exiting process can stop all the others). False if
    stopped first."""
    delay = 0.5
    while not stop.is_set():
        try:
            action()
        except Exception as exc:
            if not is_transient(exc):
                raise
            health.ready, health.reason = False, f"{type(exc).__name__}: {exc}"[:500]
            log.warning("waiting for the broker or database", extra={"error": repr(exc)})
            stop.wait(delay)
            delay = min(delay * 2, 10.0)
            continue
        health.ready, health.reason = True, None
        return True
    return False


def run_migrate(service: str, settings: Mapping[str, Any], service_root: Path) -> None:
    """Bring the service's database (configured or embedded) to its newest migration."""
    upgrade(
        service_root,
        database_url_or_default(settings["database_url"], settings["data_dir"], service),
    )
