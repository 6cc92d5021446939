from __future__ import annotations

import json

import pytest

from dagkit.envelope import Envelope, EnvelopeError


def sample() -> Envelope:
    return Envelope.new(
        source="/services/ingest",
        type="dk.dagtilbud.institution.registered.v1",
        subject="G18062",
        data={"name": "Børnehuset Æblehaven"},
        aggregate_version=3,
        correlation_id="import-42",
        dataschema="urn:test",
    )


def test_round_trip_keeps_every_attribute() -> None:
    event = sample()
    again = Envelope.from_json(event.to_json())
    assert again == event
    raw = json.loads(event.to_json())
    assert raw["specversion"] == "1.0"
    assert raw["aggregateversion"] == 3
    assert raw["correlationid"] == "import-42"
    assert raw["time"].endswith("Z")
    assert raw["data"]["name"] == "Børnehuset Æblehaven"


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("specversion", "0.3", "specversion"),
        ("id", "not-a-uuid", "id"),
        ("type", "institution.registered", "type"),
        ("source", "ingest", "source"),
        ("aggregateversion", 0, "aggregateversion"),
        ("aggregateversion", "3", "aggregateversion"),
        ("time", "2026-11-26T10:00:00", "time"),
        ("data", [1, 2], "data"),
    ],
)
def test_invalid_attributes_are_rejected_naming_the_attribute(
    field: str, value: object, problem: str
) -> None:
    raw = sample().to_dict()
    raw[field] = value
    with pytest.raises(EnvelopeError, match=problem):
        Envelope.from_dict(raw)


@pytest.mark.parametrize("missing", ["id", "subject", "correlationid", "aggregateversion", "data"])
def test_missing_attributes_are_rejected(missing: str) -> None:
    raw = sample().to_dict()
    del raw[missing]
    with pytest.raises(EnvelopeError, match=missing):
        Envelope.from_dict(raw)


@pytest.mark.parametrize("value", [None, b"", b"{not json", b"\xff\xfe", b"[]"])
def test_non_envelopes_are_rejected(value: bytes | None) -> None:
    with pytest.raises(EnvelopeError):
        Envelope.from_json(value)


def test_unknown_extensions_are_tolerated() -> None:
    raw = sample().to_dict()
    raw["traceparent"] = "00-abc-def-01"
    assert Envelope.from_dict(raw).subject == "G18062"
