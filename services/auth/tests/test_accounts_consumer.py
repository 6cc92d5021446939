"""The accounts consumer end to end, on real Kafka and PostgreSQL: the
register's events on a fresh topic become institution accounts within
seconds, a closed institution's account is disabled and its sessions end,
each change reaches the outbox as an auth.accounts.v1 event in the same
transaction, and a redelivered event changes nothing."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Engine, func, select

from auth.adapters.orm import accounts, kit_tables, refresh_tokens
from auth.domain.sessions import refresh_token_for
from auth.entrypoints.migrate import SERVICE_ROOT
from auth.service_layer.handlers import consumer_spec
from auth.service_layer.unit_of_work import SqlAuthUnitOfWork
from dagkit.consumer import ConsumerRunner
from dagkit.db import make_engine, make_session_factory
from dagkit.envelope import Envelope
from dagkit.kafka import dead_letter_topic, ensure_topics, make_consumer, make_producer
from dagkit.migrations import upgrade
from dagkit.testing.events import publish
from dagkit.testing.procs import wait_for
from dagtilbud_contracts import account as account_contract
from dagtilbud_contracts import institution
from dagtilbud_contracts.examples import load_examples
from dagtilbud_contracts.registry import new_event, validate_event

WITHIN = 20.0  # seconds; a running consumer applies a poll's events in well under one


@pytest.fixture
def auth_engine(pg_database: str) -> Iterator[Engine]:
    upgrade(SERVICE_ROOT, pg_database)
    engine = make_engine(pg_database)
    yield engine
    engine.dispose()


def institution_event(
    number: str, name: str, municipality: int, version: int, *, closed: bool = False
) -> Envelope:
    [(_, example)] = load_examples(institution.REGISTERED)
    data: dict[str, Any] = copy.deepcopy(example["data"])
    data.update(institution_number=number, name=name, municipality_code=municipality)
    if closed:
        data.update(status="closed", closed_on=date(2026, 11, 30).isoformat())
    event_type = institution.CLOSED if closed else institution.REGISTERED
    return new_event(event_type, data, aggregate_version=version)


def account_row(engine: Engine, number: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(accounts).where(accounts.c.institution_number == number)).first()


def outbox_events(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    outbox = kit_tables.outbox
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.topic, outbox.c.payload).order_by(outbox.c.id)).all()
    return [(row.topic, json.loads(row.payload)) for row in rows]


def inbox_outcomes(engine: Engine, group: str) -> dict[str, str]:
    inbox = kit_tables.inbox
    with engine.connect() as conn:
        rows = conn.execute(
            select(inbox.c.event_id, inbox.c.outcome).where(inbox.c.consumer_group == group)
        ).all()
    return {row.event_id: row.outcome for row in rows}


@pytest.fixture
def running_consumer(
    auth_engine: Engine, kafka_bootstrap: str, new_topic: Callable[..., str]
) -> Iterator[tuple[str, str]]:
    """The accounts consumer, as its process runs it, on a fresh register
    topic; yields (topic, group)."""
    topic = new_topic("auth.institutions")
    ensure_topics(kafka_bootstrap, [dead_letter_topic(topic)])
    spec = consumer_spec((topic,), f"{topic}.accounts")
    runner = ConsumerRunner.from_spec(
        spec,
        session_factory=make_session_factory(auth_engine),
        consumer=make_consumer(kafka_bootstrap, spec.group, "auth-accounts-test"),
        dlq_producer=make_producer(kafka_bootstrap, "auth-accounts-test-dlq"),
    )
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        yield topic, spec.group
    finally:
        runner.stop()
        thread.join(30)
    assert not thread.is_alive()


def test_register_events_become_accounts_and_a_closing_disables_one(
    auth_engine: Engine, kafka_bootstrap: str, running_consumer: tuple[str, str]
) -> None:
    topic, group = running_consumer
    enghusene = institution_event("G30580", "Enghusene", 101, 1)
    solsikken = institution_event("G30581", "Solsikken", 101, 1)

    started = time.monotonic()
    publish(kafka_bootstrap, topic, [enghusene, solsikken])
    wait_for(
        lambda: (
            account_row(auth_engine, "G30580") is not None
            and account_row(auth_engine, "G30581") is not None
        ),
        timeout=WITHIN,
        what="the institution accounts",
    )
    assert time.monotonic() - started < WITHIN

    created = account_row(auth_engine, "G30580")
    assert created.username == "G30580"
    assert created.role == "institution"
    assert created.status == "active"
    assert created.password_hash is None
    assert created.municipality_code == 101
    assert created.display_name == "Enghusene"

    # Two sessions, as if a letter had been issued and the institution logged in.
    with SqlAuthUnitOfWork(make_session_factory(auth_engine)) as work:
        for family in ("browser", "phone"):
            _, token = refresh_token_for(
                created.account_id, family, datetime.now(UTC), timedelta(days=30)
            )
            work.refresh_tokens.add(token)
        work.commit()

    publish(kafka_bootstrap, topic, [institution_event("G30580", "Enghusene", 101, 2, closed=True)])
    wait_for(
        lambda: account_row(auth_engine, "G30580").status == "disabled",
        timeout=WITHIN,
        what="the closed institution's account disabled",
    )
    disabled = account_row(auth_engine, "G30580")
    assert disabled.version == created.version + 1
    assert account_row(auth_engine, "G30581").status == "active"
    with auth_engine.connect() as conn:
        live = conn.execute(
            select(func.count())
            .select_from(refresh_tokens)
            .where(
                refresh_tokens.c.account_id == created.account_id,
                refresh_tokens.c.revoked_at.is_(None),
            )
        ).scalar_one()
    assert live == 0

    events = outbox_events(auth_engine)
    assert {t for t, _ in events} == {"auth.accounts.v1"}
    by_subject: dict[str, list[str]] = {}
    for _, event in events:
        validate_event(event)
        by_subject.setdefault(event["subject"], []).append(event["type"])
        assert "password" not in json.dumps(event["data"])
    assert by_subject[created.account_id] == [account_contract.CREATED, account_contract.DISABLED]
    assert by_subject[account_row(auth_engine, "G30581").account_id] == [account_contract.CREATED]
    disabled_event = events[-1][1]
    assert disabled_event["data"]["status"] == "disabled"
    assert disabled_event["aggregateversion"] == disabled.version

    outcomes = inbox_outcomes(auth_engine, group)
    assert len(outcomes) == 3
    assert set(outcomes.values()) == {"applied"}

    # A redelivery (the same event again) is seen as one and changes nothing.
    publish(kafka_bootstrap, topic, [enghusene])
    wait_for(
        lambda: consumed(group, topic, "duplicate") == 1,
        timeout=WITHIN,
        what="the redelivery seen",
    )
    assert inbox_outcomes(auth_engine, group) == outcomes
    assert account_row(auth_engine, "G30580").status == "disabled"
    assert len(outbox_events(auth_engine)) == len(events)


def consumed(group: str, topic: str, outcome: str) -> float:
    """The consumer's count of events with ``outcome`` (its metric)."""
    value = REGISTRY.get_sample_value(
        "consumer_events_total", {"group": group, "topic": topic, "outcome": outcome}
    )
    return value or 0.0
