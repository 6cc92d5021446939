"""Processes the kit's integration tests start, kill and restart.

    python kitprocs.py relay    DB_URL BOOTSTRAP
    python kitprocs.py consumer DB_URL BOOTSTRAP TOPIC GROUP [--from-beginning]

The consumer's handler records every applied event in ``applied``; an event
whose data says ``poison`` always fails.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.orm import Session

from dagkit.consumer import ConsumerRunner, RetryPolicy
from dagkit.db import make_engine, make_session_factory
from dagkit.envelope import Envelope
from dagkit.kafka import make_consumer, make_producer
from dagkit.logging import configure_logging
from dagkit.processes import stop_on_signals
from dagkit.relay import OutboxRelay
from dagkit.tables import BigId, add_kit_tables

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

EVENT_TYPE = "dk.dagtilbud.testaggregate.changed.v1"


def apply_event(session: Session, event: Envelope) -> None:
    if event.data.get("poison"):
        raise ValueError("poison event")
    delay = float(event.data.get("delay", 0))
    if delay:
        time.sleep(delay)
    session.execute(
        insert(applied).values(event_id=event.id, subject=event.subject, seq=event.data["seq"])
    )


def main(argv: list[str]) -> None:
    configure_logging("kit-test", "WARNING")
    role, db_url, bootstrap = argv[1], argv[2], argv[3]
    engine = make_engine(db_url)
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
        runner = ConsumerRunner(
            group=group,
            topics=[topic],
            handlers={EVENT_TYPE: apply_event},
            session_factory=make_session_factory(engine),
            tables=kit,
            consumer=make_consumer(bootstrap, group, "test-consumer"),
            dlq_producer=make_producer(bootstrap, "test-dlq"),
            retry=RetryPolicy(max_attempts=3, backoff_seconds=0.05),
            from_beginning="--from-beginning" in argv,
        )
    stop_on_signals(runner.stop)
    print("ready", flush=True)
    if role == "consumer" and "--exit-when-idle" in argv:
        runner.run(max_idle_polls=6)
    else:
        runner.run()


if __name__ == "__main__":
    main(sys.argv)
