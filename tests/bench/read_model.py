"""Search read model: how fast the search consumer applies the national events
from the beginning of the topics, against kafka-python merely reading the same
records; a full rebuild; and how long after a national import is accepted its
last institution shows up on /v1/search. Each on PostgreSQL and on SQLite."""

from __future__ import annotations

import csv
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from dagkit.consumer import ConsumerRunner
from dagkit.db import make_engine, make_session_factory
from dagkit.kafka import dead_letter_topic, ensure_topics, make_consumer, make_producer
from dagkit.migrations import upgrade
from dagkit.relay import OutboxRelay, relay_producer
from ingest.adapters.orm import kit_tables as ingest_kit_tables
from ingest.bootstrap import build_context
from ingest.config import load_settings as load_ingest_settings
from ingest.service_layer import importing
from search.adapters.orm import institutions, municipality_statistics, profiles
from search.app import create_app
from search.bootstrap import context
from search.config import load_settings as load_search_settings
from search.domain.geo import haversine_m
from search.service_layer.rebuild import consumer_spec, rebuild, replay
from search.testing.events import (
    generated_profile_events,
    institution_events,
    publish,
    statistics_events,
)
from tests.bench.kit_roundtrip import fresh_database
from tests.tools.services import ROOT

SEARCH_ROOT = ROOT / "services" / "search"
INGEST_ROOT = ROOT / "services" / "ingest"
REGISTER = ROOT / "data" / "dagtilbud_enheder_dk.csv"
RAW_ROUNDS = 5
APPLY_TARGET = {"PostgreSQL": 3_000, "SQLite": 5_000}  # events/s
RATIO_TARGET = 0.25  # of the raw consume rate
REBUILD_TARGET = 3.0  # seconds
VISIBLE_TARGET = 2.0  # seconds from "accepted" to the last event on /v1/search
VISIBLE_TIMEOUT = 60.0
POLL_SECONDS = 0.02
# A search whose total counts what the import added within 50 km of 2400.
SEARCH_PATH = "/v1/search?q=2400&radius_km=50&limit=1"
RADIUS_M = 50_000


@contextmanager
def sqlite_database(name: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench-read-model-") as directory:
        yield f"sqlite:///{Path(directory) / name}.sqlite3"


BACKENDS: dict[str, Callable[[str], Any]] = {
    "PostgreSQL": lambda _name: fresh_database(),
    "SQLite": sqlite_database,
}


# ---------------------------------------------------------------- 1. raw rate
def raw_consume_seconds(bootstrap: str, topics: Sequence[str], expected: int) -> float:
    """kafka-python alone, configured as the read model's consumer is
    (``dagkit.kafka.make_consumer``, a new group, subscribed, from the
    beginning), until all ``expected`` records are in hand, undecoded. Timed
    like a replay: from creating the consumer, so joining the group counts on
    both sides and the ratio is what the read model's own work costs."""
    started = time.perf_counter()
    consumer = make_consumer(bootstrap, f"bench.raw.{uuid.uuid4().hex[:8]}", "bench-raw")
    try:
        consumer.subscribe(list(topics))
        read = 0
        while read < expected:
            for records in consumer.poll(timeout_ms=500).values():
                read += len(records)
        return time.perf_counter() - started
    finally:
        consumer.close(autocommit=False)


# ------------------------------------------------------- 2 + 3. replay, rebuild
def read_model_counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(institutions)).scalar_one(),
            conn.execute(select(func.count()).select_from(profiles)).scalar_one(),
            conn.execute(select(func.count()).select_from(municipality_statistics)).scalar_one(),
        )


def replay_and_rebuild(
    url: str, bootstrap: str, topics: Sequence[str], group: str
) -> tuple[float, float, tuple[int, int, int], tuple[int, int, int]]:
    upgrade(SEARCH_ROOT, url)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        replay(engine, bootstrap, topics=topics, group=group)
        replay_seconds = time.perf_counter() - started
        replayed = read_model_counts(engine)
        started = time.perf_counter()
        rebuild(engine, bootstrap, topics=topics, group=group)
        rebuild_seconds = time.perf_counter() - started
        rebuilt = read_model_counts(engine)
    finally:
        engine.dispose()
    return replay_seconds, rebuild_seconds, replayed, rebuilt


