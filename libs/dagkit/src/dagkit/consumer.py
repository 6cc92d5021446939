"""Consumer loop: apply each event once, in per-key order, and move on.

For every message the handler's changes, the inbox row ``(group, event_id)``
and the aggregate's new version are written in one transaction; the offset is
committed to Kafka only after that. A redelivered event finds its inbox row
and changes nothing; an event whose ``aggregateversion`` is not newer than the
stored one is stale and dropped. A message that keeps failing goes to
``<topic>.dlq`` with the error, and the partition moves on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer
from kafka.structs import OffsetAndMetadata, TopicPartition
from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from dagkit.envelope import Envelope, EnvelopeError
from dagkit.kafka import dead_letter_topic
from dagkit.logging import correlation
from dagkit.metrics import CONSUMER_LAG, EVENTS_CONSUMED
from dagkit.tables import KitTables

log = logging.getLogger(__name__)

Handler = Callable[[Session, Envelope], None]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_seconds: float = 0.2
    backoff_max_seconds: float = 5.0

    def delay(self, attempt: int) -> float:
        return float(min(self.backoff_max_seconds, self.backoff_seconds * 2 ** (attempt - 1)))


class ConsumerRunner:
    def __init__(
        self,
        *,
        group: str,
        topics: Sequence[str],
        handlers: Mapping[str, Handler],
        session_factory: sessionmaker[Session],
        tables: KitTables,
        consumer: KafkaConsumer,
        dlq_producer: KafkaProducer,
        retry: RetryPolicy | None = None,
        from_beginning: bool = False,
        batch_transactions: bool = False,
    ) -> None:
        self.group = group
        self.topics = list(topics)
        self.handlers = dict(handlers)
        self.session_factory = session_factory
        self.tables = tables
        self.consumer = consumer
        self.dlq_producer = dlq_producer
        self.retry = retry or RetryPolicy()
        self.from_beginning = from_beginning
        # Apply each polled batch of a partition in one transaction (a rebuild
        # reads thousands of events); any failure falls back to one at a time.
        self.batch_transactions = batch_transactions
        self._stop = threading.Event()
        self._processed: dict[TopicPartition, int] = {}

    def stop(self) -> None:
        """Finish the current message, commit, leave the group."""
        self._stop.set()

    # ------------------------------------------------------------------ loop
    def run(self, max_idle_polls: int | None = None, until_caught_up: bool = False) -> None:
        """Consume until stop(); or, for batch jobs such as a rebuild, until
        ``max_idle_polls`` empty polls in a row or until every assigned
        partition has been read to its end (``until_caught_up``)."""
        self.consumer.subscribe(self.topics, listener=_CommitOnRevoke(self))
        idle = 0
        log.info("consumer started", extra={"group": self.group, "topics": self.topics})
        try:
            while not self._stop.is_set():
                batch = self.consumer.poll(timeout_ms=500)
                if not batch:
                    # Polls while the group is still forming are not idleness.
                    if not self.consumer.assignment():
                        continue
                    idle += 1
                    if max_idle_polls is not None and idle >= max_idle_polls:
                        break
                    if until_caught_up and self._caught_up():
                        break
                    continue
                idle = 0
                for tp, records in batch.items():
                    if self.batch_transactions and self._apply_together(records):
                        self._processed[tp] = records[-1].offset + 1
                        continue
                    for record in records:
                        if self._stop.is_set():
                            break
                        if self.process(record) is None:
                            break
                        self._processed[tp] = record.offset + 1
                self.commit()
                self._report_lag()
        finally:
            self.commit()
            self.consumer.close()
            self.dlq_producer.flush(timeout=30)
            log.info("consumer stopped", extra={"group": self.group})

    def commit(self, partitions: Sequence[TopicPartition] | None = None) -> None:
        pending = {
            tp: OffsetAndMetadata(offset, "", -1)
            for tp, offset in self._processed.items()
            if partitions is None or tp in partitions
        }
        if not pending:
            return
        self.consumer.commit(pending)
        for tp in pending:
            del self._processed[tp]

    def _caught_up(self) -> bool:
        assigned = list(self.consumer.assignment())
        ends = self.consumer.end_offsets(assigned)
        return all(self.consumer.position(tp) >= ends[tp] for tp in assigned)

    def _report_lag(self) -> None:
        for tp in self.consumer.assignment():
            highwater = self.consumer.highwater(tp)
            if highwater is None:
                continue
            lag = max(0, highwater - self.consumer.position(tp))
            CONSUMER_LAG.labels(self.group, tp.topic, str(tp.partition)).set(lag)

    # ------------------------------------------------------------ one record
    def process(self, record: Any) -> str | None:
        """Apply one Kafka record; return the outcome, or None when a stop
        interrupted its retries (it is then neither committed nor dead-lettered,
        and the next owner of the partition gets it again)."""
        try:
            event = Envelope.from_json(record.value)
        except EnvelopeError as exc:
            # Retrying cannot make a malformed message valid.
            return self._dead_letter(record, None, exc, attempts=1)
        with correlation(event.correlationid):
            attempt = 1
            while True:
                try:
                    outcome = self._apply(record, event)
                except Exception as exc:
                    if self._stop.is_set():
                        return None
                    if attempt >= self.retry.max_attempts:
                        return self._dead_letter(record, event, exc, attempts=attempt)
                    log.warning(
                        "event failed, retrying",
                        extra={
                            "event_id": event.id,
                            "type": event.type,
                            "attempt": attempt,
                            "error": repr(exc),
                        },
                    )
                    self._stop.wait(self.retry.delay(attempt))
                    attempt += 1
                    continue
                EVENTS_CONSUMED.labels(self.group, record.topic, outcome).inc()
                return outcome

    def _apply_together(self, records: list[Any]) -> bool:
        """All records of one partition's batch in one transaction, or none;
        the inbox and version checks are made for the whole batch at once."""
        try:
            events = [Envelope.from_json(record.value) for record in records]
            with self.session_factory() as session, session.begin():
                outcomes = self._apply_batch(session, records, events)
        except Exception as exc:
            log.info("batch fell back to one event at a time", extra={"error": repr(exc)})
            return False
        for record, outcome in zip(records, outcomes, strict=True):
            EVENTS_CONSUMED.labels(self.group, record.topic, outcome).inc()
        return True

    def _apply_batch(
        self, session: Session, records: list[Any], events: list[Envelope]
    ) -> list[str]:
        inbox, versions = self.tables.inbox, self.tables.aggregate_versions
        seen = set(
            session.execute(
                select(inbox.c.event_id).where(
                    inbox.c.consumer_group == self.group,
                    inbox.c.event_id.in_({e.id for e in events}),
                )
            ).scalars()
        )
        keys = {(r.topic, e.subject) for r, e in zip(records, events, strict=True)}
        stored: dict[tuple[str, str], int] = {
            (topic, subject): version
            for topic, subject, version in session.execute(
                select(versions.c.topic, versions.c.subject, versions.c.version)
                .where(
                    versions.c.consumer_group == self.group,
                    tuple_(versions.c.topic, versions.c.subject).in_(keys),
                )
                .with_for_update()
            )
        }
        latest = dict(stored)
        outcomes, inbox_rows = [], []
        for record, event in zip(records, events, strict=True):
            if event.id in seen:
                outcomes.append("duplicate")
                continue
            key = (record.topic, event.subject)
            if key in latest and latest[key] >= event.aggregateversion:
                outcome = "stale"
            else:
                handler = self.handlers.get(event.type)
                outcome = "ignored" if handler is None else "applied"
                if handler is not None:
                    handler(session, event)
                latest[key] = event.aggregateversion
            seen.add(event.id)
            outcomes.append(outcome)
            inbox_rows.append(self._inbox_row(record, event.id, outcome))
        new_versions = [
            {"consumer_group": self.group, "topic": t, "subject": s, "version": v}
            for (t, s), v in latest.items()
            if (t, s) not in stored
        ]
        changed_versions = [
            {"b_topic": t, "b_subject": s, "version": v}
            for (t, s), v in latest.items()
            if (t, s) in stored and stored[(t, s)] != v
        ]
        if new_versions:
            session.execute(insert(versions), new_versions)
        if changed_versions:
            session.execute(
                update(versions).where(
                    versions.c.consumer_group == self.group,
                    versions.c.topic == bindparam("b_topic"),
                    versions.c.subject == bindparam("b_subject"),
                ),
                changed_versions,
            )
        if inbox_rows:
            session.execute(insert(inbox), inbox_rows)
        return outcomes

    def _apply(self, record: Any, event: Envelope) -> str:
        with self.session_factory() as session, session.begin():
            return self._apply_batch(session, [record], [event])[0]

    def _inbox_row(self, record: Any, event_id: str, outcome: str) -> dict[str, Any]:
        return {
            "consumer_group": self.group,
            "event_id": event_id,
            "topic": record.topic,
            "kafka_partition": record.partition,
            "kafka_offset": record.offset,
            "outcome": outcome,
            "processed_at": datetime.now(UTC),
        }

    def _dead_letter(
        self, record: Any, event: Envelope | None, exc: BaseException, attempts: int
    ) -> str:
        # A message without a readable id is known by its position instead.
        event_id = (
            event.id
            if event is not None
            else (f"offset:{record.topic}/{record.partition}/{record.offset}")
        )
        with self.session_factory() as session, session.begin():
            already = session.execute(
                select(self.tables.inbox.c.outcome).where(
                    self.tables.inbox.c.consumer_group == self.group,
                    self.tables.inbox.c.event_id == event_id,
                )
            ).first()
            if already is not None:
                return "duplicate"
            headers = [
                ("dlq.error", repr(exc)[:4000].encode()),
                ("dlq.consumer_group", self.group.encode()),
                ("dlq.original_topic", record.topic.encode()),
                ("dlq.original_partition", str(record.partition).encode()),
                ("dlq.original_offset", str(record.offset).encode()),
                ("dlq.attempts", str(attempts).encode()),
            ]
            self.dlq_producer.send(
                dead_letter_topic(record.topic),
                key=record.key,
                value=record.value,
                headers=headers,
            ).get(timeout=30)
            session.execute(
                insert(self.tables.inbox).values(
                    **self._inbox_row(record, event_id, "dead_lettered")
                )
            )
        log.error(
            "event dead-lettered",
            extra={
                "event_id": event_id,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "attempts": attempts,
                "error": repr(exc),
            },
        )
        EVENTS_CONSUMED.labels(self.group, record.topic, "dead_lettered").inc()
        return "dead_lettered"


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: ConsumerRunner) -> None:
        self.runner = runner
        self.replayed: set[TopicPartition] = set()

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.runner.commit(list(revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        if self.runner.from_beginning:
            fresh = [tp for tp in assigned if tp not in self.replayed]
            if fresh:
                self.runner.consumer.seek_to_beginning(*fresh)
                self.replayed.update(fresh)
