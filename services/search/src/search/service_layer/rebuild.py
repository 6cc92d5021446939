"""Throw the read model away and build it again from the topics.

Stop the running consumer first: the rebuild reads as the same consumer group,
from the beginning of every partition, until it has caught up.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import Engine, delete

from dagkit.consumer import ConsumerRunner
from dagkit.db import make_session_factory, transaction
from dagkit.kafka import make_consumer, make_producer
from search.adapters.orm import (
    institutions,
    kit_tables,
    municipality_statistics,
    national_figures,
    profiles,
)
from search.service_layer.handlers import CONSUMER_GROUP, HANDLERS, TOPICS, bump_generation

log = logging.getLogger(__name__)
READ_MODEL = (institutions, profiles, municipality_statistics, national_figures)


def drop_read_model(engine: Engine, group: str = CONSUMER_GROUP) -> None:
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
    topics: Sequence[str] = TOPICS,
    group: str = CONSUMER_GROUP,
) -> None:
    """Read every topic from its beginning until caught up."""
    runner = ConsumerRunner(
        group=group,
        topics=topics,
        handlers=HANDLERS,
        session_factory=make_session_factory(engine),
        tables=kit_tables,
        consumer=make_consumer(bootstrap, group, "search-rebuild"),
        dlq_producer=make_producer(bootstrap, "search-rebuild-dlq"),
        from_beginning=True,
        batch_transactions=True,
    )
    runner.run(until_caught_up=True)


def rebuild(
    engine: Engine,
    bootstrap: str,
    *,
    topics: Sequence[str] = TOPICS,
    group: str = CONSUMER_GROUP,
) -> None:
    drop_read_model(engine, group)
    replay(engine, bootstrap, topics=topics, group=group)
    log.info("read model rebuilt", extra={"topics": list(topics)})