# ------------------------------------------------- 4. accepted -> searchable
def register_points() -> list[tuple[float, float]]:
    with REGISTER.open(encoding="utf-8") as fh:
        return [(float(row["lat"]), float(row["lon"])) for row in csv.DictReader(fh)]


class Worker(threading.Thread):
    """A loop (relay or consumer) in a thread; keeps what ended it, if anything."""

    def __init__(self, name: str, target: Callable[[], None]) -> None:
        super().__init__(name=name, daemon=True)
        self._work = target
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._work()
        except BaseException as exc:
            self.error = exc


def wait_for_positions(runner: ConsumerRunner, partitions: int, timeout: float = 30.0) -> None:
    """Until the group has handed the runner every partition and each has its
    "latest" position: only then is nothing the import publishes skipped.
    (The subscription state is the consumer's own, read under its lock.)"""
    subscription = runner.consumer._subscription
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (
            len(subscription.assigned_partitions()) == partitions
            and subscription.has_all_fetch_positions()
        ):
            return
        time.sleep(0.01)
    raise RuntimeError("the search consumer got no partitions and positions within 30 s")


def import_visible_seconds(
    ingest_url: str, search_url: str, bootstrap: str, data_dir: str, redis_url: str
) -> tuple[float | None, str, int]:
    """Seconds from the national register import being accepted to every one of
    its institutions being in the read model and counted by /v1/search (None if
    not within VISIBLE_TIMEOUT); the import's status; the expected total."""
    upgrade(INGEST_ROOT, ingest_url)
    upgrade(SEARCH_ROOT, search_url)
    spec = consumer_spec(group=f"bench.visible.{uuid.uuid4().hex[:8]}")
    # The real topics (ingest's relay publishes there); they may hold older
    # events, which a new group reading from "latest" never sees.
    ensure_topics(bootstrap, [*spec.topics, *(dead_letter_topic(t) for t in spec.topics)])
    search_engine = make_engine(search_url)
    ingest_engine = make_engine(ingest_url)
    runner = ConsumerRunner.from_spec(
        spec,
        session_factory=make_session_factory(search_engine),
        consumer=make_consumer(bootstrap, spec.group, "bench-search", auto_offset_reset="latest"),
        dlq_producer=make_producer(bootstrap, "bench-search-dlq"),
    )
    relay = OutboxRelay(
        ingest_engine,
        ingest_kit_tables.outbox,
        relay_producer(bootstrap, "bench-relay"),
        service="ingest",
    )
    ctx = build_context(
        load_ingest_settings({"DATABASE_URL": ingest_url, "DATA_DIR": data_dir}),
        engine=ingest_engine,
    )
    app = create_app(
        load_search_settings(
            {
                "DATABASE_URL": search_url,
                "DATA_DIR": data_dir,
                "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "REDIS_URL": redis_url,
                "LOG_LEVEL": "WARNING",
            }
        )
    )
    client = app.test_client()
    empty = client.get(SEARCH_PATH).get_json()  # also geocodes 2400 and warms the app
    lat, lon = empty["point"]["lat"], empty["point"]["lon"]
    points = register_points()
    expected = sum(1 for p in points if haversine_m(lat, lon, *p) <= RADIUS_M)
    consumer_thread = Worker("bench-search-consumer", runner.run)
    relay_thread = Worker("bench-ingest-relay", relay.run)
    elapsed: float | None = None
    status = "?"
    # Asked before the consumer's thread starts: the client is not thread-safe.
    partitions = sum(len(runner.consumer.partitions_for_topic(t) or ()) for t in spec.topics)
    try:
        consumer_thread.start()
        relay_thread.start()
        wait_for_positions(runner, partitions)
        run = importing.import_file(ctx, REGISTER, channel="cli", requested_by="bench")
        status = run.status.value
        accepted = time.perf_counter()
        if status != "accepted":
            return None, status, expected
        while time.perf_counter() - accepted < VISIBLE_TIMEOUT:
            for worker in (consumer_thread, relay_thread):
                if worker.error is not None:
                    raise RuntimeError(f"{worker.name} failed") from worker.error
            # The cheap check first: the search itself only once the rows are in.
            if read_model_counts(search_engine)[0] >= len(points):
                answer = client.get(SEARCH_PATH).get_json()
                if answer["total"] == expected:
                    elapsed = time.perf_counter() - accepted
                    break
            time.sleep(POLL_SECONDS)
    finally:
        runner.stop()
        relay.stop()
        consumer_thread.join(30)
        relay_thread.join(30)
        runner.dlq_producer.close()
        relay.producer.close()
        context(app).close()
        search_engine.dispose()
        ingest_engine.dispose()
    return elapsed, status, expected


