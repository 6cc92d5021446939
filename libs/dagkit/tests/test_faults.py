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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kafka.structs import TopicPartition
from sqlalchemy import insert

from dagkit.db import make_engine, make_session_factory
from dagkit.dlq import add_dlq_commands, read_dead_letters, replay, run_dlq_command
from dagkit.kafka import dead_letter_topic, make_consumer, make_producer
from dagkit.testing.events import publish, read_raw_records
from dagkit.testing.faults import database_outage, terminate_backends
from dagkit.testing.procs import wait_for
from dagkit.testing.sample_service import (
    SampleRig,
    applied_counts,
    fixes,
    make_event,
    outcomes,
    spec_for,
    stage,
    unsent,
)

pytestmark = pytest.mark.slow


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


def test_a_burst_of_contract_breaking_events_does_not_hold_back_a_real_change(
    rig: SampleRig,
) -> None:
    topic = rig.topic("kit.burst", partitions=1, dead_letters=True)
    broken = [make_event(f"B{n}", "not a number", version=1) for n in range(150)]  # type: ignore[arg-type]
    change = make_event("REAL", 1)
    consumer = rig.consumer(topic, f"{topic}.g")
    started = time.monotonic()
    publish(rig.bootstrap, topic, [*broken, change])

    wait_for(lambda: change.id in applied_counts(rig.engine), timeout=15, what="the real change")
    elapsed = time.monotonic() - started
    # Contract violations go to the DLQ at once, with no retries or backoff.
    assert elapsed < 10, elapsed
    seen = outcomes(rig.engine)
    assert [seen[e.id] for e in broken] == ["dead_lettered"] * 150
    letters = read_dead_letters(rig.bootstrap, [topic], f"{topic}.g")
    assert {letter.event_id for letter in letters} == {e.id for e in broken}
    assert all(letter.attempts == 1 for letter in letters)
    assert "seq must be an integer" in letters[0].error
    assert consumer.popen.poll() is None


def test_eviction_mid_batch_rejoins_and_applies_every_event_once(rig: SampleRig) -> None:
    topic = rig.topic("kit.evict", partitions=1, dead_letters=True)
    # One event's handler outlasts max.poll.interval.ms: the group evicts the
    # consumer while its batch is in flight. Failing events with retries come
    # before it, the old way to be evicted.
    events = [make_event("E", n) for n in range(20)]
    events += [make_event(f"P{n}", 0, poison=True) for n in range(10)]
    events += [make_event("E", 20, delay=5.0)]
    events += [make_event("E", n) for n in range(21, 40)]
    publish(rig.bootstrap, topic, events)
    consumer = rig.consumer(
        topic,
        f"{topic}.g",
        "--max-poll-interval-ms",
        "2500",
    )

    good = [e for e in events if not e.data.get("poison")]
    wait_for(
        lambda: set(applied_counts(rig.engine)) >= {e.id for e in good},
        timeout=90,
        what="every event after the eviction",
    )
    time.sleep(2)  # anything applied twice would show by now
    counts = applied_counts(rig.engine)
    assert all(counts[e.id] == 1 for e in good)
    assert len(counts) == len(good)
    assert "rejoining the group" in consumer.output()
    letters = read_dead_letters(rig.bootstrap, [topic], f"{topic}.g")
    assert len(letters) == 10
    assert consumer.popen.poll() is None


