"""Kafka clients configured the way the portal relies on them."""

from __future__ import annotations

import gc
import logging
import warnings
from collections.abc import Iterable
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

log = logging.getLogger(__name__)

DEFAULT_PARTITIONS = 6
DLQ_SUFFIX = ".dlq"
_TOPIC_ALREADY_EXISTS = 36


class AdminClient(KafkaAdminClient):  # type: ignore[misc]
    """A KafkaAdminClient that stops its I/O thread and closes its sockets when
    bootstrap fails; kafka-python 3.0 leaves both running in that case, which a
    readiness probe hitting a down broker would pile up."""

    def __init__(self, **configs: Any) -> None:
        try:
            super().__init__(**configs)
        except Exception:
            if hasattr(self, "_net"):
                self._closed = False
                self.close()
            raise


class KafkaUnavailableError(ConnectionError):
    pass


def probe_broker(bootstrap: str, timeout_ms: int = 2000) -> None:
    """Raise KafkaUnavailableError unless the broker lists its topics in time."""
    problem = _probe(bootstrap, timeout_ms)
    # kafka-python drops sockets without closing them: those of refused
    # attempts (kept in the tracebacks it discards) and, now and then, one its
    # close() loses track of. Collect them now, quietly, not at a later request.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    if problem is not None:
        raise KafkaUnavailableError(problem)


def _probe(bootstrap: str, timeout_ms: int) -> str | None:
    try:
        admin = AdminClient(
            bootstrap_servers=bootstrap.split(","),
            client_id="readiness",
            request_timeout_ms=timeout_ms,
            bootstrap_timeout_ms=timeout_ms,
        )
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    try:
        admin.list_topics()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        admin.close()
    return None


def make_producer(bootstrap: str, client_id: str, **overrides: Any) -> KafkaProducer:
    """An idempotent producer that waits for every in-sync replica.

    Idempotence keeps per-partition order and drops broker-side duplicates
    when the producer retries on its own.
    """
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap.split(","),
        "client_id": client_id,
        "acks": "all",
        "enable_idempotence": True,
        "max_in_flight_requests_per_connection": 5,
        "linger_ms": 0,
        "batch_size": 256 * 1024,
        "request_timeout_ms": 15000,
        "delivery_timeout_ms": 60000,
    }
    config.update(overrides)
    return KafkaProducer(**config)


def make_consumer(bootstrap: str, group: str, client_id: str, **overrides: Any) -> KafkaConsumer:
    """A group consumer whose offsets the caller commits after processing."""
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap.split(","),
        "group_id": group,
        "client_id": client_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_poll_records": 500,
        # Short enough that a killed instance's partitions move on quickly.
        "session_timeout_ms": 10000,
        "heartbeat_interval_ms": 1000,
        "fetch_max_wait_ms": 100,
    }
    config.update(overrides)
    return KafkaConsumer(**config)


def ensure_topics(
    bootstrap: str,
    topics: Iterable[str],
    partitions: int = DEFAULT_PARTITIONS,
    replication_factor: int = 1,
) -> None:
    """Create the topics that do not exist yet, with the portal's partitioning."""
    names = sorted(set(topics))
    if not names:
        return
    admin = AdminClient(bootstrap_servers=bootstrap.split(","), client_id="dagkit-admin")
    try:
        existing = set(admin.list_topics())
        missing = [name for name in names if name not in existing]
        if not missing:
            return
        result = admin.create_topics(
            {
                name: {"num_partitions": partitions, "replication_factor": replication_factor}
                for name in missing
            },
            raise_errors=False,
            wait_for_metadata=True,
        )
        for topic in result.get("topics", []):
            code = topic.get("error_code", 0)
            if code not in (0, _TOPIC_ALREADY_EXISTS):
                raise RuntimeError(
                    f"could not create topic {topic.get('name')}: error {code} "
                    f"{topic.get('error_message')}"
                )
        log.info("created topics", extra={"topics": missing})
    finally:
        admin.close()


def dead_letter_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX
