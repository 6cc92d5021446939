from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

import pytest
from marshmallow import Schema, fields

from dagkit.envelope import TYPE_PATTERN, EnvelopeError
from dagtilbud_contracts import (
    DATASCHEMA_PREFIX,
    EVENT_TYPES,
    EVENTS,
    TOPICS,
    TOPICS_BY_NAME,
    EnvelopeMismatchError,
    InvalidPayloadError,
    UnknownEventTypeError,
    dataschema_for,
    new_event,
    parse_event,
    payload_schema_for,
    subject_for,
    topic_for,
    validate_event,
    validate_payload,
)
from dagtilbud_contracts.examples import load_examples
from dagtilbud_contracts.municipalities import MUNICIPALITIES

SERVICES = {"ingest", "auth", "profiles", "search", "web"}


def _example(event_type: str) -> dict[str, Any]:
    """The main example of the type (the file without a --variant suffix)."""
    (raw,) = [raw for path, raw in load_examples(event_type) if path.stem == event_type]
    return copy.deepcopy(raw)


def _payload_errors(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(InvalidPayloadError) as caught:
        validate_payload(event_type, data)
    return caught.value.errors


# ------------------------------------------------------------------ registry


def test_topics_and_event_types_agree() -> None:
    listed = [t for topic in TOPICS for t in topic.event_types]
    assert sorted(listed) == sorted(EVENT_TYPES)
    assert len(set(listed)) == len(listed)
    for topic in TOPICS:
        for event_type in topic.event_types:
            assert topic_for(event_type) == topic.name
            assert EVENTS[event_type].topic == topic.name


def test_names_follow_the_design() -> None:
    assert len(TOPICS_BY_NAME) == len(TOPICS)
    for topic in TOPICS:
        assert re.fullmatch(r"[a-z]+\.[a-z]+\.v[0-9]+", topic.name)
        assert topic.name.startswith(topic.producer + ".")
        assert topic.producer in SERVICES
        assert set(topic.consumers) <= SERVICES - {topic.producer}
        assert topic.partitions == 6
        re.compile(topic.key_pattern)
    for event_type in EVENT_TYPES:
        assert re.fullmatch(TYPE_PATTERN, event_type)
        assert dataschema_for(event_type) == DATASCHEMA_PREFIX + event_type


def test_design_table_consumers() -> None:
    assert set(TOPICS_BY_NAME["ingest.institutions.v1"].consumers) == {"auth", "profiles", "search"}
    assert TOPICS_BY_NAME["ingest.statistics.v1"].consumers == ("search",)
    assert TOPICS_BY_NAME["profiles.profiles.v1"].consumers == ("search",)


def test_unknown_type_is_named() -> None:
    for call in (payload_schema_for, topic_for, dataschema_for):
        with pytest.raises(UnknownEventTypeError, match=r"no\.such"):
            call("dk.dagtilbud.no.such.v1")


def _all_field_names(schema: type[Schema] | Schema) -> set[str]:
    instance = schema() if isinstance(schema, type) else schema
    names = set()
    for name, field in instance.fields.items():
        names.add(name)
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            names |= _all_field_names(inner.schema)
    return names


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_no_payload_field_could_hold_a_secret(event_type: str) -> None:
    for name in _all_field_names(payload_schema_for(event_type)):
        assert not re.search(r"password|hash|secret|token|salt", name), name


def test_the_municipality_list_is_the_98() -> None:
    assert len(MUNICIPALITIES) == 98
    assert MUNICIPALITIES[101] == "København"
    assert 411 not in MUNICIPALITIES


# ---------------------------------------------------------- validate_event


def test_validate_event_checks_source() -> None:
    raw = _example("dk.dagtilbud.institution.registered.v1")
    raw["source"] = "/services/profiles"
    with pytest.raises(EnvelopeMismatchError) as caught:
        validate_event(raw)
    assert "source" in caught.value.errors


def test_validate_event_checks_dataschema_but_allows_it_absent() -> None:
    raw = _example("dk.dagtilbud.profile.updated.v1")
    raw["dataschema"] = dataschema_for("dk.dagtilbud.institution.updated.v1")
    with pytest.raises(EnvelopeMismatchError, match="dataschema"):
        validate_event(raw)
    del raw["dataschema"]
    assert validate_event(raw).dataschema is None


def test_statistics_subject_is_derived_from_the_code() -> None:
    raw = _example("dk.dagtilbud.statistics.published.v1")
    assert subject_for(raw["type"], raw["data"]) == "kommune:101"
    raw["subject"] = "kommune:0101"
    with pytest.raises(EnvelopeMismatchError, match="subject"):
        validate_event(raw)


def test_envelope_errors_come_from_dagkit() -> None:
    raw = _example("dk.dagtilbud.account.created.v1")
    del raw["correlationid"]
    with pytest.raises(EnvelopeError, match="correlationid"):
        validate_event(raw)


def test_data_that_is_not_an_object() -> None:
    with pytest.raises(InvalidPayloadError):
        validate_payload("dk.dagtilbud.profile.updated.v1", ["G10433"])


def test_parse_event_reads_bytes() -> None:
    raw = _example("dk.dagtilbud.account.locked.v1")
    assert parse_event(validate_event(raw).to_json()) == validate_event(raw)
    for broken in (None, b"", b"[1]", b"\xff"):
        with pytest.raises(EnvelopeError):
            parse_event(broken)


def test_new_event_fills_in_what_the_registry_knows() -> None:
    data = _example("dk.dagtilbud.institution.updated.v1")["data"]
    event = new_event(
        "dk.dagtilbud.institution.updated.v1", data, aggregate_version=4, correlation_id="run-7"
    )
    assert event.source == "/services/ingest"
    assert event.subject == "G18062"
    assert event.dataschema == dataschema_for(event.type)
    assert event.aggregateversion == 4
    assert event.correlationid == "run-7"
    assert validate_event(event.to_dict()) == event


def test_new_event_rejects_bad_data_and_version() -> None:
    data = _example("dk.dagtilbud.institution.updated.v1")["data"]
    with pytest.raises(EnvelopeError, match="aggregateversion"):
        new_event("dk.dagtilbud.institution.updated.v1", data, aggregate_version=0)
    with pytest.raises(InvalidPayloadError, match="kind"):
        new_event(
            "dk.dagtilbud.institution.updated.v1", {**data, "kind": "sfo"}, aggregate_version=1
        )


def test_new_event_wants_json_ready_data() -> None:
    data = _example("dk.dagtilbud.institution.closed.v1")["data"]
    with pytest.raises(InvalidPayloadError, match="not JSON"):
        new_event(
            "dk.dagtilbud.institution.closed.v1",
            {**data, "closed_on": date(2026, 3, 31)},
            aggregate_version=6,
        )


def test_validate_payload_returns_loaded_values() -> None:
    data = _example("dk.dagtilbud.institution.closed.v1")["data"]
    loaded = validate_payload("dk.dagtilbud.institution.closed.v1", data)
    assert loaded["closed_on"] == date(2026, 3, 31)


# ------------------------------------------------------------ JSON types only


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("location", "lat"), "55.68646"),
        (("accepts_0_2",), 1),
        (("accepts_3_5",), "true"),
        (("municipality_code",), "101"),
        (("municipality_code",), 101.0),
        (("capacity",), True),
    ],
)
def test_payload_takes_json_types_only(path: tuple[str, ...], bad: Any) -> None:
    data = _example("dk.dagtilbud.institution.registered.v1")["data"]
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad
    errors = _payload_errors("dk.dagtilbud.institution.registered.v1", data)
    assert path[0] in errors


