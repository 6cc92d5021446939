"""What production does to consumers and relays, done for real to the local
Kafka and PostgreSQL: bursts of contract-breaking events, eviction from the
group, a database outage, a killed LISTEN connection, a crash between a
dead-letter send and its commit. Each ends with every event applied exactly
once and the process still running."""

from __future__ import annotations

import argparse
import io
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kafka.structs import TopicPartition
from kithelpers import Proc, make_event, stage, wait_for
from kitprocs import RETRY, SPEC, applied, fixes, kit, metadata
from sqlalchemy import Engine, func, insert, select

from dagkit.consumer import ConsumerRunner, ConsumerSpec, VersionConflictError
from dagkit.db import make_engine, make_session_factory
from dagkit.dlq import add_dlq_commands, read_dead_letters, replay, run_dlq_command
from dagkit.kafka import dead_letter_topic, ensure_topics, make_consumer, make_producer
from dagkit.testing.events import publish, read_raw_records
from dagkit.testing.faults import database_outage, terminate_backends

pytestmark = pytest.mark.slow


def applied_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(applied.c.event_id, func.count()).group_by(applied.c.event_id)
        ).all()
    return {event_id: count for event_id, count in rows}


def outcomes(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(kit.inbox.c.event_id, kit.inbox.c.outcome)).all())


def readyz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def messages_on(bootstrap: str, topic: str) -> int:
    consumer = make_consumer(bootstrap, f"probe-{topic}", "probe")
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        return sum(consumer.end_offsets(partitions).values()) if partitions else 0
    finally:
        consumer.close()


def dlq_topic(bootstrap: str, topic: str) -> str:
    ensure_topics(bootstrap, [dead_letter_topic(topic)], partitions=1)
    return dead_letter_topic(topic)


def test_a_burst_of_contract_breaking_events_does_not_hold_back_a_real_change(
    kit_engine: Engine,
    kafka_bootstrap: str,
    new_topic: Callable[..., str],
    procs: Callable[..., Proc],
    pg_database: str,
) -> None:
    topic = new_topic("kit.burst", partitions=1)
    dlq_topic(kafka_bootstrap, topic)
    broken = [make_event(f"B{n}", "not a number", version=1) for n in range(150)]  # type: ignore[arg-type]
    change = make_event("REAL", 1)
    consumer = procs("consumer", pg_database, kafka_bootstrap, topic, f"{topic}.g")
    started = time.monotonic()
    publish(kafka_bootstrap, topic, [*broken, change])

    wait_for(lambda: change.id in applied_counts(kit_engine), timeout=15, what="the real change")
    elapsed = time.monotonic() - started
    # Contract violations go to the DLQ at once, with no retries or backoff.
    assert elapsed < 10, elapsed
    seen = outcomes(kit_engine)
    assert [seen[e.id] for e in broken] == ["dead_lettered"] * 150
    letters = read_dead_letters(kafka_bootstrap, [topic], f"{topic}.g")
    assert {letter.event_id for letter in letters} == {e.id for e in broken}
    assert all(letter.attempts == 1 for letter in letters)
    assert "seq must be an integer" in letters[0].error
    assert consumer.popen.poll() is None


def test_eviction_mid_batch_rejoins_and_applies_every_event_once(
    kit_engine: Engine,
    kafka_bootstrap: str,
    new_topic: Callable[..., str],
    procs: Callable[..., Proc],
    pg_database: str,
) -> None:
    topic = new_topic("kit.evict", partitions=1)
    dlq_topic(kafka_bootstrap, topic)
    # One event's handler outlasts max.poll.interval.ms: the group evicts the
    # consumer while its batch is in flight. Failing events with retries come
    # before it, the old way to be evicted.
    events = [make_event("E", n) for n in range(20)]
    events += [make_event(f"P{n}", 0, poison=True) for n in range(10)]
    events += [make_event("E", 20, delay=5.0)]
    events += [make_event("E", n) for n in range(21, 40)]
    publish(kafka_bootstrap, topic, events)
    consumer = procs(
        "consumer",
        pg_database,
        kafka_bootstrap,
        topic,
        f"{topic}.g",
        "--max-poll-interval-ms",
        "2500",
    )

    good = [e for e in events if not e.data.get("poison")]
    wait_for(
        lambda: set(applied_counts(kit_engine)) >= {e.id for e in good},
        timeout=90,
        what="every event after the eviction",
    )
    time.sleep(2)  # anything applied twice would show by now
    counts = applied_counts(kit_engine)
    assert all(counts[e.id] == 1 for e in good)
    assert len(counts) == len(good)
    assert "rejoining the group" in consumer.output()
    letters = read_dead_letters(kafka_bootstrap, [topic], f"{topic}.g")
    assert len(letters) == 10
    assert consumer.popen.poll() is None