def test_a_database_outage_is_waited_out_not_dead_lettered(rig: SampleRig) -> None:
    topic = rig.topic("kit.outage", partitions=3, dead_letters=True)
    dlq = dead_letter_topic(topic)
    port = free_port()
    consumer = rig.consumer(topic, f"{topic}.g", "--port", str(port))
    events = [make_event(f"O{n % 7}", n // 7) for n in range(400)]
    producer = make_producer(rig.bootstrap, "outage-producer")

    def stream() -> None:  # 400 events over about 16 s
        for event in events:
            producer.send(topic, key=event.subject.encode(), value=event.to_json())
            time.sleep(0.04)
        producer.flush()

    thread = threading.Thread(target=stream)
    thread.start()
    wait_for(lambda: len(applied_counts(rig.engine)) >= 20, what="the stream under way")
    readiness_during = []
    with database_outage(rig.database_url):
        for _ in range(8):
            time.sleep(1)
            readiness_during.append(readyz(port))
    thread.join()
    producer.close()

    wait_for(lambda: len(applied_counts(rig.engine)) == len(events), timeout=60, what="the backlog")
    counts = applied_counts(rig.engine)
    assert set(counts.values()) == {1}
    assert set(outcomes(rig.engine).values()) == {"applied"}
    assert 503 in readiness_during
    wait_for(lambda: readyz(port) == 200, what="ready again")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
        metrics = response.read().decode()
    assert "consumer_transient_waits_total" in metrics
    assert 'consumer_ready{group="' in metrics
    assert messages_on(rig.bootstrap, dlq) == 0
    assert consumer.popen.poll() is None


def test_the_relay_survives_losing_its_listen_connection(rig: SampleRig) -> None:
    topic = rig.topic("kit.listen", partitions=1)
    relay = rig.relay()
    stage(rig.engine, topic, [make_event("L", 0)])
    wait_for(lambda: unsent(rig.engine) == 0, what="first publish")

    assert terminate_backends(rig.database_url, "LISTEN%") >= 1
    time.sleep(1)
    stage(rig.engine, topic, [make_event("L", n) for n in range(1, 50)])
    wait_for(lambda: unsent(rig.engine) == 0, timeout=20, what="publish after the drop")
    assert relay.popen.poll() is None
    records = read_raw_records(rig.bootstrap, topic, 50)
    assert len(records) == 50
    # It listens again (polling covered the gap).
    wait_for(lambda: _listeners(rig.database_url) >= 1, timeout=20, what="a new LISTEN connection")


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


def test_a_poison_event_is_redriven_once_after_the_fix(rig: SampleRig) -> None:
    topic = rig.topic("kit.redrive", partitions=1, dead_letters=True)
    group = f"{topic}.g"
    poison = make_event("R", 0, poison=True)
    later = make_event("S", 0)
    publish(rig.bootstrap, topic, [poison, later])
    spec = spec_for(topic, group)
    factory = make_session_factory(rig.engine)
    rig.runner(spec).run(max_idle_polls=4)
    assert outcomes(rig.engine) == {poison.id: "dead_lettered", later.id: "applied"}

    # Before the fix a replay fails and leaves it dead.
    (letter,) = read_dead_letters(rig.bootstrap, [topic], group)
    (result,) = replay(factory, spec, rig.bootstrap, [letter])
    assert result.outcome == "failed"
    assert "poison event" in (result.error or "")
    assert outcomes(rig.engine)[poison.id] == "dead_lettered"

    with rig.engine.begin() as conn:
        conn.execute(insert(fixes).values(id=1))
    (result,) = replay(factory, spec, rig.bootstrap, [letter])
    assert result.outcome == "applied"
    # Replaying again, or re-publishing the message, changes nothing more.
    (again,) = replay(factory, spec, rig.bootstrap, [letter])
    assert again.outcome == "skipped"
    publish(rig.bootstrap, topic, [poison])
    rig.runner(spec).run(max_idle_polls=4)
    assert applied_counts(rig.engine)[poison.id] == 1
    assert outcomes(rig.engine)[poison.id] == "applied"


def test_a_fixed_handler_applies_a_republished_dead_letter(rig: SampleRig) -> None:
    topic = rig.topic("kit.republish", partitions=1, dead_letters=True)
    spec = spec_for(topic, f"{topic}.g")
    poison = make_event("Q", 0, poison=True)
    publish(rig.bootstrap, topic, [poison])
    rig.runner(spec).run(max_idle_polls=4)
    assert outcomes(rig.engine)[poison.id] == "dead_lettered"
    with rig.engine.begin() as conn:
        conn.execute(insert(fixes).values(id=1))
    publish(rig.bootstrap, topic, [poison])
    rig.runner(spec).run(max_idle_polls=4)
    assert outcomes(rig.engine)[poison.id] == "applied"
    assert applied_counts(rig.engine) == {poison.id: 1}


def test_a_crash_between_dead_letter_send_and_commit_leaves_one_dead_letter(
    rig: SampleRig, tmp_path: Path
) -> None:
    topic = rig.topic("kit.dlqcrash", partitions=1, dead_letters=True)
    dlq = dead_letter_topic(topic)
    group = f"{topic}.g"
    events = [make_event("C", 0), make_event("D", 0, poison=True), make_event("C", 1)]
    publish(rig.bootstrap, topic, events)
    marker = tmp_path / "crashed"
    first = rig.consumer(
        topic,
        group,
        "--crash-after-dlq-send",
        str(marker),
    )
    wait_for(lambda: first.popen.poll() is not None, timeout=60, what="the crash")
    assert first.popen.returncode == 3
    assert outcomes(rig.engine).get(events[1].id) is None  # its transaction never committed

    second = rig.consumer(topic, group)
    wait_for(lambda: len(outcomes(rig.engine)) == 3, timeout=60, what="the restart")
    raw = read_raw_records(rig.bootstrap, dlq, 2)
    assert [dict(r.headers)["dlq.event_id"] for r in raw] == [events[1].id.encode()] * 2
    (letter,) = read_dead_letters(rig.bootstrap, [topic], group)
    assert letter.event_id == events[1].id
    assert applied_counts(rig.engine) == {events[0].id: 1, events[2].id: 1}
    assert second.popen.poll() is None


def test_the_inbox_forgets_rows_older_than_the_retention(rig: SampleRig) -> None:
    topic = rig.topic("kit.prune", partitions=1, dead_letters=True)
    publish(rig.bootstrap, topic, [make_event("P", n) for n in range(5)])
    runner = rig.runner(spec_for(topic, f"{topic}.g"))
    runner.run(max_idle_polls=4)
    assert runner.prune_inbox() == 0
    assert len(outcomes(rig.engine)) == 5
    assert runner.prune_inbox(now=datetime.now(UTC) + timedelta(days=8)) == 5
    assert outcomes(rig.engine) == {}


def test_the_dlq_command_lists_and_replays_by_type_and_time(rig: SampleRig) -> None:
    topic = rig.topic("kit.dlqcli", partitions=1, dead_letters=True)
    spec = spec_for(topic, f"{topic}.g")
    poison = [make_event(f"X{n}", 0, poison=True) for n in range(3)]
    publish(rig.bootstrap, topic, poison)
    rig.runner(spec).run(max_idle_polls=4)
    factory = make_session_factory(rig.engine)
    parser = argparse.ArgumentParser()
    add_dlq_commands(parser.add_subparsers(dest="command"))

    def run(*argv: str) -> tuple[int, list[dict[str, object]]]:
        out = io.StringIO()
        code = run_dlq_command(parser.parse_args(argv), spec, factory, rig.bootstrap, out)
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
    with rig.engine.begin() as conn:
        conn.execute(insert(fixes).values(id=1))
    code, replayed = run("dlq", "replay", "--json", "--type", poison[0].type)
    assert code == 0
    assert {row["outcome"] for row in replayed} == {"applied"}
    assert run("dlq", "replay", "--json")[1] == [
        {"event_id": e["event_id"], "outcome": "skipped", "error": None} for e in replayed
    ]
    assert applied_counts(rig.engine) == {e.id: 1 for e in poison}
