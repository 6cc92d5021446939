"""The read model is built only from events, idempotently, and can be thrown
away and rebuilt: replaying every topic twice gives what replaying once gives."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from dagkit.db import make_engine
from dagkit.kafka import dead_letter_topic, ensure_topics
from dagkit.migrations import upgrade
from dagkit.testing.fixtures import temporary_database
from dagtilbud_contracts.registry import new_event
from search.adapters.orm import institutions, municipality_statistics, national_figures, profiles
from search.service_layer.rebuild import rebuild, replay
from search.testing.events import (
    SERVICE_ROOT,
    institution_events,
    profile_events,
    publish,
    statistics_events,
)


@pytest.fixture
def topics(new_topic: Callable[..., str], kafka_bootstrap: str) -> list[str]:
    names = [
        new_topic("search.institutions"),
        new_topic("search.statistics"),
        new_topic("search.profiles"),
    ]
    ensure_topics(kafka_bootstrap, [dead_letter_topic(t) for t in names])
    return names


@pytest.mark.slow
def test_replaying_every_topic_twice_gives_the_same_read_model_as_once(
    search_engine: Engine, kafka_bootstrap: str, topics: list[str]
) -> None:
    register, stats, profile_topic = topics
    publish(kafka_bootstrap, register, institution_events(limit=800))
    publish(kafka_bootstrap, stats, statistics_events())
    publish(kafka_bootstrap, profile_topic, profile_events())
    group = f"{register}.group"

    rebuild(search_engine, kafka_bootstrap, topics=topics, group=group)
    once = snapshot(search_engine)
    assert len(once["institutions"]) == 800
    assert len(once["municipality_statistics"]) == 98
    assert once["profiles"]
    assert once["national_figures"]

    # Replaying without dropping: everything is a duplicate.
    replay(search_engine, kafka_bootstrap, topics=topics, group=group)
    assert snapshot(search_engine) == once
    # Dropping and rebuilding again gives the same model.
    rebuild(search_engine, kafka_bootstrap, topics=topics, group=group)
    assert snapshot(search_engine) == once


@pytest.mark.slow
def test_a_newer_version_replaces_and_a_stale_one_is_dropped(
    search_engine: Engine, kafka_bootstrap: str, topics: list[str]
) -> None:
    register = topics[0]
    [first] = institution_events(limit=1)
    renamed = first.data | {"name": "Nyt Navn Børnehus"}
    from dagtilbud_contracts.registry import new_event

    newer = new_event("dk.dagtilbud.institution.updated.v1", renamed, aggregate_version=2)
    older = new_event(
        "dk.dagtilbud.institution.updated.v1",
        first.data | {"name": "Gammelt Navn"},
        aggregate_version=1,
    )
    publish(kafka_bootstrap, register, [first, newer, older])
    rebuild(search_engine, kafka_bootstrap, topics=topics, group=f"{register}.g")
    with search_engine.connect() as conn:
        name, folded = conn.execute(select(institutions.c.name, institutions.c.name_folded)).one()
    assert name == "Nyt Navn Børnehus"
    assert folded == "nyt navn boernehus"


@pytest.mark.slow
def test_profiles_feed_the_filters_and_statistics_the_national_figures(
    search_engine: Engine, kafka_bootstrap: str, topics: list[str]
) -> None:
    publish(kafka_bootstrap, topics[1], statistics_events())
    publish(kafka_bootstrap, topics[2], profile_events())
    rebuild(search_engine, kafka_bootstrap, topics=topics, group=f"{topics[0]}.g")
    with search_engine.connect() as conn:
        rows = conn.execute(
            select(profiles.c.opens_latest, profiles.c.closes_earliest, profiles.c.meal_offered)
        ).all()
        national = {(r.indicator, r.year): r for r in conn.execute(select(national_figures))}
    assert any(r.opens_latest is not None for r in rows)
    normering = national[("normering_3_5", 2023)]
    assert normering.method == "weighted_by_children"
    assert normering.municipalities >= 90  # a few counts are suppressed
    assert 5.0 < normering.value < 7.0
    # Before 2023 no child counts are shipped: the unweighted mean.
    assert national[("normering_3_5", 2017)].method == "unweighted_mean_of_municipalities"
    assert national[("antal_boern", 2023)].method == "sum_of_municipalities"


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """The read model's content, without the times rows were written."""
    out = {}
    with engine.connect() as conn:
        for table in (institutions, profiles, municipality_statistics, national_figures):
            columns = [c for c in table.c if c.name != "updated_at"]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(str(v) for v in row) for row in rows]
    return out


def read_model_hash(engine: Engine) -> str:
    """A stable hash of the read model's tables (without the times rows were written)."""
    return hashlib.sha256(json.dumps(snapshot(engine), sort_keys=True).encode()).hexdigest()


@pytest.mark.slow
def test_event_by_event_in_batches_and_rebuilt_give_the_same_read_model(
    kafka_bootstrap: str, topics: list[str], postgres_url: str, tmp_path: Path
) -> None:
    register, stats, profile_topic = topics
    events = institution_events(limit=600)
    # Later versions of some institutions in the same stream, so a batch holds
    # several states of one aggregate and must keep the newest.
    renamed = [
        new_event(
            "dk.dagtilbud.institution.updated.v1",
            e.data | {"name": e.data["name"] + " (ny)"},
            aggregate_version=2,
        )
        for e in events[::7]
    ]
    publish(kafka_bootstrap, register, events[:300] + renamed + events[300:])
    publish(kafka_bootstrap, stats, statistics_events())
    publish(kafka_bootstrap, profile_topic, profile_events())
    hashes = {}
    for how, max_batch in (("event by event", 1), ("in batches", 500)):
        with temporary_database(postgres_url) as url:
            upgrade(SERVICE_ROOT, url)
            engine = make_engine(url)
            replay(
                engine,
                kafka_bootstrap,
                topics=topics,
                group=f"{register}.{max_batch}",
                max_batch=max_batch,
            )
            hashes[how] = read_model_hash(engine)
            engine.dispose()
    # The embedded default writes through another path (the driver's executemany).
    sqlite_url = f"sqlite:///{tmp_path / 'search.sqlite3'}"
    upgrade(SERVICE_ROOT, sqlite_url)
    engine = make_engine(sqlite_url)
    replay(engine, kafka_bootstrap, topics=topics, group=f"{register}.sqlite")
    hashes["in batches on SQLite"] = read_model_hash(engine)
    engine.dispose()
    with temporary_database(postgres_url) as url:
        upgrade(SERVICE_ROOT, url)
        engine = make_engine(url)
        rebuild(engine, kafka_bootstrap, topics=topics, group=f"{register}.rebuild")
        hashes["rebuilt"] = read_model_hash(engine)
        with engine.connect() as conn:
            rows = conn.execute(select(institutions.c.number, institutions.c.name))
            names = {number: name for number, name in rows}
        engine.dispose()
    assert len(set(hashes.values())) == 1, hashes
    assert names[events[7].subject].endswith(" (ny)")
