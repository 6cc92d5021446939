"""Outbox -> relay -> Kafka -> consumer on real PostgreSQL and Kafka, with the
consumer killed mid-way, a poison event, and a replay from the beginning."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import Engine, func, select

from dagkit.kafka import dead_letter_topic
from dagkit.testing import expect_events
from dagkit.testing.procs import wait_for
from dagkit.testing.sample_service import (
    SampleRig,
    applied,
    kit,
    make_event,
    row_count,
    stage,
    unsent,
)

KEYS = [f"key-{n:02d}" for n in range(20)]
PER_KEY = 50


def applied_rows(engine: Engine) -> list[tuple[int, str, str, int]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(applied.c.id, applied.c.event_id, applied.c.subject, applied.c.seq).order_by(
                    applied.c.id
                )
            )
        ]


@pytest.mark.slow
def test_exactly_once_in_order_through_a_killed_consumer(rig: SampleRig) -> None:
    topic = rig.topic("kit.roundtrip", dead_letters=True)
    group = f"{topic}.consumer"
    # Interleave keys so every partition carries many keys' events.
    events = [make_event(key, seq, delay=0.004) for seq in range(PER_KEY) for key in KEYS]
    poison = make_event("key-03", -1, version=10_000, poison=True)
    events.insert(100, poison)
    stage(rig.engine, topic, events)

    rig.relay()
    consumer = rig.consumer(topic, group)
    wait_for(lambda: row_count(rig.engine, applied) >= 300, what="300 events applied")
    consumer.kill()  # SIGKILL: no chance to commit anything
    killed_at = row_count(rig.engine, applied)
    assert killed_at < len(KEYS) * PER_KEY, "the consumer finished before it could be killed"

    consumer = rig.consumer(topic, group)
    wait_for(
        lambda: row_count(rig.engine, applied) >= len(KEYS) * PER_KEY,
        timeout=120,
        what="all events applied",
    )
    # Anything redelivered after the restart has had time to be (not) applied again.
    wait_for(lambda: row_count(rig.engine, kit.inbox) >= len(events), what="inbox complete")
    assert consumer.terminate() == 0  # SIGTERM: clean exit

    rows = applied_rows(rig.engine)
    assert len(rows) == len(KEYS) * PER_KEY
    assert len({r[1] for r in rows}) == len(rows), "an event was applied twice"
    by_key: dict[str, list[int]] = defaultdict(list)
    for _id, _event_id, subject, seq in rows:
        by_key[subject].append(seq)
    assert by_key == {key: list(range(PER_KEY)) for key in KEYS}, "per-key order broken"

    # The poison event is on the dead-letter topic with its error ...
    (dead,) = expect_events(rig.bootstrap, dead_letter_topic(topic), 1, settle_seconds=0.5)
    assert dead.envelope.id == poison.id
    # ... and the partition moved past it: events behind it on the same key applied.
    with rig.engine.connect() as conn:
        outcome = conn.execute(
            select(
                kit.inbox.c.outcome, kit.inbox.c.kafka_partition, kit.inbox.c.kafka_offset
            ).where(kit.inbox.c.event_id == poison.id)
        ).one()
        later_on_partition = conn.execute(
            select(func.count())
            .select_from(kit.inbox)
            .where(
                kit.inbox.c.kafka_partition == outcome.kafka_partition,
                kit.inbox.c.kafka_offset > outcome.kafka_offset,
                kit.inbox.c.outcome == "applied",
            )
        ).scalar_one()
    assert outcome.outcome == "dead_lettered"
    assert later_on_partition > 0

    # Replaying the whole topic from the start changes nothing.
    inbox_before = row_count(rig.engine, kit.inbox)
    replay = rig.consumer(
        topic,
        group,
        "--from-beginning",
        "--exit-when-idle",
    )
    assert replay.popen.wait(120) == 0
    assert applied_rows(rig.engine) == rows
    assert row_count(rig.engine, kit.inbox) == inbox_before
    expect_events(rig.bootstrap, dead_letter_topic(topic), 1, settle_seconds=0.5)


@pytest.mark.slow
def test_two_relays_publish_every_row_exactly_once_in_key_order(rig: SampleRig) -> None:
    topic = rig.topic("kit.tworelays")
    keys = [f"agg-{n:02d}" for n in range(40)]
    first = [make_event(key, seq) for seq in range(25) for key in keys]
    stage(rig.engine, topic, first)
    rig.relay()
    rig.relay()
    # More rows arrive while both relays run, in small transactions.
    later = [make_event(key, seq) for seq in range(25, 50) for key in keys]
    for start in range(0, len(later), 20):
        stage(rig.engine, topic, later[start : start + 20])

    received = expect_events(
        rig.bootstrap, topic, len(first) + len(later), timeout=60, settle_seconds=2.0
    )
    ids = [r.envelope.id for r in received]
    assert len(set(ids)) == len(ids), "a row was published twice"
    assert set(ids) == {e.id for e in first + later}
    per_key: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r in received:
        per_key[r.envelope.subject].append((r.offset, r.envelope.aggregateversion))
    for key, seen in per_key.items():
        versions = [v for _offset, v in sorted(seen)]
        assert versions == list(range(1, 51)), f"{key} out of order"
    assert unsent(rig.engine) == 0
