from __future__ import annotations

import copy
import json
import time
import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

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


# ------------------------------------------------- fast path against the schema
# from_dict is a hand-written copy of EnvelopeSchema; from_dict_strict loads
# with the schema itself. Every case must come out the same from both.

EXAMPLES = sorted((Path(__file__).parents[4] / "contracts" / "examples").glob("*.json"))
VALID = [json.loads(path.read_text(encoding="utf-8")) for path in EXAMPLES]
BASE = VALID[0] if VALID else sample().to_dict()

_DROP = object()
_LONG = "x" * 201

# (attribute, value); _DROP removes the attribute.
MUTATIONS: list[tuple[str, Any]] = [
    *((name, _DROP) for name in BASE),
    *((name, None) for name in BASE),
    *((name, "") for name in BASE),
    *((name, 7) for name in BASE),
    *((name, [1]) for name in BASE),
    *((name, {"a": 1}) for name in BASE),
    *((name, True) for name in BASE),
    *((name, _LONG) for name in BASE),
    *((name, b"bytes") for name in BASE),
    ("specversion", "0.3"),
    ("specversion", "1.0 "),
    ("specversion", b"1.0"),
    ("id", "not-a-uuid"),
    ("id", "D40194F0-4C0C-4F3A-B873-448F4AC17775"),
    ("id", "d40194f04c0c4f3ab873448f4ac17775"),
    ("id", "{d40194f0-4c0c-4f3a-b873-448f4ac17775}"),
    ("id", "urn:uuid:d40194f0-4c0c-4f3a-b873-448f4ac17775"),
    ("id", "d40194f0-4c0c-4f3a-b873-448f4ac1777"),
    ("id", "d40194f0-4c0c-4f3a-b873-448f4ac17775\n"),
    ("id", " d40194f0-4c0c-4f3a-b873-448f4ac17775"),
    ("id", "g40194f0-4c0c-4f3a-b873-448f4ac17775"),
    ("id", uuid.UUID("d40194f0-4c0c-4f3a-b873-448f4ac17775")),
    ("id", uuid.UUID("d40194f0-4c0c-4f3a-b873-448f4ac17775").bytes),
    ("id", b"short"),
    ("id", 12345),
    ("source", "ingest"),
    ("source", "/services/Ingest"),
    ("source", "/services/ingest/"),
    ("source", "/services/"),
    ("source", "/services/ingest\n"),
    ("source", "/services/ingest\n\n"),
    ("type", "institution.registered"),
    ("type", "dk.dagtilbud.institution.registered.v1\n"),
    ("type", "dk.dagtilbud.institution.registered.v"),
    ("type", "dk.dagtilbud.Institution.registered.v1"),
    ("subject", "x" * 200),
    ("subject", "ø"),
    ("subject", b"\xff"),
    ("subject", b"G18062"),
    ("time", "2026-11-26T10:00:00"),
    ("time", "2026-11-26T10:00:00+01:00"),
    ("time", "2026-11-26T10:00:00.123456Z"),
    ("time", "2026-11-26"),
    ("time", "20261126T100000Z"),
    ("time", "2026-11-26 10:00:00+00:00"),
    ("time", "2026-02-30T10:00:00Z"),
    ("time", "yesterday"),
    ("time", datetime(2026, 11, 26, 10, tzinfo=UTC)),
    ("time", datetime(2026, 11, 26, 10)),
    ("time", date(2026, 11, 26)),
    ("time", 1764151200),
    ("datacontenttype", "application/xml"),
    ("datacontenttype", "application/json; charset=utf-8"),
    ("dataschema", "urn:dagtilbud:schema:other"),
    ("dataschema", b"urn:x"),
    ("aggregateversion", 0),
    ("aggregateversion", -1),
    ("aggregateversion", 1),
    ("aggregateversion", 2**70),
    ("aggregateversion", 1.0),
    ("aggregateversion", 2.5),
    ("aggregateversion", "3"),
    ("aggregateversion", False),
    ("aggregateversion", Fraction(3, 1)),
    ("correlationid", "c" * 200),
    ("data", {}),
    ("data", {"nested": {"deep": [1, None]}}),
    ("data", {1: "int key"}),
    ("data", {b"k": 1}),
    ("data", {b"\xff": 1}),
    ("data", {None: 1}),
    ("data", MappingProxyType({"a": 1})),
    ("data", OrderedDict(a=1)),
    ("data", "not a dict"),
    ("traceparent", "00-abc-def-01"),
    ("partitionkey", None),
]


