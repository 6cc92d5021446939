"""The consumer runner's rules, one at a time, on real PostgreSQL and Kafka."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kafka.structs import TopicPartition
from sqlalchemy import Engine, func, select

from dagkit.consumer import ConsumerRunner, RetryPolicy
from dagkit.db import make_engine
from dagkit.envelope import Envelope
from dagkit.kafka import dead_letter_topic, make_consumer, make_producer
from dagkit.relay import OutboxRelay
from dagkit.testing import expect_events
from dagkit.testing.events import read_raw_records
from dagkit.testing.procs import wait_for
from dagkit.testing.sample_service import (
    SampleRig,
    applied,
    kit,
    make_event,
    make_runner,
    metadata,
    outcomes,
    row_count,
    spec_for,
    stage,
)


def runner_for(engine: Engine, bootstrap: str, topic: str, group: str) -> ConsumerRunner:
    # The rules alone: no payload contract, quick retries.
    spec = spec_for(topic, group, validate=None)
    return make_runner(engine, bootstrap, spec, RetryPolicy(max_attempts=3, backoff_seconds=0.01))


def produce(bootstrap: str, topic: str, values: list[tuple[str, bytes]]) -> None:
    producer = make_producer(bootstrap, "test-producer")
    for key, value in values:
        producer.send(topic, key=key.encode(), value=value)
    producer.flush()
    producer.close()


def test_duplicates_stale_versions_and_unknown_types_change_nothing(rig: SampleRig) -> None:
    topic = rig.topic("kit.rules", partitions=1, dead_letters=True)
    v2 = make_event("A", 1)  # aggregateversion 2
    v1 = make_event("A", 0)  # older, arrives later
    other = Envelope.new(
        source="/services/kittest",
        type="dk.dagtilbud.other.happened.v1",
        subject="A",
        data={},
        aggregate_version=3,
    )
    v4 = make_event("A", 3)
    produce(rig.bootstrap, topic, [("A", e.to_json()) for e in [v2, v2, v1, other, v4]])

    runner_for(rig.engine, rig.bootstrap, topic, "g1").run(max_idle_polls=4)

    with rig.engine.connect() as conn:
        seqs = [r.seq for r in conn.execute(select(applied.c.seq).order_by(applied.c.id))]
    assert seqs == [1, 3]
    assert outcomes(rig.engine) == {
        v2.id: "applied",
        v1.id: "stale",
        other.id: "ignored",
        v4.id: "applied",
    }


def test_a_malformed_message_goes_to_the_dead_letter_topic_at_once(rig: SampleRig) -> None:
    topic = rig.topic("kit.malformed", partitions=1, dead_letters=True)
    good = make_event("B", 0)
    produce(rig.bootstrap, topic, [("B", b"{not json"), ("B", good.to_json())])

    runner_for(rig.engine, rig.bootstrap, topic, "g2").run(max_idle_polls=4)

    records = read_raw_records(rig.bootstrap, dead_letter_topic(topic), 1)
    (record,) = records
    headers = dict(record.headers)
    assert record.value == b"{not json"
    assert b"not JSON" in headers["dlq.error"]
    assert headers["dlq.attempts"] == b"1"
    assert outcomes(rig.engine)[good.id] == "applied"


def test_sigterm_finishes_commits_and_leaves(rig: SampleRig) -> None:
    topic = rig.topic("kit.sigterm", partitions=1)
    group = f"{topic}.g"
    events = [make_event("C", seq, delay=0.02) for seq in range(200)]
    produce(rig.bootstrap, topic, [("C", e.to_json()) for e in events])
    consumer = rig.consumer(topic, group)

    wait_for(lambda: row_count(rig.engine, applied) >= 5, what="first events")
    assert consumer.terminate() == 0
    done = row_count(rig.engine, applied)
    assert done < len(events)
    # What was applied was committed: a new member starts right after it.
    probe = make_consumer(rig.bootstrap, group, "probe")

    committed = probe.committed(TopicPartition(topic, 0))
    probe.close()
    assert committed == done


def test_relay_and_consumer_on_the_embedded_default(
    tmp_path: Path, kafka_bootstrap: str, new_topic: Callable[..., str]
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'svc.sqlite3'}")
    metadata.create_all(engine)
    topic = new_topic("kit.sqlite")
    events = [make_event(f"S{n % 3}", n // 3) for n in range(30)]
    stage(engine, topic, events)
    relay = OutboxRelay(
        engine, kit.outbox, make_producer(kafka_bootstrap, "sqlite-relay"), service="kit-test"
    )
    assert relay.publish_batch() == 30
    assert relay.publish_batch() == 0
    assert relay.backlog() == 0
    received = expect_events(kafka_bootstrap, topic, 30, settle_seconds=0.5)
    assert [
        r.envelope.id
        for r in sorted(received, key=lambda r: (r.partition, r.offset))
        if r.envelope.subject == "S1"
    ] == [e.id for e in events if e.subject == "S1"]
    runner_for(engine, kafka_bootstrap, topic, "sqlite-g").run(max_idle_polls=4)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(applied)).scalar_one() == 30
    relay.producer.close()
    engine.dispose()


def test_batched_transactions_apply_once_and_fall_back_around_a_poison_event(
    rig: SampleRig,
) -> None:
    topic = rig.topic("kit.batched", partitions=1, dead_letters=True)
    events = [make_event("D", seq) for seq in range(30)]
    poison = make_event("E", 0, poison=True)
    values = [e.to_json() for e in events[:15]] + [poison.to_json()]
    values += [e.to_json() for e in events[15:]] + [events[3].to_json()]  # and a duplicate
    produce(rig.bootstrap, topic, [("D", v) for v in values])

    runner = runner_for(rig.engine, rig.bootstrap, topic, "batched")
    runner.run(max_idle_polls=4)

    with rig.engine.connect() as conn:
        seqs = [r.seq for r in conn.execute(select(applied.c.seq).order_by(applied.c.id))]
    assert seqs == list(range(30))
    assert outcomes(rig.engine)[poison.id] == "dead_lettered"
    (dead,) = read_raw_records(rig.bootstrap, dead_letter_topic(topic), 1)
    assert dead.value == poison.to_json()
