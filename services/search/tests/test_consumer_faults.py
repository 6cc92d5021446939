"""The read model's consumer against what a broken producer can send: events
that break their contract go to the dead-letter topic at once, without holding
back the real changes queued behind them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from dagkit.consumer import ConsumerRunner
from dagkit.db import make_session_factory
from dagkit.dlq import read_dead_letters
from dagkit.kafka import dead_letter_topic, ensure_topics, make_consumer, make_producer
from dagtilbud_contracts.registry import new_event
from search.adapters.orm import institutions
from search.service_layer.rebuild import consumer_spec
from search.testing.events import institution_events, publish


@pytest.mark.slow
def test_contract_breaking_events_do_not_hold_back_a_real_change(
    search_engine: Engine, kafka_bootstrap: str, new_topic: Callable[..., str]
) -> None:
    register = new_topic("search.burst", partitions=1)
    others = [new_topic("search.burst.stats"), new_topic("search.burst.profiles")]
    topics = [register, *others]
    ensure_topics(kafka_bootstrap, [dead_letter_topic(t) for t in topics])
    spec = consumer_spec(topics, f"{register}.g")
    runner = ConsumerRunner.from_spec(
        spec,
        session_factory=make_session_factory(search_engine),
        consumer=make_consumer(kafka_bootstrap, spec.group, "search-burst"),
        dlq_producer=make_producer(kafka_bootstrap, "search-burst-dlq"),
    )
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        samples = institution_events(limit=150)
        broken = []
        for n, event in enumerate(samples):
            data = dict(event.data)
            if n % 2:
                del data["kind"]
            else:
                data["municipality_code"] = 999
            broken.append(
                new_event(
                    "dk.dagtilbud.institution.registered.v1",
                    data,
                    aggregate_version=1,
                    validate=False,
                )
            )
        [change] = institution_events(limit=151)[150:]
        started = time.monotonic()
        publish(kafka_bootstrap, register, [*broken, change])

        def visible() -> bool:
            with search_engine.connect() as conn:
                return (
                    conn.execute(
                        select(institutions.c.name).where(institutions.c.number == change.subject)
                    ).first()
                    is not None
                )

        while not visible():
            assert time.monotonic() - started < 15, "the real change did not arrive"
            time.sleep(0.1)
        assert time.monotonic() - started < 10
        with search_engine.connect() as conn:
            assert len(conn.execute(select(institutions.c.number)).all()) == 1
        letters = read_dead_letters(kafka_bootstrap, topics, spec.group)
        assert {letter.event_id for letter in letters} == {e.id for e in broken}
        errors = " ".join(letter.error for letter in letters)
        assert "kind" in errors
        assert "municipality_code" in errors
        assert thread.is_alive()
    finally:
        runner.stop()
        thread.join(30)
