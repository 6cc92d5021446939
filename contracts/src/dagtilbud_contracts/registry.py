"""The one list of topics and event types, and validation against it.

Everything else (JSON Schema files, asyncapi.yaml, tests, producers and
consumers) reads from here, so a topic or type that is not registered does not
exist.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any, Final

from marshmallow import Schema, ValidationError

from dagkit.envelope import Envelope, EnvelopeError
from dagtilbud_contracts import account, institution, profile, statistics
from dagtilbud_contracts import vocabulary as v

# A URN, not a URL: the schemas ship in this package and in contracts/jsonschema/,
# nothing is served at an address, and a URN does not pretend otherwise.
DATASCHEMA_PREFIX: Final = "urn:dagtilbud:schema:"
ENVELOPE_SCHEMA_ID: Final = DATASCHEMA_PREFIX + "envelope"
DEFAULT_PARTITIONS: Final = 6


class ContractError(EnvelopeError):
    """An envelope that is well-formed but breaks its event type's contract.

    A subclass of EnvelopeError because a consumer can never process it either:
    retrying does not help, it belongs on the dead-letter topic.
    """

    def __init__(self, event_type: str, errors: Mapping[str, Any], message: str) -> None:
        self.event_type = event_type
        self.errors = dict(errors)
        super().__init__(f"{message} ({event_type}): {self.errors}")


class UnknownEventTypeError(ContractError):
    def __init__(self, event_type: str) -> None:
        super().__init__(
            event_type, {"type": [f"unknown event type {event_type!r}"]}, "unknown event type"
        )


class InvalidPayloadError(ContractError):
    """The data attribute does not match the payload schema. ``errors`` holds
    marshmallow's messages keyed by field (list positions as integer keys)."""

    def __init__(self, event_type: str, errors: Mapping[str, Any]) -> None:
        super().__init__(event_type, errors, "invalid payload")


class EnvelopeMismatchError(ContractError):
    """Subject, source or dataschema disagree with the payload or the registry."""

    def __init__(self, event_type: str, errors: Mapping[str, Any]) -> None:
        super().__init__(event_type, errors, "envelope does not match its contract")


@dataclass(frozen=True)
class TopicSpec:
    name: str
    description: str
    key: str
    key_pattern: str
    producer: str
    consumers: tuple[str, ...]
    event_types: tuple[str, ...]
    # Derives key and subject from a loaded payload; the one place that says so.
    subject_of: Callable[[Mapping[str, Any]], str]
    partitions: int = DEFAULT_PARTITIONS

    @property
    def source(self) -> str:
        return f"/services/{self.producer}"


@dataclass(frozen=True)
class EventSpec:
    type: str
    topic: str
    # builtins.type: the attribute "type" above shadows it in the class body.
    schema: builtins.type[Schema]
    summary: str

    @property
    def dataschema(self) -> str:
        return DATASCHEMA_PREFIX + self.type


def _municipality_subject(data: Mapping[str, Any]) -> str:
    return f"{v.MUNICIPALITY_SUBJECT_PREFIX}{data['municipality_code']}"


TOPICS: Final = (
    TopicSpec(
        name="ingest.institutions.v1",
        description=(
            "Daycare units from the daycare register (STIL Dagtilbudsregisteret), one "
            "event per unit an import registered, changed or closed. Full state per event."
        ),
        key="Institution number, e.g. G18062.",
        key_pattern=v.INSTITUTION_NUMBER_PATTERN,
        producer="ingest",
        consumers=("auth", "profiles", "search"),
        event_types=(institution.REGISTERED, institution.UPDATED, institution.CLOSED),
        subject_of=lambda data: str(data["institution_number"]),
    ),
    TopicSpec(
        name="ingest.statistics.v1",
        description=(
            "Published daycare statistics per municipality (normering, staff education, "
            "number of children, background), all indicators and years in each event."
        ),
        key="kommune:<DST municipality code>, e.g. kommune:101.",
        key_pattern=r"^kommune:[1-9][0-9]{2}$",
        producer="ingest",
        consumers=("search",),
        event_types=(statistics.PUBLISHED,),
        subject_of=_municipality_subject,
    ),
    TopicSpec(
        name="profiles.profiles.v1",
        description=(
            "Voluntary institution profiles (description, opening hours, closing days, "
            "contact, madordning), the whole profile after each saved edit."
        ),
        key="Institution number, e.g. G18062.",
        key_pattern=v.INSTITUTION_NUMBER_PATTERN,
        producer="profiles",
        consumers=("search",),
        event_types=(profile.UPDATED,),
        subject_of=lambda data: str(data["institution_number"]),
    ),
    TopicSpec(
        name="auth.accounts.v1",
        description=(
            "Login accounts: role, scope and status after each change. Never carries a "
            "password, hash or token."
        ),
        key="Account id (lowercase UUID).",
        key_pattern=v.UUID_PATTERN,
        producer="auth",
        consumers=(),
        event_types=(
            account.CREATED,
            account.PASSWORD_CHANGED,
            account.LOCKED,
            account.DISABLED,
        ),
        subject_of=lambda data: str(data["account_id"]),
    ),
)

