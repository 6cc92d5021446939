"""A miniature service the kit's own tests run as processes, start, kill and
restart: its tables, its one event type and handler, its relay and consumer.

    python -m dagkit.testing.sample_service relay    DB_URL BOOTSTRAP [--port N]
    python -m dagkit.testing.sample_service consumer DB_URL BOOTSTRAP TOPIC GROUP [options]

Consumer options: --from-beginning, --exit-when-idle, --port N (serves
/healthz, /readyz, /metrics), --max-poll-interval-ms N, --crash-after-dlq-send
MARKER (exits hard right after the first dead-letter send, before the commit,
unless MARKER exists; creates MARKER first).

The consumer's handler records every applied event in ``applied``; an event
whose data says ``poison`` fails until a row in ``fixes`` says it is fixed; an
event without an integer ``seq`` breaks the test contract.

Tests reach all of it through a ``SampleRig``; the queries below read what
the service did.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import Session

from dagkit.consumer import ConsumerRunner, ConsumerSpec, Handling, RetryPolicy
from dagkit.db import make_engine, make_session_factory
from dagkit.envelope import Envelope, EnvelopeError
from dagkit.kafka import dead_letter_topic, ensure_topics, make_consumer, make_producer
from dagkit.logging import configure_logging
from dagkit.outbox import add_to_outbox
from dagkit.processes import stop_on_signals
from dagkit.relay import OutboxRelay
from dagkit.tables import BigId, add_kit_tables
from dagkit.testing.procs import Proc
from dagkit.worker_http import serve_worker_endpoints

metadata = MetaData()
kit = add_kit_tables(metadata)
applied = Table(
    "applied",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("seq", Integer, nullable=False),
)
# A row here is the deployed fix for the poison events' handler.
fixes = Table("fixes", metadata, Column("id", Integer, primary_key=True))

EVENT_TYPE = "dk.dagtilbud.testaggregate.changed.v1"
SOURCE = "/services/kittest"


def make_event(subject: str, seq: int, version: int | None = None, **extra: object) -> Envelope:
    return Envelope.new(
        source=SOURCE,
        type=EVENT_TYPE,
        subject=subject,
        data={"seq": seq, "at": datetime.now(UTC).isoformat(), **extra},
        aggregate_version=version if version is not None else seq + 1,
    )


def stage(engine: Engine, topic: str, events: list[Envelope]) -> None:
    """Write ``events`` to the outbox, as a use case of the service would."""
    with engine.begin() as conn:
        for event in events:
            add_to_outbox(conn, kit.outbox, topic, event)


def start(*args: str) -> Proc:
    """One of this module's processes (the arguments as in the usage above)."""
    return Proc(__name__, *args)


def apply_event(session: Session, event: Envelope) -> None:
    if event.data.get("poison") and session.execute(select(fixes.c.id)).first() is None:
        raise ValueError("poison event")
    delay = float(event.data.get("delay", 0))
    if delay:
        time.sleep(delay)
    session.execute(
        insert(applied).values(event_id=event.id, subject=event.subject, seq=event.data["seq"])
    )


def validate(event: Envelope) -> None:
    """The test aggregate's contract: an integer seq."""
    if not isinstance(event.data.get("seq"), int):
        raise EnvelopeError(f"invalid payload ({event.type}): seq must be an integer")


SPEC = ConsumerSpec(
    group="kit-test",
    topics=(),
    handling=Handling.per_event({EVENT_TYPE: apply_event}),
    tables=kit,
    validate=validate,
)
RETRY = RetryPolicy(
    max_attempts=3,
    backoff_seconds=0.05,
    transient_backoff_seconds=0.2,
    transient_backoff_max_seconds=1.0,
)


def spec_for(topic: str, group: str, **changes: Any) -> ConsumerSpec:
    """``SPEC`` consuming ``topic`` as ``group``."""
    return replace(SPEC, topics=(topic,), group=group, **changes)


def make_runner(
    engine: Engine, bootstrap: str, spec: ConsumerSpec, retry: RetryPolicy = RETRY, **options: Any
) -> ConsumerRunner:
    """A runner of ``spec`` in the test's own process (``options`` as ConsumerRunner's)."""
    return ConsumerRunner.from_spec(
        spec,
        session_factory=make_session_factory(engine),
        consumer=make_consumer(bootstrap, spec.group, "test"),
        dlq_producer=make_producer(bootstrap, "test-dlq"),
        retry=retry,
        **options,
    )