# -------------------------------------------------------------------- run
def run() -> dict[str, bool]:
    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1")
    suffix = uuid.uuid4().hex[:8]
    topics = [
        f"bench.rm.institutions.{suffix}",
        f"bench.rm.statistics.{suffix}",
        f"bench.rm.profiles.{suffix}",
    ]
    ensure_topics(bootstrap, [*topics, *(dead_letter_topic(t) for t in topics)])
    register = institution_events()
    figures = statistics_events()
    profile_events = generated_profile_events([e.subject for e in register[::3]])
    publish(bootstrap, topics[0], register)
    publish(bootstrap, topics[1], figures)
    publish(bootstrap, topics[2], profile_events)
    events = len(register) + len(figures) + len(profile_events)
    wanted = (len(register), len(profile_events), len(figures))

    raw_rounds = [raw_consume_seconds(bootstrap, topics, events) for _ in range(RAW_ROUNDS)]
    raw_rate = events / statistics.median(raw_rounds)

    applied: dict[str, tuple[float, float, tuple[int, int, int], tuple[int, int, int]]] = {}
    for backend, database in BACKENDS.items():
        with database("search") as url:
            group = f"bench.rm.{backend.lower()}.{suffix}"
            applied[backend] = replay_and_rebuild(url, bootstrap, topics, group)

    visible: dict[str, tuple[float | None, str, int]] = {}
    for backend, database in BACKENDS.items():
        with (
            database("ingest") as ingest_url,
            database("search") as search_url,
            tempfile.TemporaryDirectory() as data_dir,
        ):
            visible[backend] = import_visible_seconds(
                ingest_url, search_url, bootstrap, data_dir, redis_url
            )

    print("== read model ==")
    print(
        f"events: {events:,} ({len(register):,} institutions, {len(figures)} statistics,"
        f" {len(profile_events):,} profiles) on 3 fresh topics"
    )
    print(
        f"raw kafka-python consume, same topics and consumer settings, new group, no decoding:"
        f" {raw_rate:,.0f} events/s"
        f"  (median of {', '.join(f'{events / s:,.0f}' for s in raw_rounds)}; baseline)"
    )
    results: dict[str, bool] = {}
    for backend, (replay_s, rebuild_s, replayed, rebuilt) in applied.items():
        rate = events / replay_s
        ratio = rate / raw_rate
        complete = replayed == wanted and rebuilt == wanted
        note = "" if complete else f"  READ MODEL INCOMPLETE: {replayed} / {rebuilt} of {wanted}"
        print(
            f"{backend}: search consumer replay from the beginning: {replay_s:.2f} s ="
            f" {rate:,.0f} events/s, {ratio:.0%} of raw"
            f"  (targets >= {APPLY_TARGET[backend]:,} events/s, >= {RATIO_TARGET:.0%} of raw){note}"
        )
        print(
            f"{backend}: full rebuild (drop + replay): {rebuild_s:.2f} s"
            f"  (target < {REBUILD_TARGET:.0f} s)"
        )
        results[f"read model apply >= {APPLY_TARGET[backend]:,} events/s ({backend})"] = (
            rate >= APPLY_TARGET[backend] and complete
        )
        results[f"read model apply >= {RATIO_TARGET:.0%} of raw consume ({backend})"] = (
            ratio >= RATIO_TARGET and complete
        )
        results[f"read model rebuild < {REBUILD_TARGET:.0f} s ({backend})"] = (
            rebuild_s < REBUILD_TARGET and complete
        )
    for backend, (seconds, status, expected) in visible.items():
        shown = f"{seconds:.2f} s" if seconds is not None else f"not within {VISIBLE_TIMEOUT:.0f} s"
        print(
            f"{backend}: national import accepted -> last event on /v1/search"
            f" (4,611 in the read model, {SEARCH_PATH} total {expected:,}): {shown}"
            f"  [{status}]  (target < {VISIBLE_TARGET:.0f} s)"
        )
        results[f"import visible in search < {VISIBLE_TARGET:.0f} s ({backend})"] = (
            seconds is not None and seconds < VISIBLE_TARGET
        )
    return results
