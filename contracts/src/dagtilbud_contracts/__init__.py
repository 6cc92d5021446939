"""Event contracts of Dagtilbudsportalen.

The envelope is dagkit's CloudEvents envelope; this package adds the payload
schema of every event type, the topic registry, the JSON Schema and AsyncAPI
export, and example events that producers and consumers test against.
"""

from dagtilbud_contracts.consuming import PayloadValidator, payload_validator
from dagtilbud_contracts.registry import (
    DATASCHEMA_PREFIX,
    ENVELOPE_SCHEMA_ID,
    EVENT_TYPES,
    EVENTS,
    TOPICS,
    TOPICS_BY_NAME,
    ContractError,
    EnvelopeMismatchError,
    EventSpec,
    InvalidPayloadError,
    TopicSpec,
    UnknownEventTypeError,
    dataschema_for,
    event_spec,
    new_event,
    parse_event,
    payload_schema_for,
    subject_for,
    topic_for,
    validate_event,
    validate_payload,
)

__version__ = "1.0.0"

__all__ = [
    "DATASCHEMA_PREFIX",
    "ENVELOPE_SCHEMA_ID",
    "EVENTS",
    "EVENT_TYPES",
    "TOPICS",
    "TOPICS_BY_NAME",
    "ContractError",
    "EnvelopeMismatchError",
    "EventSpec",
    "InvalidPayloadError",
    "PayloadValidator",
    "TopicSpec",
    "UnknownEventTypeError",
    "__version__",
    "dataschema_for",
    "event_spec",
    "new_event",
    "parse_event",
    "payload_schema_for",
    "payload_validator",
    "subject_for",
    "topic_for",
    "validate_event",
    "validate_payload",
]
