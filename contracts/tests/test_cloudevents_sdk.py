"""Every example must be readable by the CloudEvents SDK from PyPI, as any
consumer outside this repository would read it: plain structured JSON, and a
Kafka record in structured mode whose key is the subject."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings.kafka import (
    KafkaMessage,
    from_kafka,
    from_structured,
    to_structured,
)
from cloudevents.core.formats.json import JSONFormat
from dateutil.parser import isoparse

from dagkit.envelope import Envelope
from dagtilbud_contracts import validate_event
from dagtilbud_contracts.examples import load_examples

EXAMPLES = load_examples()
IDS = [path.name for path, _ in EXAMPLES]


def _assert_same_event(event: BaseCloudEvent, raw: dict[str, Any]) -> None:
    assert event.get_specversion() == "1.0"
    assert event.get_id() == raw["id"]
    assert event.get_source() == raw["source"]
    assert event.get_type() == raw["type"]
    assert event.get_subject() == raw["subject"]
    assert event.get_time() == isoparse(raw["time"])
    assert event.get_datacontenttype() == raw["datacontenttype"]
    assert event.get_dataschema() == raw["dataschema"]
    assert event.get_extension("aggregateversion") == raw["aggregateversion"]
    assert event.get_extension("correlationid") == raw["correlationid"]
    assert event.get_data() == raw["data"]


def _value(raw: dict[str, Any]) -> bytes:
    # What the outbox relay puts in the Kafka value.
    return Envelope.from_dict(raw).to_json()


@pytest.mark.parametrize(("path", "raw"), EXAMPLES, ids=IDS)
def test_json_format_reads_the_example_file(path: Path, raw: dict[str, Any]) -> None:
    event = JSONFormat().read(None, path.read_bytes())
    _assert_same_event(event, raw)


@pytest.mark.parametrize(("path", "raw"), EXAMPLES, ids=IDS)
def test_kafka_structured_binding_reads_the_record(path: Path, raw: dict[str, Any]) -> None:
    # The relay sends key = subject and no headers; with a content-type header
    # the binding must read it the same way.
    for headers in ({}, {"content-type": JSONFormat.CONTENT_TYPE.encode()}):
        message = KafkaMessage(headers=headers, key=raw["subject"].encode(), value=_value(raw))
        for read in (from_structured, from_kafka):
            event = read(message, JSONFormat(), None)
            _assert_same_event(event, raw)
            # The binding exposes the Kafka key as the partitionkey extension.
            assert event.get_extension("partitionkey") == raw["subject"]


@pytest.mark.parametrize(("path", "raw"), EXAMPLES, ids=IDS)
def test_event_written_by_the_sdk_still_passes_the_contract(
    path: Path, raw: dict[str, Any]
) -> None:
    event = JSONFormat().read(None, _value(raw))
    message = to_structured(event, JSONFormat(), key_mapper=lambda e: e.get_subject())
    assert message.key == raw["subject"]
    assert message.headers == {"content-type": JSONFormat.CONTENT_TYPE.encode()}
    assert validate_event(json.loads(message.value)) == validate_event(raw)
