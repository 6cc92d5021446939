"""Dead letters: list them and apply them again once their cause is fixed.

``<service> dlq list`` shows the dead letters of the service's consumer group,
one line per event (a crash between the DLQ send and the commit can leave two
copies of a message on the topic; they share ``dlq.event_id`` and are shown
once). ``<service> dlq replay`` applies each one that is still dead through the
same checks and transaction as a live event: an event already applied since
(redriven before, or re-published and consumed) is skipped, so a replay can be
run any number of times.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagkit.consumer import DEAD_LETTERED, ConsumerRunner, ConsumerSpec
from dagkit.kafka import dead_letter_topic, make_consumer, make_producer


@dataclass(frozen=True)
class DeadLetter:
    event_id: str
    event_type: str
    subject: str
    error: str
    attempts: int
    original_topic: str
    original_partition: int
    original_offset: int
    dead_lettered_at: datetime
    key: bytes | None
    value: bytes | None

    def as_record(self) -> _Record:
        """The original message, as the consumer read it."""
        return _Record(
            self.original_topic, self.original_partition, self.original_offset, self.key, self.value
        )

    def to_json(self, status: str) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "type": self.event_type,
            "subject": self.subject,
            "status": status,
            "dead_lettered_at": self.dead_lettered_at.isoformat(),
            "topic": self.original_topic,
            "partition": self.original_partition,
            "offset": self.original_offset,
            "attempts": self.attempts,
            "error": self.error,
        }


@dataclass(frozen=True)
class _Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def read_dead_letters(
    bootstrap: str,
    topics: Sequence[str],
    group: str,
    *,
    since: datetime | None = None,
    event_type: str | None = None,
    timeout: float = 30.0,
) -> list[DeadLetter]:
    """Every dead letter of ``group`` on the topics' DLQs, once per event, oldest first."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
        client_id=f"{group}-dlq-reader",
    )
    try:
        partitions = []
        for topic in topics:
            found = consumer.partitions_for_topic(dead_letter_topic(topic)) or set()
            partitions += [TopicPartition(dead_letter_topic(topic), p) for p in sorted(found)]
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError("the dead-letter topics could not be read to their end")
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
    finally:
        consumer.close()
    letters: dict[str, DeadLetter] = {}
    for record in sorted(records, key=lambda r: (r.timestamp, r.topic, r.partition, r.offset)):
        letter = _letter(record)
        if letter is None or letter.event_id in letters:
            continue
        headers = dict(record.headers or [])
        if headers.get("dlq.consumer_group", b"").decode() != group:
            continue
        if since is not None and letter.dead_lettered_at < since:
            continue
        if event_type is not None and letter.event_type != event_type:
            continue
        letters[letter.event_id] = letter
    return list(letters.values())


def _letter(record: Any) -> DeadLetter | None:
    headers = {name: value.decode(errors="replace") for name, value in record.headers or []}
    if "dlq.original_topic" not in headers:
        return None
    topic = headers["dlq.original_topic"]
    partition = int(headers.get("dlq.original_partition", "0"))
    offset = int(headers.get("dlq.original_offset", "0"))
    return DeadLetter(
        # Letters written before dlq.event_id existed are known by position.
        event_id=headers.get("dlq.event_id") or f"offset:{topic}/{partition}/{offset}",
        event_type=headers.get("dlq.event_type", ""),
        subject=headers.get("dlq.subject", ""),
        error=headers.get("dlq.error", ""),
        attempts=int(headers.get("dlq.attempts", "1")),
        original_topic=topic,
        original_partition=partition,
        original_offset=offset,
        dead_lettered_at=datetime.fromtimestamp(record.timestamp / 1000, UTC),
        key=record.key,
        value=record.value,
    )


