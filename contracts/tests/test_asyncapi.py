from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from dagtilbud_contracts import EVENT_TYPES, EVENTS, TOPICS, dataschema_for
from dagtilbud_contracts._paths import contracts_root


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    text = (contracts_root() / "asyncapi.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_header(doc: dict[str, Any]) -> None:
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"]
    assert doc["info"]["version"]
    assert doc["defaultContentType"] == "application/cloudevents+json"


def test_every_topic_is_a_channel_with_its_messages(doc: dict[str, Any]) -> None:
    assert set(doc["channels"]) == {topic.name for topic in TOPICS}
    for topic in TOPICS:
        channel = doc["channels"][topic.name]
        assert channel["address"] == topic.name
        assert set(channel["messages"]) == set(topic.event_types)
        assert channel["bindings"]["kafka"]["partitions"] == topic.partitions


def test_every_event_type_is_a_message(doc: dict[str, Any]) -> None:
    messages = doc["components"]["messages"]
    assert set(messages) == set(EVENT_TYPES)
    for event_type, message in messages.items():
        topic = next(t for t in TOPICS if t.name == EVENTS[event_type].topic)
        assert message["name"] == event_type
        assert message["bindings"]["kafka"]["key"]["pattern"] == topic.key_pattern
        envelope_ref, specific = message["payload"]["allOf"]
        assert _resolve(doc, envelope_ref["$ref"]) is doc["components"]["schemas"]["envelope"]
        assert specific["properties"]["type"]["const"] == event_type
        assert specific["properties"]["source"]["const"] == topic.source
        assert specific["properties"]["dataschema"]["const"] == dataschema_for(event_type)


def test_operations_follow_producers_and_consumers(doc: dict[str, Any]) -> None:
    expected = set()
    for topic in TOPICS:
        expected.add(("send", topic.producer, topic.name))
        expected |= {("receive", consumer, topic.name) for consumer in topic.consumers}
    found = set()
    for operation in doc["operations"].values():
        channel = _resolve(doc, operation["channel"]["$ref"])
        (tag,) = operation["tags"]
        found.add((operation["action"], tag["name"], channel["address"]))
        # An operation may only use messages of its own channel.
        for ref in operation["messages"]:
            assert ref["$ref"].startswith(operation["channel"]["$ref"] + "/messages/")
    assert found == expected


def test_every_reference_resolves(doc: dict[str, Any]) -> None:
    refs = _refs(doc)
    assert refs
    for ref in refs:
        _resolve(doc, ref)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_payload_schemas_match_the_json_schema_files(doc: dict[str, Any], event_type: str) -> None:
    path = contracts_root() / "jsonschema" / f"{event_type}.json"
    standalone = json.loads(path.read_text(encoding="utf-8"))
    del standalone["$schema"], standalone["$id"]
    assert doc["components"]["schemas"][event_type] == standalone
