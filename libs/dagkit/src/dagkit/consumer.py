"""Consumer loop: apply each event once, in per-key order, and move on.

Records are applied in batches, one transaction per batch: the handler's
changes, an inbox row ``(group, event_id)`` per event and the aggregates' new
versions commit together, so a batch becomes visible whole or not at all. The
offsets are committed to Kafka only after that. A redelivered event finds its
inbox row and changes nothing; an event whose ``aggregateversion`` is not newer
than the stored one is stale and dropped.

Failures are sorted by what waiting can do about them:

* **About the event** (not an envelope, breaks its contract, or its handler
  fails again and again while the store answers): it goes to ``<topic>.dlq``
  with the error in its headers and the partition moves on. A malformed or
  contract-breaking event goes at once; retrying cannot fix it.
* **Transient** (the database or the broker is away): nothing is
  dead-lettered. The consumer pauses its partitions, keeps its place in the
  group, reports not-ready and tries again with capped backoff until the store
  is back, however long that takes.

A poll's work is bounded by half of ``max.poll.interval.ms`` (batches are
sized from the measured cost of an event), so the group never evicts a
consumer for being slow. If it is evicted anyway, the uncommitted offsets are
dropped (the inbox makes their redelivery harmless) and it rejoins.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition
from sqlalchemy import Select, bindparam, delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dagkit.db import insert_rows, select_matching, values_in
from dagkit.envelope import Envelope, EnvelopeError
from dagkit.faults import is_transient
from dagkit.health import WorkerHealth
from dagkit.kafka import dead_letter_topic
from dagkit.logging import correlation
from dagkit.metrics import (
    CONSUMER_BATCH_SECONDS,
    CONSUMER_LAG,
    CONSUMER_READY,
    CONSUMER_TRANSIENT_WAITS,
    EVENTS_CONSUMED,
)
from dagkit.tables import KitTables

log = logging.getLogger(__name__)

Handler = Callable[[Session, Envelope], None]
BatchHandler = Callable[[Session, Sequence[Envelope]], None]
Validator = Callable[[Envelope], None]

DEAD_LETTERED = "dead_lettered"
# Headers of a dead letter; dlq.event_id lets readers drop the second copy a
# crash between the send and the commit leaves behind.
DLQ_HEADERS = (
    "dlq.event_id",
    "dlq.event_type",
    "dlq.subject",
    "dlq.error",
    "dlq.consumer_group",
    "dlq.original_topic",
    "dlq.original_partition",
    "dlq.original_offset",
    "dlq.attempts",
)


@dataclass(frozen=True)
class Handling:
    """What a consumer does with events: the types it handles and one function
    that applies a batch of them (in offset order, inside the batch's
    transaction). Events of other types are recorded as ignored."""

    types: frozenset[str]
    apply: BatchHandler

    @classmethod
    def per_event(cls, handlers: Mapping[str, Handler]) -> Handling:
        """One handler per type, called once per event."""
        table = dict(handlers)

        def apply(session: Session, events: Sequence[Envelope]) -> None:
            for event in events:
                table[event.type](session, event)

        return cls(frozenset(table), apply)

    @classmethod
    def batched(cls, types: Collection[str], apply: BatchHandler) -> Handling:
        """One function for a whole batch: it can write one multi-row statement
        per table and compute derived figures once."""
        return cls(frozenset(types), apply)


@dataclass(frozen=True)
class ConsumerSpec:
    """Everything that says how a service consumes: the consumer process, a
    rebuild and the dead-letter redrive all build their runner from it."""

    group: str
    topics: tuple[str, ...]
    handling: Handling
    tables: KitTables
    # Checks a handled event's payload against its contract before any handler
    # sees it; raising EnvelopeError makes the event a dead letter at once.
    validate: Validator | None = None


@dataclass(frozen=True)
class RetryPolicy:
    # A handler error is retried this often before the event is dead-lettered
    # (only while the database answers: otherwise it is transient).
    max_attempts: int = 3
    backoff_seconds: float = 0.1
    backoff_max_seconds: float = 2.0
    # Transient faults are waited out for ever, with this capped backoff.
    transient_backoff_seconds: float = 0.5
    transient_backoff_max_seconds: float = 10.0

    def delay(self, attempt: int) -> float:
        return float(min(self.backoff_max_seconds, self.backoff_seconds * 2 ** (attempt - 1)))


class VersionConflictError(Exception):
    """Another consumer of the group applied an event of the same aggregate
    between our read and our write; the batch is tried again."""


@dataclass
class _Item:
    record: Any
    event: Envelope | None
    rejected: BaseException | None = None
    redrive: bool = False

    @property
    def position(self) -> tuple[str, int, int]:
        return (self.record.topic, self.record.partition, self.record.offset)

    @property
    def event_id(self) -> str:
        if self.event is not None:
            return self.event.id
        # A message without a readable id is known by its position instead.
        r = self.record
        return f"offset:{r.topic}/{r.partition}/{r.offset}"


class ConsumerRunner:
    def __init__(
        self,
        *,
        group: str,
        topics: Sequence[str],
        handlers: Mapping[str, Handler] | Handling,
        session_factory: sessionmaker[Session],
        tables: KitTables,
        consumer: KafkaConsumer,
        dlq_producer: KafkaProducer,
        validate: Validator | None = None,
        retry: RetryPolicy | None = None,
        from_beginning: bool = False,
        max_batch: int = 500,
        target_batch_seconds: float = 1.0,
        inbox_retention: timedelta = timedelta(days=7),
        prune_every_seconds: float = 600.0,
    ) -> None:
        self.group = group
        self.topics = list(topics)
        self.handling = handlers if isinstance(handlers, Handling) else Handling.per_event(handlers)
        self.session_factory = session_factory
        self.tables = tables
        self.consumer = consumer
        self.dlq_producer = dlq_producer
        self.validate = validate
        self.retry = retry or RetryPolicy()
        self.from_beginning = from_beginning
        self.max_batch = max_batch
        self.target_batch_seconds = target_batch_seconds
        self.inbox_retention = inbox_retention
        self.prune_every_seconds = prune_every_seconds
        self.health = WorkerHealth()
        self._stop = threading.Event()
        # Applied up to (next offset), per partition; and what was last sent
        # to the broker without waiting.
        self._processed: dict[TopicPartition, int] = {}
        self._sent: dict[TopicPartition, int] = {}
        self._lookup_statements: tuple[Select[Any], Select[Any]] | None = None
        # Bumped whenever partitions are revoked: records polled before that
        # belong to an assignment that no longer exists.
        self._epoch = 0
        # A cautious first guess: the first batch of a poll stays small until
        # the real cost of an event is known.
        self._seconds_per_event = 0.01
        self._last_prune = time.monotonic()
        CONSUMER_READY.labels(group).set(1)

    @classmethod
    def from_spec(
        cls,
        spec: ConsumerSpec,
        *,
        session_factory: sessionmaker[Session],
        consumer: KafkaConsumer,
        dlq_producer: KafkaProducer,
        **options: Any,
    ) -> ConsumerRunner:
        return cls(
            group=spec.group,
            topics=spec.topics,
            handlers=spec.handling,
            tables=spec.tables,
            validate=spec.validate,
            session_factory=session_factory,
            consumer=consumer,
            dlq_producer=dlq_producer,
            **options,
        )

    def stop(self) -> None:
        """Finish the current batch, commit, leave the group."""
        self._stop.set()

    # ------------------------------------------------------------------ loop
    def run(self, max_idle_polls: int | None = None, until_caught_up: bool = False) -> None:
        """Consume until stop(); or, for batch jobs such as a rebuild, until
        ``max_idle_polls`` empty polls in a row or until every assigned
        partition has been read to its end (``until_caught_up``)."""
        self.consumer.subscribe(self.topics, listener=_Rebalance(self))
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
                    self._maybe_prune()
                    continue
                idle = 0
                self._consume(batch)
                self.commit(wait=False)
                self._report_lag()
                if until_caught_up and self._at_highwater():
                    break
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        # Each step on its own: a failed commit must not keep the consumer
        # from leaving the group or the dead letters from being flushed.
        for step, action in (
            ("commit", self.commit),
            ("close", lambda: self.consumer.close(autocommit=False)),
            ("flush dead letters", lambda: self.dlq_producer.flush(timeout=30)),
        ):
            try:
                action()
            except Exception as exc:
                log.warning(
                    "consumer shutdown step failed", extra={"step": step, "error": repr(exc)}
                )
        log.info("consumer stopped", extra={"group": self.group})

    def commit(
        self, partitions: Sequence[TopicPartition] | None = None, *, wait: bool = True
    ) -> None:
        """Commit the offsets applied so far. ``wait=False`` (between batches)
        does not wait for the broker's answer; a revocation and the shutdown
        commit everything again and wait, so nothing applied is left
        uncommitted by a clean stop."""
        pending = {
            tp: OffsetAndMetadata(offset, "", -1)
            for tp, offset in self._processed.items()
            if (partitions is None or tp in partitions) and (wait or self._sent.get(tp) != offset)
        }
        if not pending:
            return
        if not wait:
            self._sent.update({tp: meta.offset for tp, meta in pending.items()})
            self.consumer.commit_async(pending, callback=self._committed)
            return
        try:
            self.consumer.commit(pending)
        except KafkaError as exc:
            self._commit_failed(exc)
        for tp in pending:
            self._processed.pop(tp, None)
            self._sent.pop(tp, None)

    def _committed(self, _offsets: Any, response: Any) -> None:
        if isinstance(response, Exception):
            self._commit_failed(response)

    def _commit_failed(self, exc: BaseException) -> None:
        # Evicted (or mid-rebalance): these partitions may belong to another
        # member now. What was applied stays applied; its redelivery finds the
        # inbox rows and changes nothing.
        log.warning(
            "offset commit failed; rejoining the group",
            extra={"group": self.group, "error": repr(exc)},
        )
        self._epoch += 1

    def _caught_up(self) -> bool:
        assigned = list(self.consumer.assignment())
        ends = self.consumer.end_offsets(assigned)
        return all(self.consumer.position(tp) >= ends[tp] for tp in assigned)

    def _at_highwater(self) -> bool:
        """Every assigned partition read up to the end its last fetch reported
        (no broker round trip, so it can be asked after every batch)."""
        assigned = self.consumer.assignment()
        if not assigned:
            return False
        for tp in assigned:
            highwater = self.consumer.highwater(tp)
            if highwater is None or self.consumer.position(tp) < highwater:
                return False
        return True

    def _report_lag(self) -> None:
        for tp in self.consumer.assignment():
            highwater = self.consumer.highwater(tp)
            if highwater is None:
                continue
            lag = max(0, highwater - self.consumer.position(tp))
            CONSUMER_LAG.labels(self.group, tp.topic, str(tp.partition)).set(lag)

    # ------------------------------------------------------------- a poll
    def _poll_budget_seconds(self) -> float:
        interval_ms = self.consumer.config.get("max_poll_interval_ms", 300000)
        return float(interval_ms) / 2000.0

    def _consume(self, batch: Mapping[TopicPartition, list[Any]]) -> None:
        """Apply a poll's records partition by partition, within the poll
        budget. Whatever is left when the budget, a stop or a rebalance
        interrupts is sought back, so the next poll returns it again."""
        deadline = time.monotonic() + self._poll_budget_seconds()
        epoch = self._epoch
        for tp, records in batch.items():
            pending = list(records)
            while pending and self._may_continue(epoch, deadline):
                chunk = pending[: self._chunk_size(deadline)]
                done = self._apply_records(chunk, epoch, deadline)
                if done:
                    self._processed[tp] = chunk[done - 1].offset + 1
                pending = pending[done:]
                if done < len(chunk):
                    break
            if pending and self._epoch == epoch:
                self._seek(tp, pending[0].offset)

    def _seek(self, tp: TopicPartition, offset: int) -> None:
        try:
            self.consumer.seek(tp, offset)
        except ValueError:
            # No longer ours: its next owner starts at the committed offset.
            log.info("partition moved on during a batch", extra={"partition": str(tp)})

    def _may_continue(self, epoch: int, deadline: float) -> bool:
        return not self._stop.is_set() and self._epoch == epoch and time.monotonic() < deadline

    def _chunk_size(self, deadline: float) -> int:
        # About a second of work at the cost measured so far (and never more
        # than half of what is left of the poll budget): a stop finishes
        # quickly and a batch's changes show up without waiting long.
        remaining = max(0.0, deadline - time.monotonic())
        seconds = min(self.target_batch_seconds, remaining / 2)
        fits = int(seconds / max(self._seconds_per_event, 1e-6))
        return max(1, min(self.max_batch, fits))

    def _apply_records(self, records: list[Any], epoch: int, deadline: float) -> int:
        """Apply ``records`` of one partition; return how many are done (a
        prefix). All of them in one transaction if that works; after an error
        about an event, one at a time so only that event is dead-lettered."""
        items = [self._decode(record) for record in records]
        started = time.monotonic()
        outcome = self._with_transient_waits(lambda: self._transact(items), epoch)
        if outcome is None:
            return 0
        if not isinstance(outcome, BaseException):
            elapsed = time.monotonic() - started
            CONSUMER_BATCH_SECONDS.labels(self.group).observe(elapsed)
            per_event = elapsed / len(items)
            self._seconds_per_event = 0.8 * self._seconds_per_event + 0.2 * per_event
            return len(items)
        if len(items) > 1:
            log.info(
                "batch failed; applying its events one at a time",
                extra={"group": self.group, "error": repr(outcome)},
            )
        done = 0
        for item in items:
            if done and not self._may_continue(epoch, deadline):
                break
            if not self._apply_alone(item, epoch):
                break
            done += 1
        return done

    def _apply_alone(self, item: _Item, epoch: int) -> bool:
        """One event with retries; dead-lettered once its handler has failed
        ``max_attempts`` times while the database answered."""
        attempt = 1
        while True:
            outcome = self._with_transient_waits(lambda: self._transact([item]), epoch)
            if outcome is None:
                return False
            if not isinstance(outcome, BaseException):
                return True
            if attempt >= self.retry.max_attempts:
                item.rejected = outcome
                dead = self._with_transient_waits(
                    partial(self._transact, [item], attempts=attempt), epoch
                )
                if dead is None:
                    return False
                if isinstance(dead, BaseException):
                    # Writing the dead letter's own inbox row failed for a
                    # reason about this event: nothing more can be done here.
                    raise dead
                return True
            log.warning(
                "event failed, retrying",
                extra={
                    "event_id": item.event_id,
                    "attempt": attempt,
                    "error": repr(outcome),
                },
            )
            if self._stop.wait(self.retry.delay(attempt)):
                return False
            attempt += 1

    def _with_transient_waits(
        self, action: Callable[[], Any], epoch: int
    ) -> Any | BaseException | None:
        """Run ``action``; return its result, or the error if it is about the
        event. Transient errors are waited out; None when a stop or a
        rebalance ended the wait (the work is then left for the next poll)."""
        conflicts = 0
        while True:
            try:
                return action()
            except VersionConflictError:
                conflicts += 1
                if conflicts < 20:
                    continue
                raise
            except Exception as exc:
                if not is_transient(exc) and self._database_answers():
                    return exc
                if not self._wait_out(exc) or self._epoch != epoch:
                    return None

    # ------------------------------------------------------ transient waits
    def _database_answers(self) -> bool:
        try:
            with self.session_factory() as session:
                session.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def _wait_out(self, exc: BaseException) -> bool:
        """Keep our place in the group with paused partitions until the
        database answers again; False if stopped meanwhile."""
        reason = f"waiting for the database or broker: {type(exc).__name__}: {exc}"[:500]
        log.warning("transient fault; waiting", extra={"group": self.group, "error": repr(exc)})
        self._set_ready(False, reason)
        CONSUMER_TRANSIENT_WAITS.labels(self.group).inc()
        delay = self.retry.transient_backoff_seconds
        try:
            while not self._stop.is_set():
                self._keepalive(delay)
                if self._database_answers():
                    return not self._stop.is_set()
                delay = min(delay * 2, self.retry.transient_backoff_max_seconds)
            return False
        finally:
            self._set_ready(True, None)

    def _keepalive(self, seconds: float) -> None:
        """Poll with every partition paused: the group sees us alive and no
        record is returned, so nothing is skipped. A rebalance during the poll
        may assign new, unpaused partitions; their records are sought back."""
        assigned = self.consumer.assignment()
        if not assigned:  # not in a group (a redrive from the command line)
            self._stop.wait(seconds)
            return
        self.consumer.pause(*assigned)
        deadline = time.monotonic() + seconds
        try:
            while not self._stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                got = self.consumer.poll(timeout_ms=int(min(left, 0.5) * 1000) or 1)
                for tp, records in got.items():
                    if records:
                        self._seek(tp, records[0].offset)
                self.consumer.pause(*self.consumer.assignment())
        finally:
            self.consumer.resume(*self.consumer.assignment())

    def _set_ready(self, ready: bool, reason: str | None) -> None:
        self.health.ready = ready
        self.health.reason = reason
        CONSUMER_READY.labels(self.group).set(1 if ready else 0)

    # ------------------------------------------------------- a transaction
    def _decode(self, record: Any) -> _Item:
        try:
            event = Envelope.from_json(record.value)
        except EnvelopeError as exc:
            return _Item(record, None, exc)
        if self.validate is not None and event.type in self.handling.types:
            try:
                self.validate(event)
            except Exception as exc:  # a contract violation, or a validator that cannot read it
                return _Item(record, event, exc)
        return _Item(record, event)

    def _transact(self, items: list[_Item], attempts: int = 1) -> list[str]:
        with self.session_factory() as session, session.begin():
            outcomes = self.apply_in(session, items, attempts=attempts)
        for item, outcome in zip(items, outcomes, strict=True):
            EVENTS_CONSUMED.labels(self.group, item.record.topic, outcome).inc()
        return outcomes

    def apply_in(self, session: Session, items: list[_Item], attempts: int = 1) -> list[str]:
        """Apply ``items`` inside ``session``'s transaction: inbox and version
        checks for all of them at once, the handler once for every event to
        apply, dead letters for the rejected ones. Returns each outcome."""
        inbox = self.tables.inbox
        ids = {item.event_id for item in items}
        bind = session.get_bind()
        recorded = {
            row.event_id: row
            for row in session.execute(self._lookups(bind.dialect.name)[0], {"keys": list(ids)})
        }
        # A dead letter is "seen" only when the same message comes again (a
        # redelivery after a crash): re-published, or redriven, it is tried
        # again, so a fixed handler can apply it.
        delivered_at = {item.event_id: item.position for item in items if not item.redrive}
        seen = {
            event_id
            for event_id, row in recorded.items()
            if row.outcome != DEAD_LETTERED
            or delivered_at.get(event_id) == (row.topic, row.kafka_partition, row.kafka_offset)
        }
        retried = {
            event_id
            for event_id, row in recorded.items()
            if row.outcome == DEAD_LETTERED and event_id not in seen
        }
        subjects: dict[str, set[str]] = {}
        for item in items:
            if item.event is not None and item.rejected is None:
                subjects.setdefault(item.record.topic, set()).add(item.event.subject)
        stored: dict[tuple[str, str], int] = {}
        for topic, names in subjects.items():  # one topic: a batch is one partition's
            stored.update(
                ((topic, subject), version)
                for subject, version in session.execute(
                    self._lookups(bind.dialect.name)[1], {"topic": topic, "keys": list(names)}
                )
            )
        latest = dict(stored)
        now = datetime.now(UTC)
        outcomes: list[str] = []
        to_apply: list[Envelope] = []
        inbox_rows: list[dict[str, Any]] = []
        dead: list[_Item] = []
        for item in items:
            if item.event_id in seen:
                outcomes.append("duplicate")
                continue
            seen.add(item.event_id)
            if item.rejected is not None or item.event is None:
                dead.append(item)
                outcomes.append(DEAD_LETTERED)
                inbox_rows.append(self._inbox_row(item.record, item.event_id, DEAD_LETTERED, now))
                continue
            event = item.event
            key = (item.record.topic, event.subject)
            if key in latest and latest[key] >= event.aggregateversion:
                outcome = "stale"
            elif event.type in self.handling.types:
                outcome = "applied"
                to_apply.append(event)
                latest[key] = event.aggregateversion
            else:
                outcome = "ignored"
                latest[key] = event.aggregateversion
            outcomes.append(outcome)
            inbox_rows.append(self._inbox_row(item.record, item.event_id, outcome, now))
        if to_apply:
            self.handling.apply(session, to_apply)
        self._write_versions(session, stored, latest)
        # Sent after the handler ran and before the commit: a failed batch
        # sends nothing, a crash before the commit leaves a second copy that
        # readers drop by its dlq.event_id.
        self._send_dead_letters(dead, attempts)
        replaced = retried & {row["event_id"] for row in inbox_rows}
        if replaced:
            session.execute(
                delete(inbox).where(
                    inbox.c.consumer_group == self.group,
                    values_in(inbox.c.event_id, replaced, bind),
                )
            )
        if inbox_rows:
            try:
                insert_rows(session, inbox, inbox_rows)
            except IntegrityError as exc:
                raise VersionConflictError("inbox row written by another consumer") from exc
        return outcomes

    def _lookups(self, dialect: str) -> tuple[Select[Any], Select[Any]]:
        """The inbox rows of a batch's event ids, and the stored versions of
        its subjects (locked): built once, so they compile once."""
        if self._lookup_statements is None:
            inbox, versions = self.tables.inbox, self.tables.aggregate_versions
            self._lookup_statements = (
                select_matching(
                    select(
                        inbox.c.event_id,
                        inbox.c.outcome,
                        inbox.c.topic,
                        inbox.c.kafka_partition,
                        inbox.c.kafka_offset,
                    ).where(inbox.c.consumer_group == self.group),
                    inbox.c.event_id,
                    dialect,
                ),
                select_matching(
                    select(versions.c.subject, versions.c.version).where(
                        versions.c.consumer_group == self.group,
                        versions.c.topic == bindparam("topic"),
                    ),
                    versions.c.subject,
                    dialect,
                ).with_for_update(of=versions),
            )
        return self._lookup_statements

    def _write_versions(
        self,
        session: Session,
        stored: dict[tuple[str, str], int],
        latest: dict[tuple[str, str], int],
    ) -> None:
        versions = self.tables.aggregate_versions
        new_versions = [
            {"consumer_group": self.group, "topic": t, "subject": s, "version": v}
            for (t, s), v in latest.items()
            if (t, s) not in stored
        ]
        changed = [
            {"b_topic": t, "b_subject": s, "b_old": stored[(t, s)], "version": v}
            for (t, s), v in latest.items()
            if (t, s) in stored and stored[(t, s)] != v
        ]
        if new_versions:
            try:
                insert_rows(session, versions, new_versions)
            except IntegrityError as exc:
                raise VersionConflictError("aggregate first seen by another consumer") from exc
        if changed:
            # The old version is part of the condition: where the read above
            # took no lock (SQLite), a second consumer that applied the same
            # aggregate meanwhile makes this match fewer rows.
            if session.get_bind().dialect.name == "postgresql":
                result = session.execute(
                    text(
                        "UPDATE kit_aggregate_versions AS v SET version = u.version"
                        " FROM unnest(CAST(:topics AS TEXT[]), CAST(:subjects AS TEXT[]),"
                        " CAST(:olds AS BIGINT[]), CAST(:news AS BIGINT[]))"
                        " AS u(topic, subject, old, version)"
                        " WHERE v.consumer_group = :group AND v.topic = u.topic"
                        " AND v.subject = u.subject AND v.version = u.old"
                    ),
                    {
                        "group": self.group,
                        "topics": [c["b_topic"] for c in changed],
                        "subjects": [c["b_subject"] for c in changed],
                        "olds": [c["b_old"] for c in changed],
                        "news": [c["version"] for c in changed],
                    },
                )
            else:
                result = session.execute(
                    update(versions).where(
                        versions.c.consumer_group == self.group,
                        versions.c.topic == bindparam("b_topic"),
                        versions.c.subject == bindparam("b_subject"),
                        versions.c.version == bindparam("b_old"),
                    ),
                    changed,
                )
            if result.rowcount != len(changed):  # type: ignore[attr-defined]
                raise VersionConflictError("aggregate version moved meanwhile")

    def _send_dead_letters(self, dead: list[_Item], attempts: int) -> None:
        if not dead:
            return
        futures = []
        for item in dead:
            record, event = item.record, item.event
            values = {
                "dlq.event_id": item.event_id,
                "dlq.event_type": event.type if event is not None else "",
                "dlq.subject": event.subject if event is not None else "",
                "dlq.error": repr(item.rejected)[:4000],
                "dlq.consumer_group": self.group,
                "dlq.original_topic": record.topic,
                "dlq.original_partition": str(record.partition),
                "dlq.original_offset": str(record.offset),
                "dlq.attempts": str(attempts if event is not None else 1),
            }
            headers = [(name, values[name].encode()) for name in DLQ_HEADERS]
            futures.append(
                self.dlq_producer.send(
                    dead_letter_topic(record.topic),
                    key=record.key,
                    value=record.value,
                    headers=headers,
                )
            )
        for item, future in zip(dead, futures, strict=True):
            future.get(timeout=30)
            with correlation(item.event.correlationid if item.event is not None else None):
                log.error(
                    "event dead-lettered",
                    extra={
                        "event_id": item.event_id,
                        "topic": item.record.topic,
                        "partition": item.record.partition,
                        "offset": item.record.offset,
                        "error": repr(item.rejected),
                    },
                )

    def _inbox_row(
        self, record: Any, event_id: str, outcome: str, at: datetime | None = None
    ) -> dict[str, Any]:
        return {
            "consumer_group": self.group,
            "event_id": event_id,
            "topic": record.topic,
            "kafka_partition": record.partition,
            "kafka_offset": record.offset,
            "outcome": outcome,
            "processed_at": at or datetime.now(UTC),
        }

    # ------------------------------------------------------------- upkeep
    def _maybe_prune(self) -> None:
        if time.monotonic() - self._last_prune < self.prune_every_seconds:
            return
        self._last_prune = time.monotonic()
        try:
            self.prune_inbox()
        except Exception as exc:
            log.warning("inbox pruning failed; trying later", extra={"error": repr(exc)})

    def prune_inbox(self, now: datetime | None = None) -> int:
        """Forget inbox rows older than the topics' retention: Kafka cannot
        deliver those events again, so their rows guard nothing."""
        cutoff = (now or datetime.now(UTC)) - self.inbox_retention
        inbox = self.tables.inbox
        with self.session_factory() as session, session.begin():
            result = session.execute(
                delete(inbox).where(
                    inbox.c.consumer_group == self.group, inbox.c.processed_at < cutoff
                )
            )
        pruned = int(result.rowcount)  # type: ignore[attr-defined]
        if pruned:
            log.info("inbox pruned", extra={"group": self.group, "rows": pruned})
        return pruned

    # ------------------------------------------------------------- redrive
    def redrive(self, record: Any) -> str:
        """Apply a dead letter again (its handler has been fixed): the same
        checks and the same transaction as a live event. Raises what the
        event still fails with; then it stays a dead letter."""
        item = self._decode(record)
        if item.rejected is not None:
            raise item.rejected
        item.redrive = True
        outcome = self._with_transient_waits(lambda: self._transact([item]), self._epoch)
        if outcome is None:
            raise InterruptedError("stopped while waiting for the database")
        if isinstance(outcome, BaseException):
            raise outcome
        return str(outcome[0])


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: ConsumerRunner) -> None:
        self.runner = runner
        self.replayed: set[TopicPartition] = set()

    def on_partitions_revoked(self, revoked: Any) -> None:
        runner, partitions = self.runner, list(revoked)
        runner._epoch += 1
        try:
            runner.commit(partitions)
        except RuntimeError:
            # After an eviction kafka-python calls this on its I/O thread,
            # where nothing may block: send without waiting (it will most
            # likely fail; the inbox absorbs the redelivery).
            runner.commit(partitions, wait=False)
        for tp in partitions:
            runner._processed.pop(tp, None)
            runner._sent.pop(tp, None)

    def on_partitions_assigned(self, assigned: Any) -> None:
        if self.runner.from_beginning:
            fresh = [tp for tp in assigned if tp not in self.replayed]
            if fresh:
                self.runner.consumer.seek_to_beginning(*fresh)
                self.replayed.update(fresh)
