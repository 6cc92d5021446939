"""Read what landed on a topic, for tests that expect particular events."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from dagkit.envelope import Envelope
from dagkit.kafka import make_producer


@dataclass(frozen=True)
class ReceivedEvent:
    topic: str
    partition: int
    offset: int
    key: str | None
    envelope: Envelope


class EventCollector:
    """Reads a topic from its beginning (or from ``start``, offsets per
    partition taken with ``end_offsets`` before the events were made)
    without joining a consumer group."""

    def __init__(self, bootstrap: str, topic: str, start: Mapping[int, int] | None = None) -> None:
        self.topic = topic
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap.split(","),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=100,
        )
        partitions = [TopicPartition(topic, p) for p in self._partitions()]
        self.consumer.assign(partitions)
        self.consumer.seek_to_beginning()
        for partition in partitions:
            if start and partition.partition in start:
                self.consumer.seek(partition, start[partition.partition])
        self.received: list[ReceivedEvent] = []

    def _partitions(self, timeout: float = 15.0) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.consumer.partitions_for_topic(self.topic)
            if found:
                return sorted(found)
            time.sleep(0.1)
        raise AssertionError(f"topic {self.topic} does not exist")

    def collect(
        self,
        until: Callable[[list[ReceivedEvent]], bool],
        timeout: float = 30.0,
    ) -> list[ReceivedEvent]:
        deadline = time.monotonic() + timeout
        while not until(self.received) and time.monotonic() < deadline:
            for records in self.consumer.poll(timeout_ms=200).values():
                for record in records:
                    self.received.append(
                        ReceivedEvent(
                            topic=record.topic,
                            partition=record.partition,
                            offset=record.offset,
                            key=record.key.decode() if record.key is not None else None,
                            envelope=Envelope.from_json(record.value),
                        )
                    )
        return self.received

    def close(self) -> None:
        self.consumer.close()


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Where each partition of ``topic`` ends now: hand it to
    ``expect_events(start=...)`` to read only what comes after, however much
    a shared topic already holds."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False)
    try:
        deadline = time.monotonic() + 15.0
        found = consumer.partitions_for_topic(topic)
        while not found and time.monotonic() < deadline:
            time.sleep(0.1)
            found = consumer.partitions_for_topic(topic)
        partitions = [TopicPartition(topic, p) for p in sorted(found or ())]
        return {tp.partition: offset for tp, offset in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


def expect_events(
    bootstrap: str,
    topic: str,
    count: int,
    *,
    timeout: float = 30.0,
    settle_seconds: float = 1.0,
    where: Callable[[Envelope], bool] | None = None,
    start: Mapping[int, int] | None = None,
) -> list[ReceivedEvent]:
    """Exactly ``count`` events (matching ``where``) are on ``topic`` (after
    ``start``, see ``end_offsets``).

    Waits up to ``timeout`` for them, then ``settle_seconds`` more to catch any
    that should not be there, and fails with what it saw otherwise.
    """
    collector = EventCollector(bootstrap, topic, start)

    def matching(events: list[ReceivedEvent]) -> list[ReceivedEvent]:
        return [e for e in events if where is None or where(e.envelope)]

    try:
        collector.collect(lambda events: len(matching(events)) >= count, timeout)
        if settle_seconds:
            collector.collect(lambda _events: False, settle_seconds)
        found = matching(collector.received)
    finally:
        collector.close()
    if len(found) != count:
        seen = [(e.envelope.type, e.envelope.subject) for e in found][:20]
        raise AssertionError(f"expected {count} events on {topic}, found {len(found)}: {seen}")
    return found


def read_raw_records(bootstrap: str, topic: str, count: int, timeout: float = 30.0) -> list[Any]:
    """The first ``count`` records of every partition of ``topic``, undecoded
    (for dead-letter topics, whose values need not be envelopes)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
    )
    try:
        deadline = time.monotonic() + timeout
        partitions = None
        while not partitions and time.monotonic() < deadline:
            partitions = consumer.partitions_for_topic(topic)
            time.sleep(0.05)
        if not partitions:
            raise AssertionError(f"topic {topic} does not exist")
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        consumer.seek_to_beginning()
        records: list[Any] = []
        while len(records) < count and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
        if len(records) < count:
            raise AssertionError(f"expected {count} records on {topic}, found {len(records)}")
        return records
    finally:
        consumer.close()


def publish(
    bootstrap: str, topic: str, events: Iterable[Envelope], client_id: str = "test"
) -> None:
    """Put ``events`` on ``topic`` as a producer service would: keyed by subject."""
    producer = make_producer(bootstrap, client_id)
    try:
        for event in events:
            producer.send(topic, key=event.subject.encode(), value=event.to_json())
        producer.flush()
    finally:
        producer.close()
