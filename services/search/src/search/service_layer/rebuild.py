"""Throw the read model away and build it again from the topics.

Stop the running consumer first: the rebuild reads as the same consumer group,
from the beginning of every partition, until it has caught up.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import Engine

from dagkit.consumer import ConsumerRunner, ConsumerSpec
from dagkit.db import make_session_factory
from dagkit.kafka import make_consumer, make_producer
from search.service_layer.handlers import CONSUMER
from search.service_layer.unit_of_work import SqlSearchUnitOfWork

log = logging.getLogger(__name__)


def consumer_spec(topics: Sequence[str] | None = None, group: str | None = None) -> ConsumerSpec:
    """The read model's consumer, on other topics or as another group (tests, bench)."""
    return replace(
        CONSUMER,
        topics=tuple(topics) if topics is not None else CONSUMER.topics,
        group=group or CONSUMER.group,
    )


def drop_read_model(engine: Engine, group: str = CONSUMER.group) -> None:
    with SqlSearchUnitOfWork(make_session_factory(engine)) as uow:
        uow.read_model.clear()
        uow.read_model.bump_generation()
        # What the group has seen goes too, or the replay would be skipped.
        uow.read_model.forget_consumer_group(group)
        uow.commit()


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