def test_a_database_outage_is_waited_out_not_dead_lettered(
    kit_engine: Engine,
    kafka_bootstrap: str,
    new_topic: Callable[..., str],
    procs: Callable[..., Proc],
    pg_database: str,
) -> None:
    topic = new_topic("kit.outage", partitions=3)
    dlq = dlq_topic(kafka_bootstrap, topic)
    port = free_port()
    consumer = procs(
        "consumer", pg_database, kafka_bootstrap, topic, f"{topic}.g", "--port", str(port)
    )
    events = [make_event(f"O{n % 7}", n // 7) for n in range(400)]
    producer = make_producer(kafka_bootstrap, "outage-producer")

    def stream() -> None:  # 400 events over about 16 s
        for event in events:
            producer.send(topic, key=event.subject.encode(), value=event.to_json())
            time.sleep(0.04)
        producer.flush()

    thread = threading.Thread(target=stream)
    thread.start()
    wait_for(lambda: len(applied_counts(kit_engine)) >= 20, what="the stream under way")
    readiness_during = []
    with database_outage(pg_database):
        for _ in range(8):
            time.sleep(1)
            readiness_during.append(readyz(port))
    thread.join()
    producer.close()

    wait_for(lambda: len(applied_counts(kit_engine)) == len(events), timeout=60, what="the backlog")
    counts = applied_counts(kit_engine)
    assert set(counts.values()) == {1}
    assert set(outcomes(kit_engine).values()) == {"applied"}
    assert 503 in readiness_during
    wait_for(lambda: readyz(port) == 200, what="ready again")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
        metrics = response.read().decode()
    assert "consumer_transient_waits_total" in metrics
    assert 'consumer_ready{group="' in metrics
    assert messages_on(kafka_bootstrap, dlq) == 0
    assert consumer.popen.poll() is None


def test_the_relay_survives_losing_its_listen_connection(
    kit_engine: Engine,
    kafka_bootstrap: str,
    new_topic: Callable[..., str],
    procs: Callable[..., Proc],
    pg_database: str,
) -> None:
    topic = new_topic("kit.listen", partitions=1)
    relay = procs("relay", pg_database, kafka_bootstrap)
    stage(kit_engine, topic, [make_event("L", 0)])
    wait_for(lambda: _unsent(kit_engine) == 0, what="first publish")

    assert terminate_backends(pg_database, "LISTEN%") >= 1
    time.sleep(1)
    stage(kit_engine, topic, [make_event("L", n) for n in range(1, 50)])
    wait_for(lambda: _unsent(kit_engine) == 0, timeout=20, what="publish after the drop")
    assert relay.popen.poll() is None
    records = read_raw_records(kafka_bootstrap, topic, 50)
    assert len(records) == 50
    # It listens again (polling covered the gap).
    wait_for(lambda: _listeners(pg_database) >= 1, timeout=20, what="a new LISTEN connection")


def _unsent(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(kit.outbox).where(kit.outbox.c.sent_at.is_(None))
            ).scalar_one()
        )


def _listeners(database_url: str) -> int:
    from sqlalchemy import text

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND query ILIKE 'LISTEN%'"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_a_poison_event_is_redriven_once_after_the_fix(
    kit_engine: Engine, kafka_bootstrap: str, new_topic: Callable[..., str]
) -> None:
    topic = new_topic("kit.redrive", partitions=1)
    dlq_topic(kafka_bootstrap, topic)
    group = f"{topic}.g"
    poison = make_event("R", 0, poison=True)
    later = make_event("S", 0)
    publish(kafka_bootstrap, topic, [poison, later])
    spec = _spec(topic, group)
    factory = make_session_factory(kit_engine)
    _runner(spec, kit_engine, kafka_bootstrap).run(max_idle_polls=4)
    assert outcomes(kit_engine) == {poison.id: "dead_lettered", later.id: "applied"}

    # Before the fix a replay fails and leaves it dead.
    (letter,) = read_dead_letters(kafka_bootstrap, [topic], group)
    (result,) = replay(factory, spec, kafka_bootstrap, [letter])
    assert result.outcome == "failed"
    assert "poison event" in (result.error or "")
    assert outcomes(kit_engine)[poison.id] == "dead_lettered"

    with kit_engine.begin() as conn:
        conn.execute(insert(fixes).values(id=1))
    (result,) = replay(factory, spec, kafka_bootstrap, [letter])
    assert result.outcome == "applied"
    # Replaying again, or re-publishing the message, changes nothing more.
    (again,) = replay(factory, spec, kafka_bootstrap, [letter])
    assert again.outcome == "skipped"
    publish(kafka_bootstrap, topic, [poison])
    _runner(spec, kit_engine, kafka_bootstrap).run(max_idle_polls=4)
    assert applied_counts(kit_engine)[poison.id] == 1
    assert outcomes(kit_engine)[poison.id] == "applied"


