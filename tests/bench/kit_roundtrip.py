"""Raw kafka-python produce->consume round trip against the kit's
outbox -> relay -> consumer round trip, and the relay's throughput."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from dagkit.consumer import ConsumerRunner
from dagkit.db import make_engine, make_session_factory
from dagkit.envelope import Envelope
from dagkit.kafka import ensure_topics, make_consumer, make_producer
from dagkit.outbox import add_to_outbox
from dagkit.relay import OutboxRelay, relay_producer
from dagkit.tables import add_kit_tables, service_metadata
from dagkit.testing.fixtures import temporary_database

ROUND_TRIPS = 300
WARMUP = 20
THROUGHPUT_ROWS = 20_000
EVENT_TYPE = "dk.dagtilbud.benchmark.measured.v1"

metadata = service_metadata()
kit = add_kit_tables(metadata)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fresh_database() -> AbstractContextManager[str]:
    return temporary_database(os.environ["DATABASE_URL"], "bench")


def raw_round_trip(bootstrap: str) -> list[float]:
    topic = f"bench.raw.{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, [topic], partitions=1)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), fetch_max_wait_ms=100)
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.seek_to_end(tp)
    consumer.position(tp)
    producer = make_producer(bootstrap, "bench-raw")
    latencies = []
    for i in range(ROUND_TRIPS + WARMUP):
        value = Envelope.new(
            source="/services/bench",
            type=EVENT_TYPE,
            subject="raw",
            data={"i": i},
            aggregate_version=i + 1,
        ).to_json()
        started = time.perf_counter()
        producer.send(topic, key=b"raw", value=value)
        producer.flush()
        got = False
        while not got:
            got = any(consumer.poll(timeout_ms=1000).values())
        if i >= WARMUP:
            latencies.append(time.perf_counter() - started)
    producer.close()
    consumer.close()
    return latencies


def kit_round_trip(bootstrap: str, url: str) -> list[float]:
    topic = f"bench.kit.{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, [topic, topic + ".dlq"], partitions=1)
    engine = make_engine(url)
    metadata.create_all(engine)
    relay = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.relay_process", url, bootstrap],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    done = threading.Event()
    factory = make_session_factory(engine)

    def handler(session: Session, _event: Envelope) -> None:
        session.info["bench"] = True

    @event.listens_for(factory, "after_commit")
    def _committed(session: Session) -> None:
        if session.info.pop("bench", False):
            done.set()

    runner = ConsumerRunner(
        group=f"{topic}.g",
        topics=[topic],
        handlers={EVENT_TYPE: handler},
        session_factory=factory,
        tables=kit,
        consumer=make_consumer(bootstrap, f"{topic}.g", "bench-kit"),
        dlq_producer=make_producer(bootstrap, "bench-dlq"),
    )
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    latencies = []
    try:
        for i in range(ROUND_TRIPS + WARMUP):
            done.clear()
            started = time.perf_counter()
            with engine.begin() as conn:
                add_to_outbox(
                    conn,
                    kit.outbox,
                    topic,
                    Envelope.new(
                        source="/services/bench",
                        type=EVENT_TYPE,
                        subject="kit",
                        data={"i": i},
                        aggregate_version=i + 1,
                    ),
                )
            if not done.wait(30):
                raise RuntimeError("event did not arrive within 30 s")
            if i >= WARMUP:
                latencies.append(time.perf_counter() - started)
    finally:
        runner.stop()
        thread.join(30)
        relay.terminate()
        relay.wait(30)
        engine.dispose()
    return latencies


def relay_throughput(bootstrap: str, url: str) -> float:
    topic = f"bench.relay.{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, [topic])
    engine = make_engine(url)
    metadata.create_all(engine)
    now = datetime.now(UTC)
    rows = []
    for i in range(THROUGHPUT_ROWS):
        envelope = Envelope.new(
            source="/services/bench",
            type=EVENT_TYPE,
            subject=f"agg-{i % 500}",
            data={"i": i, "pad": "x" * 300},
            aggregate_version=i // 500 + 1,
        )
        rows.append(
            {
                "topic": topic,
                "message_key": envelope.subject,
                "event_id": envelope.id,
                "event_type": envelope.type,
                "payload": envelope.to_json().decode(),
                "created_at": now,
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(kit.outbox), rows)
    relay = OutboxRelay(
        engine, kit.outbox, relay_producer(bootstrap, "bench-relay"), service="bench"
    )
    started = time.perf_counter()
    moved = 0
    while moved < THROUGHPUT_ROWS:
        moved += relay.publish_batch()
    elapsed = time.perf_counter() - started
    relay.producer.close()
    engine.dispose()
    return THROUGHPUT_ROWS / elapsed


def run() -> dict[str, bool]:
    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    raw = raw_round_trip(bootstrap)
    with fresh_database() as url:
        kit_latencies = kit_round_trip(bootstrap, url)
    rounds = []
    for _ in range(3):
        with fresh_database() as url:
            rounds.append(relay_throughput(bootstrap, url))
    throughput = statistics.median(rounds)
    raw50, raw95 = pct(raw, 0.5) * 1000, pct(raw, 0.95) * 1000
    kit50, kit95 = pct(kit_latencies, 0.5) * 1000, pct(kit_latencies, 0.95) * 1000
    ratio95 = kit95 / raw95
    print("== event round trip (one event in flight, PostgreSQL + Kafka on loopback) ==")
    print(
        f"raw kafka-python produce->consume  p50 {raw50:7.2f} ms  p95 {raw95:7.2f} ms"
        f"  (n={len(raw)}, mean {statistics.mean(raw) * 1000:.2f} ms)"
    )
    print(
        f"kit outbox->relay->consumer        p50 {kit50:7.2f} ms  p95 {kit95:7.2f} ms"
        f"  (n={len(kit_latencies)}, mean {statistics.mean(kit_latencies) * 1000:.2f} ms)"
    )
    print(
        f"ratio kit/raw                      p50 {kit50 / raw50:7.2f} x   p95 {ratio95:7.2f} x"
        "   (target p95 <= 5x)"
    )
    print(
        f"relay throughput, one relay        {throughput:,.0f} events/s"
        f"  (median of {', '.join(f'{r:,.0f}' for r in rounds)};"
        f" {THROUGHPUT_ROWS:,} rows of ~500 bytes each; target >= 5,000/s)"
    )
    return {"kit p95 <= 5x raw p95": ratio95 <= 5.0, "relay >= 5,000 events/s": throughput >= 5000}