def _mutated(base: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(base)
    if value is _DROP:
        raw.pop(name, None)
    else:
        raw[name] = value
    return raw


def _outcome(load: Any, raw: Any) -> Envelope | str:
    try:
        return load(raw)  # type: ignore[no-any-return]
    except EnvelopeError as exc:
        return f"rejected: {exc}"


def test_the_examples_are_there() -> None:
    assert len(VALID) >= 9


@pytest.mark.parametrize("raw", VALID, ids=[path.name for path in EXAMPLES])
def test_fast_and_strict_agree_on_every_example(raw: dict[str, Any]) -> None:
    fast = Envelope.from_dict(raw)
    assert fast == Envelope.from_dict_strict(raw)
    assert fast.to_dict() == raw


@pytest.mark.parametrize(
    ("name", "value"), MUTATIONS, ids=[f"{name}={value!r:.40}" for name, value in MUTATIONS]
)
def test_fast_and_strict_agree_on_a_mutation(name: str, value: Any) -> None:
    raw = _mutated(BASE, name, value)
    strict = _outcome(Envelope.from_dict_strict, raw)
    fast = _outcome(Envelope.from_dict, raw)
    # Same acceptance, same Envelope, and the same message naming the same
    # attributes when rejected.
    assert fast == strict
    if isinstance(fast, Envelope):
        assert isinstance(strict, Envelope)
        assert type(fast.id) is str
        assert fast.time == strict.time
        assert fast.time.utcoffset() == strict.time.utcoffset()


def test_every_attribute_is_checked_by_the_fast_path() -> None:
    # Rejections for every attribute, so the mutation list reaches them all.
    rejected = {
        name
        for name, value in MUTATIONS
        if isinstance(_outcome(Envelope.from_dict, _mutated(BASE, name, value)), str)
    }
    assert rejected == set(BASE)


@pytest.mark.parametrize("raw", [None, [], "envelope", 3, ()])
def test_fast_and_strict_reject_non_objects(raw: Any) -> None:
    assert _outcome(Envelope.from_dict, raw) == _outcome(Envelope.from_dict_strict, raw)
    assert isinstance(_outcome(Envelope.from_dict, raw), str)


def test_several_broken_attributes_are_all_named() -> None:
    raw = _mutated(BASE, "subject", "")
    raw["aggregateversion"] = True
    del raw["id"]
    with pytest.raises(EnvelopeError) as caught:
        Envelope.from_dict(raw)
    for name in ("subject", "aggregateversion", "id"):
        assert name in str(caught.value)


def test_accepted_input_is_normalised_like_marshmallow() -> None:
    raw = _mutated(BASE, "id", "{D40194F0-4C0C-4F3A-B873-448F4AC17775}")
    assert Envelope.from_dict(raw).id == "d40194f0-4c0c-4f3a-b873-448f4ac17775"
    raw["data"] = {"k": 1}
    loaded = Envelope.from_dict(raw)
    # data is a copy, as marshmallow's Dict field makes.
    assert loaded.data == raw["data"]
    assert loaded.data is not raw["data"]


def _best_seconds(load: Any, events: list[dict[str, Any]], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for raw in events:
            load(raw)
        best = min(best, time.perf_counter() - start)
    return best


def test_fast_path_is_at_least_three_times_faster_than_the_schema() -> None:
    # A ratio measured in one run, so a slow or busy machine does not matter.
    events = [VALID[i % len(VALID)] for i in range(2000)]
    fast = _best_seconds(Envelope.from_dict, events)
    strict = _best_seconds(Envelope.from_dict_strict, events)
    assert strict / fast >= 3, f"fast {fast:.4f}s, strict {strict:.4f}s for 2000 envelopes"