# ---------------------------------------------------------- aggregate rules


def test_institution_status_and_dates_agree() -> None:
    registered = "dk.dagtilbud.institution.registered.v1"
    updated = "dk.dagtilbud.institution.updated.v1"
    closed = "dk.dagtilbud.institution.closed.v1"
    data = _example(registered)["data"]
    assert "status" in _payload_errors(registered, {**data, "status": "closed"})
    assert "closed_on" in _payload_errors(updated, {**data, "status": "closed"})
    assert "closed_on" in _payload_errors(updated, {**data, "closed_on": "2026-01-01"})
    assert "closed_on" in _payload_errors(closed, {**data, "status": "closed", "closed_on": None})
    assert "closed_on" in _payload_errors(
        updated,
        {**data, "status": "closed", "opened_on": "2020-01-01", "closed_on": "2019-12-31"},
    )
    assert "accepts_0_2" in _payload_errors(
        updated, {**data, "accepts_0_2": False, "accepts_3_5": False}
    )
    errors = _payload_errors(updated, {**data, "address": {**data["address"], "postcode": 2720}})
    assert "postcode" in errors["address"]


def test_statistics_rules() -> None:
    published = "dk.dagtilbud.statistics.published.v1"
    data = _example(published)["data"]
    pct = {
        "indicator": "andel_paedagogisk_uddannet_pct",
        "year": 2024,
        "value": 101.0,
        "source": "DST BOERN1",
    }
    assert "figures" in _payload_errors(published, {**data, "figures": [pct]})
    count = {**pct, "indicator": "antal_boern", "value": 30467.5}
    assert "figures" in _payload_errors(published, {**data, "figures": [count]})
    duplicate = data["figures"] + [data["figures"][0]]
    assert "figures" in _payload_errors(published, {**data, "figures": duplicate})
    assert "figures" in _payload_errors(published, {**data, "figures": []})
    year = {**data["figures"][0], "year": 1999}
    assert "figures" in _payload_errors(published, {**data, "figures": [year]})
    # A normering of 0 is a fact (no such offer), null is a missing value.
    for value in (0, 0.0, None):
        validate_payload(published, {**data, "figures": [{**data["figures"][0], "value": value}]})