def test_a_fixed_handler_applies_a_republished_dead_letter(
    kit_engine: Engine, kafka_bootstrap: str, new_topic: Callable[..., str]
) -> None:
    topic = new_topic("kit.republish", partitions=1)
    dlq_topic(kafka_bootstrap, topic)
    spec = _spec(topic, f"{topic}.g")
    poison = make_event("Q", 0, poison=True)
    publish(kafka_bootstrap, topic, [poison])
    _runner(spec, kit_engine, kafka_bootstrap).run(max_idle_polls=4)
    assert outcomes(kit_engine)[poison.id] == "dead_lettered"
    with kit_engine.begin() as conn:
        conn.execute(insert(fixes).values(id=1))
    publish(kafka_bootstrap, topic, [poison])
    _runner(spec, kit_engine, kafka_bootstrap).run(max_idle_polls=4)
    assert outcomes(kit_engine)[poison.id] == "applied"
    assert applied_counts(kit_engine) == {poison.id: 1}


def test_a_crash_between_dead_letter_send_and_commit_leaves_one_dead_letter(
    kit_engine: Engine,
    kafka_bootstrap: str,
    new_topic: Callable[..., str],
    procs: Callable[..., Proc],
    pg_database: str,
    tmp_path: Path,
) -> None:
    topic = new_topic("kit.dlqcrash", partitions=1)
    dlq = dlq_topic(kafka_bootstrap, topic)
    group = f"{topic}.g"
    events = [make_event("C", 0), make_event("D", 0, poison=True), make_event("C", 1)]
    publish(kafka_bootstrap, topic, events)
    marker = tmp_path / "crashed"
    first = procs(
        "consumer",
        pg_database,
        kafka_bootstrap,
        topic,
        group,
        "--crash-after-dlq-send",
        str(marker),
    )
    wait_for(lambda: first.popen.poll() is not None, timeout=60, what="the crash")
    assert first.popen.returncode == 3
    assert outcomes(kit_engine).get(events[1].id) is None  # its transaction never committed

    second = procs("consumer", pg_database, kafka_bootstrap, topic, group)
    wait_for(lambda: len(outcomes(kit_engine)) == 3, timeout=60, what="the restart")
    raw = read_raw_records(kafka_bootstrap, dlq, 2)
    assert [dict(r.headers)["dlq.event_id"] for r in raw] == [events[1].id.encode()] * 2
    (letter,) = read_dead_letters(kafka_bootstrap, [topic], group)
    assert letter.event_id == events[1].id
    assert applied_counts(kit_engine) == {events[0].id: 1, events[2].id: 1}
    assert second.popen.poll() is None


