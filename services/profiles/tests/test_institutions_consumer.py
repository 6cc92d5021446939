"""The register consumer end to end on real Kafka and PostgreSQL: register
events on a fresh topic make institutions editable, a re-registration moves
one to its new municipality, a closing makes it read-only, a redelivered
event changes nothing, and an event that breaks the contract is dead-lettered
while the rest flows."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dagkit.consumer import ConsumerRunner
from dagkit.db import make_session_factory
from dagkit.envelope import Envelope
from dagkit.kafka import dead_letter_topic, ensure_topics, make_consumer, make_producer
from dagkit.testing.events import publish, read_raw_records
from dagkit.testing.procs import wait_for
from profiles.bootstrap import context
from profiles.service_layer.handlers import consumer_spec
from profiles.testing.builders import register_event

WITHIN = 20.0
Who = Callable[[str], dict[str, str]]


@pytest.fixture
def register_topic(
    app: Flask, kafka_bootstrap: str, new_topic: Callable[..., str]
) -> Iterator[str]:
    """The profiles consumer, as its process runs it, on a fresh register topic."""
    topic = new_topic("profiles.institutions")
    ensure_topics(kafka_bootstrap, [dead_letter_topic(topic)])
    spec = consumer_spec((topic,), f"{topic}.profiles")
    engine = context(app).engine
    assert engine is not None
    runner = ConsumerRunner.from_spec(
        spec,
        session_factory=make_session_factory(engine),
        consumer=make_consumer(kafka_bootstrap, spec.group, "profiles-test"),
        dlq_producer=make_producer(kafka_bootstrap, "profiles-test-dlq"),
    )
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        yield topic
    finally:
        runner.stop()
        thread.join(30)
    assert not thread.is_alive()


def status(client: FlaskClient, path: str, who: dict[str, str], body: dict[str, object]) -> int:
    etag = client.get(path).headers.get("ETag", '"0"')
    return client.patch(path, json=body, headers={**who, "If-Match": etag}).status_code


def test_the_register_decides_what_can_be_edited_and_by_whom(
    client: FlaskClient, as_who: Who, kafka_bootstrap: str, register_topic: str
) -> None:
    path = "/v1/institutions/G10433/profile"
    publish(kafka_bootstrap, register_topic, [register_event("G10433", municipality_code=101)])
    wait_for(lambda: client.get(path).status_code == 200, timeout=WITHIN, what="the institution")
    assert status(client, path, as_who("kommune"), {"description": "a"}) == 200

    moved = register_event("G10433", version=2, municipality_code=147)
    publish(kafka_bootstrap, register_topic, [moved, moved])  # the second is a redelivery
    wait_for(
        lambda: client.get(path).get_json()["municipality_code"] == 147,
        timeout=WITHIN,
        what="the move",
    )
    assert status(client, path, as_who("kommune"), {"description": "b"}) == 403
    assert status(client, path, as_who("elsewhere"), {"description": "b"}) == 200

    publish(
        kafka_bootstrap,
        register_topic,
        [register_event("G10433", version=3, municipality_code=147, closed=True)],
    )
    wait_for(lambda: client.get(path).get_json()["read_only"], timeout=WITHIN, what="the closing")
    assert status(client, path, as_who("admin"), {"description": "c"}) == 409
    assert client.get(path).get_json()["description"] == "b"  # kept, read-only


def test_an_event_that_breaks_the_contract_is_dead_lettered_and_the_rest_flows(
    client: FlaskClient, kafka_bootstrap: str, register_topic: str
) -> None:
    good = register_event("G20580")
    broken = Envelope.from_dict(
        {**register_event("G99999").to_dict(), "data": {"institution_number": "G99999"}}
    )
    publish(kafka_bootstrap, register_topic, [broken, good])
    wait_for(
        lambda: client.get("/v1/institutions/G20580/profile").status_code == 200,
        timeout=WITHIN,
        what="the good event",
    )
    assert client.get("/v1/institutions/G99999/profile").status_code == 404
    [dead] = read_raw_records(kafka_bootstrap, dead_letter_topic(register_topic), 1)
    assert json.loads(dead.value)["id"] == broken.id