def test_profile_rules() -> None:
    updated = "dk.dagtilbud.profile.updated.v1"
    data = _example(updated)["data"]
    hours = [{"weekday": 0, "opens": "17:00", "closes": "06:30"}]
    assert "opening_hours" in _payload_errors(updated, {**data, "opening_hours": hours})
    hours = [{"weekday": 7, "opens": "06:30", "closes": "17:00"}]
    assert "opening_hours" in _payload_errors(updated, {**data, "opening_hours": hours})
    hours = [{"weekday": 0, "opens": "6:30", "closes": "17:00"}]
    assert "opening_hours" in _payload_errors(updated, {**data, "opening_hours": hours})
    days = data["closing_days"] + data["closing_days"][:1]
    assert "closing_days" in _payload_errors(updated, {**data, "closing_days": days})
    no_meals: dict[str, Any] = {
        "offered": False,
        "kind": "frokost",
        "diets": [],
        "price_per_month_dkk": None,
    }
    assert "meal_scheme" in _payload_errors(updated, {**data, "meal_scheme": no_meals})
    meals: dict[str, Any] = {
        "offered": True,
        "kind": None,
        "diets": [],
        "price_per_month_dkk": None,
    }
    assert "meal_scheme" in _payload_errors(updated, {**data, "meal_scheme": meals})
    madpakke: dict[str, Any] = {
        "offered": False,
        "kind": None,
        "diets": [],
        "price_per_month_dkk": None,
    }
    validate_payload(updated, {**data, "meal_scheme": madpakke})
    validate_payload(updated, {**data, "meal_scheme": None})
    assert "tags" in _payload_errors(updated, {**data, "tags": ["Udeliv"]})
    assert "updated_by" in _payload_errors(updated, {**data, "updated_by": "G10433"})


@pytest.mark.parametrize(
    ("role", "institution", "municipality", "field"),
    [
        ("institution", None, 101, "institution_number"),
        ("municipality", "G10433", 101, "institution_number"),
        ("municipality", None, None, "municipality_code"),
        ("admin", None, 101, "municipality_code"),
        ("dst", "G10433", None, "institution_number"),
    ],
)
def test_account_scope_matches_role(
    role: str, institution: str | None, municipality: int | None, field: str
) -> None:
    created = "dk.dagtilbud.account.created.v1"
    data = _example(created)["data"]
    data.update(role=role, institution_number=institution, municipality_code=municipality)
    assert field in _payload_errors(created, data)


def test_account_status_follows_the_event_type() -> None:
    data = _example("dk.dagtilbud.account.created.v1")["data"]
    assert "status" in _payload_errors("dk.dagtilbud.account.locked.v1", data)
    assert "status" in _payload_errors("dk.dagtilbud.account.disabled.v1", data)
    validate_payload("dk.dagtilbud.account.locked.v1", {**data, "status": "locked"})


def test_unvalidated_fast_path_builds_the_same_envelope() -> None:
    from dagtilbud_contracts.examples import load_examples
    from dagtilbud_contracts.registry import new_event

    for _path, raw in load_examples():
        checked = new_event(raw["type"], raw["data"], aggregate_version=3, correlation_id="c")
        fast = new_event(
            raw["type"], raw["data"], aggregate_version=3, correlation_id="c", validate=False
        )
        assert {k: v for k, v in fast.to_dict().items() if k not in ("id", "time")} == {
            k: v for k, v in checked.to_dict().items() if k not in ("id", "time")
        }