_EVENT_LIST: Final = (
    EventSpec(
        institution.REGISTERED,
        "ingest.institutions.v1",
        institution.InstitutionRegisteredSchema,
        "A daycare unit appeared in the register for the first time.",
    ),
    EventSpec(
        institution.UPDATED,
        "ingest.institutions.v1",
        institution.InstitutionUpdatedSchema,
        "Register facts about a known daycare unit changed.",
    ),
    EventSpec(
        institution.CLOSED,
        "ingest.institutions.v1",
        institution.InstitutionClosedSchema,
        "A daycare unit closed or left the register.",
    ),
    EventSpec(
        statistics.PUBLISHED,
        "ingest.statistics.v1",
        statistics.MunicipalityStatisticsSchema,
        "New or corrected statistics for a municipality were imported.",
    ),
    EventSpec(
        profile.UPDATED,
        "profiles.profiles.v1",
        profile.ProfileSchema,
        "An institution's voluntary profile was saved.",
    ),
    EventSpec(
        account.CREATED,
        "auth.accounts.v1",
        account.AccountCreatedSchema,
        "A login account was created.",
    ),
    EventSpec(
        account.PASSWORD_CHANGED,
        "auth.accounts.v1",
        account.AccountPasswordChangedSchema,
        "An account's password was changed or reset.",
    ),
    EventSpec(
        account.LOCKED,
        "auth.accounts.v1",
        account.AccountLockedSchema,
        "An account was locked.",
    ),
    EventSpec(
        account.DISABLED,
        "auth.accounts.v1",
        account.AccountDisabledSchema,
        "An account was disabled for good.",
    ),
)

EVENTS: Final[Mapping[str, EventSpec]] = MappingProxyType({e.type: e for e in _EVENT_LIST})
EVENT_TYPES: Final = tuple(EVENTS)
TOPICS_BY_NAME: Final[Mapping[str, TopicSpec]] = MappingProxyType({t.name: t for t in TOPICS})


def event_spec(event_type: str) -> EventSpec:
    """The registered event type; UnknownEventTypeError if there is none."""
    try:
        return EVENTS[event_type]
    except KeyError:
        raise UnknownEventTypeError(event_type) from None


def payload_schema_for(event_type: str) -> type[Schema]:
    """The marshmallow schema class of the event type's ``data``."""
    return event_spec(event_type).schema


def topic_for(event_type: str) -> str:
    """The name of the topic the event type is published on."""
    return event_spec(event_type).topic


def topics_for(event_types: Iterable[str]) -> tuple[str, ...]:
    """The topics these event types are published on, each once, in the
    registry's order: what a consumer of those types subscribes to."""
    wanted = {topic_for(event_type) for event_type in event_types}
    return tuple(topic.name for topic in TOPICS if topic.name in wanted)


def topics_produced_by(service: str) -> tuple[str, ...]:
    """The topics ``service`` publishes: what its outbox relay sends."""
    return tuple(topic.name for topic in TOPICS if topic.producer == service)


def dataschema_for(event_type: str) -> str:
    """The ``dataschema`` URI; also the ``$id`` of the exported JSON Schema."""
    return event_spec(event_type).dataschema


@cache
def _schema_instance(event_type: str) -> Schema:
    # Schemas keep no per-call state in marshmallow 4; one instance per type.
    return payload_schema_for(event_type)()


