"""Throw the read model away and build it again from the topics.

Stop the running consumer first: the rebuild reads as the same consumer group,
from the beginning of every partition, until it has caught up.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import Engine, delete

from dagkit.consumer import ConsumerRunner, ConsumerSpec
from dagkit.db import make_session_factory, transaction
from dagkit.kafka import make_consumer, make_producer
from search.adapters.orm import (
    institutions,
    kit_tables,
    municipality_statistics,
    national_figures,
    profiles,
)
from search.service_layer.handlers import CONSUMER, bump_generation

log = logging.getLogger(__name__)
READ_MODEL = (institutions, profiles, municipality_statistics, national_figures)


def consumer_spec(topics: Sequence[str] | None = None, group: str | None = None) -> ConsumerSpec:
    """The read model's consumer, on other topics or as another group (tests, bench)."""
    return replace(
        CONSUMER,
        topics=tuple(topics) if topics is not None else CONSUMER.topics,
        group=group or CONSUMER.group,
    )


def drop_read_model(engine: Engine, group: str = CONSUMER.group) -> None:
    with transaction(make_session_factory(engine)) as session:
        for table in READ_MODEL:
            session.execute(delete(table))
        bump_generation(session)
        # What the group has seen goes too, or the replay would be skipped.
        for table in (kit_tables.inbox, kit_tables.aggregate_versions):
            session.execute(delete(table).where(table.c.consumer_group == group))


def replay(
    engine: Engine,
    bootstrap: str,
    *,
    topics: Sequence[str] = CONSUMER.topics,
    group: str = CONSUMER.group,
    max_batch: int = 500,
) -> None:
    """Read every topic from its beginning until caught up."""
    runner = ConsumerRunner.from_spec(
        consumer_spec(topics, group),
        session_factory=make_session_factory(engine),
        consumer=make_consumer(bootstrap, group, "search-rebuild"),
        dlq_producer=make_producer(bootstrap, "search-rebuild-dlq"),
        from_beginning=True,
        max_batch=max_batch,
    )
    runner.run(until_caught_up=True)


def rebuild(
    engine: Engine,
    bootstrap: str,
    *,
    topics: Sequence[str] = CONSUMER.topics,
    group: str = CONSUMER.group,
) -> None:
    drop_read_model(engine, group)
    replay(engine, bootstrap, topics=topics, group=group)
    log.info("read model rebuilt", extra={"topics": list(topics)})