def row_count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def applied_counts(engine: Engine) -> dict[str, int]:
    """How often each event was applied (once, if all is well)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(applied.c.event_id, func.count()).group_by(applied.c.event_id)
        ).all()
    return {event_id: count for event_id, count in rows}


def outcomes(engine: Engine) -> dict[str, str]:
    """The inbox's outcome of each event seen."""
    with engine.connect() as conn:
        rows = conn.execute(select(kit.inbox.c.event_id, kit.inbox.c.outcome)).all()
    return {event_id: outcome for event_id, outcome in rows}


def unsent(engine: Engine) -> int:
    """Outbox rows the relay has not published yet."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(kit.outbox).where(kit.outbox.c.sent_at.is_(None))
            ).scalar_one()
        )


@dataclass(frozen=True)
class SampleRig:
    """The sample service on a test's own database and Kafka (the ``rig``
    fixture of the kit's tests): its processes are stopped after the test."""

    engine: Engine
    database_url: str
    bootstrap: str
    new_topic: Callable[..., str]
    start: Callable[..., Proc]

    def topic(self, prefix: str, *, dead_letters: bool = False, **options: Any) -> str:
        """A new topic (``options`` as ``new_topic``'s) and, if asked, its dead-letter topic."""
        topic = self.new_topic(prefix, **options)
        if dead_letters:
            ensure_topics(self.bootstrap, [dead_letter_topic(topic)], partitions=1)
        return topic

    def relay(self) -> Proc:
        return self.start("relay", self.database_url, self.bootstrap)

    def consumer(self, topic: str, group: str, *options: str) -> Proc:
        return self.start("consumer", self.database_url, self.bootstrap, topic, group, *options)

    def runner(self, spec: ConsumerSpec, **options: Any) -> ConsumerRunner:
        return make_runner(self.engine, self.bootstrap, spec, **options)


class CrashingRunner(ConsumerRunner):
    """Dies between the dead-letter send and the transaction's commit."""

    marker: Path

    def _send_dead_letters(self, dead: Any, attempts: int) -> None:
        super()._send_dead_letters(dead, attempts)
        if dead and not self.marker.exists():
            self.marker.touch()
            self.dlq_producer.flush(10)
            os._exit(3)


def option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def main(argv: list[str]) -> None:
    configure_logging("kit-test", "WARNING")
    role, db_url, bootstrap = argv[1], argv[2], argv[3]
    engine = make_engine(db_url)
    port = option(argv, "--port")
    runner: Any
    if role == "relay":
        runner = OutboxRelay(
            engine,
            kit.outbox,
            make_producer(bootstrap, "test-relay"),
            service="kit-test",
            idle_wait_seconds=0.2,
        )
    else:
        topic, group = argv[4], argv[5]
        overrides: dict[str, Any] = {}
        if interval := option(argv, "--max-poll-interval-ms"):
            overrides["max_poll_interval_ms"] = int(interval)
        crash_marker = option(argv, "--crash-after-dlq-send")
        cls = CrashingRunner if crash_marker else ConsumerRunner
        runner = cls(
            group=group,
            topics=[topic],
            handlers=SPEC.handling,
            validate=SPEC.validate,
            session_factory=make_session_factory(engine),
            tables=kit,
            consumer=make_consumer(bootstrap, group, "test-consumer", **overrides),
            dlq_producer=make_producer(bootstrap, "test-dlq"),
            retry=RETRY,
            from_beginning="--from-beginning" in argv,
        )
        if crash_marker:
            runner.marker = Path(crash_marker)
    if port:
        serve_worker_endpoints(int(port), "127.0.0.1", f"kit-{role}", runner.health.readiness)
    stop_on_signals(runner.stop)
    print("ready", flush=True)
    if role == "consumer" and "--exit-when-idle" in argv:
        runner.run(max_idle_polls=6)
    else:
        runner.run()


if __name__ == "__main__":
    main(sys.argv)