def validate_payload(event_type: str, data: Any) -> dict[str, Any]:
    """Validate ``data`` for the event type and return it loaded (dates as
    ``date`` objects and so on). Raises InvalidPayloadError with the field messages."""
    schema = _schema_instance(event_spec(event_type).type)
    if not isinstance(data, dict):
        raise InvalidPayloadError(event_type, {"_schema": ["data is not an object"]})
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise InvalidPayloadError(event_type, messages) from None
    return loaded


def subject_for(event_type: str, data: Any) -> str:
    """The subject (and Kafka key) an event with this payload must carry."""
    loaded = validate_payload(event_type, data)
    return TOPICS_BY_NAME[topic_for(event_type)].subject_of(loaded)


def validate_event(raw: dict[str, Any]) -> Envelope:
    """Validate a decoded message: the envelope (dagkit), then the payload for
    its type, then that subject, source and dataschema agree with both.

    Raises EnvelopeError for a broken envelope and a ContractError subclass
    (also an EnvelopeError) for anything the contract rejects.
    """
    envelope = Envelope.from_dict(raw)
    spec = event_spec(envelope.type)
    loaded = validate_payload(spec.type, envelope.data)
    check_envelope_matches(spec, envelope, loaded)
    return envelope


def check_envelope_matches(spec: EventSpec, envelope: Envelope, data: Mapping[str, Any]) -> None:
    """EnvelopeMismatchError unless subject, source and dataschema agree with
    the payload (already valid) and the registry."""
    topic = TOPICS_BY_NAME[spec.topic]
    errors: dict[str, list[str]] = {}
    expected_subject = topic.subject_of(data)
    if envelope.subject != expected_subject:
        errors["subject"] = [f"must be {expected_subject!r}, the aggregate id in data"]
    if envelope.source != topic.source:
        errors["source"] = [f"must be {topic.source!r}, the producer of {topic.name}"]
    if envelope.dataschema is not None and envelope.dataschema != spec.dataschema:
        errors["dataschema"] = [f"must be {spec.dataschema!r} or absent"]
    if errors:
        raise EnvelopeMismatchError(spec.type, errors)


def parse_event(value: bytes | str | None) -> Envelope:
    """Decode a Kafka message value and validate it like validate_event."""
    if value is None:
        raise EnvelopeError("empty message")
    try:
        raw = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError(f"message is not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise EnvelopeError("message is not a JSON object")
    return validate_event(raw)


def new_event(
    event_type: str,
    data: dict[str, Any],
    *,
    aggregate_version: int,
    correlation_id: str | None = None,
    validate: bool = True,
) -> Envelope:
    """Build a validated envelope for a producer's outbox.

    Source, subject and dataschema come from the registry and the payload, so a
    producer cannot get them wrong. ``data`` must be JSON-ready; a schema's
    ``dump()`` gives that form.

    ``validate=False`` skips the schema checks for a bulk producer whose
    payloads come from one builder over already-checked values and whose tests
    validate every event it makes (schema validation costs about a millisecond
    an event, which a national register of thousands of units cannot afford).
    """
    spec = event_spec(event_type)
    topic = TOPICS_BY_NAME[spec.topic]
    try:
        subject = topic.subject_of(data)
    except (KeyError, TypeError):
        if not validate:
            raise
        # The payload check below names what is missing.
        subject = "?"
    envelope = Envelope.new(
        source=topic.source,
        type=spec.type,
        subject=subject,
        data=data,
        aggregate_version=aggregate_version,
        correlation_id=correlation_id,
        dataschema=spec.dataschema,
    )
    if not validate:
        return envelope
    try:
        wire = envelope.to_json()
    except (TypeError, ValueError) as exc:
        raise InvalidPayloadError(spec.type, {"_schema": [f"not JSON: {exc}"]}) from None
    # Validate what consumers will read, not the Python objects behind it, with
    # the consumers' own check (which the tests hold equal to validate_event):
    # an edit's event costs a fraction of a millisecond to check, not several.
    from dagtilbud_contracts.consuming import payload_validator

    payload_validator((spec.type,))(Envelope.from_json(wire))
    return envelope