def statuses(
    session_factory: sessionmaker[Session], spec: ConsumerSpec, event_ids: Iterable[str]
) -> dict[str, str]:
    """The inbox outcome of each event: ``dead_lettered`` while it is still
    dead, ``applied`` (or stale, ignored) once redriven."""
    inbox = spec.tables.inbox
    ids = list(event_ids)
    found: dict[str, str] = {}
    with session_factory() as session:
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(inbox.c.event_id, inbox.c.outcome).where(
                    inbox.c.consumer_group == spec.group,
                    inbox.c.event_id.in_(ids[start : start + 500]),
                )
            )
            found.update((event_id, outcome) for event_id, outcome in rows)
    return {event_id: found.get(event_id, "unknown") for event_id in ids}


@dataclass(frozen=True)
class ReplayResult:
    event_id: str
    outcome: str  # applied, stale, ignored, duplicate, skipped (not dead), failed
    error: str | None = None


def replay(
    session_factory: sessionmaker[Session],
    spec: ConsumerSpec,
    bootstrap: str,
    letters: Sequence[DeadLetter],
) -> list[ReplayResult]:
    """Apply every letter that is still dead; the rest are skipped."""
    current = statuses(session_factory, spec, [letter.event_id for letter in letters])
    runner = ConsumerRunner.from_spec(
        spec,
        session_factory=session_factory,
        consumer=make_consumer(bootstrap, spec.group, f"{spec.group}-redrive"),
        dlq_producer=make_producer(bootstrap, f"{spec.group}-redrive-dlq"),
    )
    results = []
    try:
        for letter in letters:
            if current[letter.event_id] != DEAD_LETTERED:
                results.append(ReplayResult(letter.event_id, "skipped"))
                continue
            try:
                outcome = runner.redrive(letter.as_record())
            except Exception as exc:
                results.append(ReplayResult(letter.event_id, "failed", repr(exc)[:500]))
                continue
            results.append(ReplayResult(letter.event_id, outcome))
    finally:
        # The consumer never joined the group: closing it commits nothing.
        runner.consumer.close(autocommit=False)
        runner.dlq_producer.close(timeout=10)
    return results


# ----------------------------------------------------------- command line
def add_dlq_commands(commands: Any) -> None:
    """Adds ``dlq list|replay [--since] [--type]`` to a service's CLI parser."""
    dlq = commands.add_parser("dlq", help="list or replay the consumer's dead letters")
    actions = dlq.add_subparsers(dest="dlq_command", required=True)
    for name, text in (
        ("list", "show the dead letters, once per event, with their status"),
        ("replay", "apply again every dead letter still dead (after fixing its cause)"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument(
            "--since", type=_aware_datetime, help="only letters dead-lettered at or after (ISO)"
        )
        action.add_argument("--type", dest="event_type", help="only events of this type")
        action.add_argument("--json", action="store_true", help="one JSON object per line")


def run_dlq_command(
    args: argparse.Namespace,
    spec: ConsumerSpec,
    session_factory: sessionmaker[Session],
    bootstrap: str,
    out: TextIO,
) -> int:
    letters = read_dead_letters(
        bootstrap, spec.topics, spec.group, since=args.since, event_type=args.event_type
    )
    if args.dlq_command == "list":
        status = statuses(session_factory, spec, [letter.event_id for letter in letters])
        for letter in letters:
            _print(out, args.json, letter.to_json(status[letter.event_id]))
        if not args.json:
            dead = sum(1 for s in status.values() if s == DEAD_LETTERED)
            out.write(f"{len(letters)} dead letters, {dead} still dead\n")
        return 0
    results = replay(session_factory, spec, bootstrap, letters)
    for result in results:
        _print(
            out,
            args.json,
            {"event_id": result.event_id, "outcome": result.outcome, "error": result.error},
        )
    failed = sum(1 for r in results if r.outcome == "failed")
    if not args.json:
        redriven = sum(1 for r in results if r.outcome not in ("failed", "skipped"))
        out.write(f"{redriven} redriven, {failed} still failing, {len(results)} examined\n")
    return 1 if failed else 0


def _print(out: TextIO, as_json: bool, row: dict[str, Any]) -> None:
    if as_json:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    out.write("  ".join(str(v) for v in row.values() if v is not None) + "\n")


def _aware_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