def test_the_inbox_forgets_rows_older_than_the_retention(
    kit_engine: Engine, kafka_bootstrap: str, new_topic: Callable[..., str]
) -> None:
    topic = new_topic("kit.prune", partitions=1)
    dlq_topic(kafka_bootstrap, topic)
    publish(kafka_bootstrap, topic, [make_event("P", n) for n in range(5)])
    runner = _runner(_spec(topic, f"{topic}.g"), kit_engine, kafka_bootstrap)
    runner.run(max_idle_polls=4)
    assert runner.prune_inbox() == 0
    assert len(outcomes(kit_engine)) == 5
    assert runner.prune_inbox(now=datetime.now(UTC) + timedelta(days=8)) == 5
    assert outcomes(kit_engine) == {}


def test_on_sqlite_a_version_moved_by_another_consumer_is_a_conflict(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'two.sqlite3'}")
    metadata.create_all(engine)
    versions = kit.aggregate_versions
    with engine.begin() as conn:
        conn.execute(insert(versions).values(consumer_group="g", topic="t", subject="A", version=1))
    runner = _runner(_spec("t", "g"), engine, None)
    factory = make_session_factory(engine)
    # This consumer read version 1; another one moved it to 2 meanwhile.
    with engine.begin() as conn:
        conn.execute(versions.update().values(version=2))
    with factory() as session, session.begin(), pytest.raises(VersionConflictError):
        runner._write_versions(session, {("t", "A"): 1}, {("t", "A"): 2})
    with engine.connect() as conn:
        assert conn.execute(select(versions.c.version)).scalar_one() == 2
    engine.dispose()


def _spec(topic: str, group: str) -> ConsumerSpec:
    return replace(SPEC, topics=(topic,), group=group)


def _runner(spec: ConsumerSpec, engine: Engine, bootstrap: str | None) -> ConsumerRunner:
    if bootstrap is None:  # only the database side is used
        return ConsumerRunner.from_spec(
            spec,
            session_factory=make_session_factory(engine),
            consumer=None,  # type: ignore[arg-type]
            dlq_producer=None,  # type: ignore[arg-type]
            retry=RETRY,
        )
    return ConsumerRunner.from_spec(
        spec,
        session_factory=make_session_factory(engine),
        consumer=make_consumer(bootstrap, spec.group, "fault-test"),
        dlq_producer=make_producer(bootstrap, "fault-test-dlq"),
        retry=RETRY,
    )


def test_the_dlq_command_lists_and_replays_by_type_and_time(
    kit_engine: Engine, kafka_bootstrap: str, new_topic: Callable[..., str]
) -> None:
    topic = new_topic("kit.dlqcli", partitions=1)
    dlq_topic(kafka_bootstrap, topic)
    spec = _spec(topic, f"{topic}.g")
    poison = [make_event(f"X{n}", 0, poison=True) for n in range(3)]
    publish(kafka_bootstrap, topic, poison)
    _runner(spec, kit_engine, kafka_bootstrap).run(max_idle_polls=4)
    factory = make_session_factory(kit_engine)
    parser = argparse.ArgumentParser()
    add_dlq_commands(parser.add_subparsers(dest="command"))

    def run(*argv: str) -> tuple[int, list[dict[str, object]]]:
        out = io.StringIO()
        code = run_dlq_command(parser.parse_args(argv), spec, factory, kafka_bootstrap, out)
        return code, [json.loads(line) for line in out.getvalue().splitlines()]

    code, listed = run("dlq", "list", "--json")
    assert code == 0
    assert {row["event_id"] for row in listed} == {e.id for e in poison}
    assert {row["status"] for row in listed} == {"dead_lettered"}
    assert "poison event" in str(listed[0]["error"])
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert run("dlq", "list", "--json", "--since", later)[1] == []
    assert run("dlq", "list", "--json", "--type", "dk.dagtilbud.other.v1")[1] == []

    code, failed = run("dlq", "replay", "--json")
    assert code == 1  # the cause is not fixed yet
    assert {row["outcome"] for row in failed} == {"failed"}
    with kit_engine.begin() as conn:
        conn.execute(insert(fixes).values(id=1))
    code, replayed = run("dlq", "replay", "--json", "--type", poison[0].type)
    assert code == 0
    assert {row["outcome"] for row in replayed} == {"applied"}
    assert run("dlq", "replay", "--json")[1] == [
        {"event_id": e["event_id"], "outcome": "skipped", "error": None} for e in replayed
    ]
    assert applied_counts(kit_engine) == {e.id: 1 for e in poison}
