"""Processes the kit's integration tests start, kill and restart.

    python kitprocs.py relay    DB_URL BOOTSTRAP [--port N]
    python kitprocs.py consumer DB_URL BOOTSTRAP TOPIC GROUP [options]

Consumer options: --from-beginning, --exit-when-idle, --port N (serves
/healthz, /readyz, /metrics), --max-poll-interval-ms N, --crash-after-dlq-send
MARKER (exits hard right after the first dead-letter send, before the commit,
unless MARKER exists; creates MARKER first).

The consumer's handler records every applied event in ``applied``; an event
whose data says ``poison`` fails until a row in ``fixes`` says it is fixed; an
event without an integer ``seq`` breaks the test contract.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session

from dagkit.consumer import ConsumerRunner, ConsumerSpec, Handling, RetryPolicy
from dagkit.db import make_engine, make_session_factory
from dagkit.envelope import Envelope, EnvelopeError
from dagkit.kafka import make_consumer, make_producer
from dagkit.logging import configure_logging
from dagkit.processes import stop_on_signals
from dagkit.relay import OutboxRelay
from dagkit.tables import BigId, add_kit_tables
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
