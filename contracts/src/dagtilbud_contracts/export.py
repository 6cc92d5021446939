"""Generate contracts/jsonschema/*.json and contracts/asyncapi.yaml from the registry.

    python -m dagtilbud_contracts.export          # write the files
    python -m dagtilbud_contracts.export --check  # exit 1 and name files that differ

The files are committed so that people and non-Python tools can read them; the
check (also a test) keeps them equal to what the code says. Output is
byte-for-byte deterministic: sorted keys, fixed order, trailing newline.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final, cast

import yaml
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.openapi import OpenAPIConverter
from marshmallow import Schema

from dagkit.envelope import EnvelopeSchema
from dagtilbud_contracts import __version__
from dagtilbud_contracts._paths import contracts_root
from dagtilbud_contracts.registry import (
    ENVELOPE_SCHEMA_ID,
    EVENTS,
    TOPICS,
    EventSpec,
    TopicSpec,
    event_spec,
)

JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
JSON_SCHEMA_DIR: Final = "jsonschema"
ASYNCAPI_FILE: Final = "asyncapi.yaml"
STRUCTURED_CONTENT_TYPE: Final = "application/cloudevents+json"
KAFKA_BINDING_VERSION: Final = "0.5.0"
LOCAL_BROKER: Final = "127.0.0.1:9092"


def _no_name(schema: type[Schema]) -> str | None:
    return None


@cache
def _converter() -> OpenAPIConverter:
    # A resolver that names no schema makes apispec inline nested schemas, so
    # each exported file stands alone without $refs. apispec documents None as
    # a valid answer but annotates the resolver as returning str.
    resolver = cast("Callable[[type[Schema]], str]", _no_name)
    plugin = MarshmallowPlugin(schema_name_resolver=resolver)
    APISpec(
        title="Dagtilbudsportalen events",
        version=__version__,
        openapi_version="3.1.0",
        plugins=[plugin],
    )
    assert plugin.converter is not None
    return plugin.converter


def _convert(schema: type[Schema]) -> dict[str, Any]:
    converted: dict[str, Any] = _converter().schema2jsonschema(schema)  # type: ignore[no-untyped-call]
    return converted


def _doc(schema: type[Schema]) -> str:
    # Docstrings wrap at the code width; a description is one paragraph.
    return " ".join((inspect.getdoc(schema) or "").split())


def payload_json_schema(event_type: str) -> dict[str, Any]:
    """JSON Schema 2020-12 of the event type's ``data``; ``$id`` is its dataschema."""
    spec = event_spec(event_type)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": spec.dataschema,
        "title": spec.type,
        "description": f"{spec.summary} Payload: {_doc(spec.schema)}",
        **_convert(spec.schema),
    }


def envelope_json_schema() -> dict[str, Any]:
    """JSON Schema 2020-12 of the CloudEvents envelope every message uses."""
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": ENVELOPE_SCHEMA_ID,
        "title": "Dagtilbudsportalen CloudEvents 1.0 envelope",
        "description": (
            "Structured-mode CloudEvents 1.0 JSON, the value of every Kafka message. "
            "Extensions: aggregateversion (strictly increasing per subject) and "
            "correlationid. Other extension attributes are allowed and ignored. "
            "data is validated by the schema named in dataschema."
        ),
        **_convert(EnvelopeSchema),
    }


def _embedded(schema: dict[str, Any]) -> dict[str, Any]:
    # Inside asyncapi.yaml a schema is part of the document, not a resource of
    # its own, so it carries neither a dialect nor an id.
    return {key: value for key, value in schema.items() if key not in ("$schema", "$id")}


def _message(spec: EventSpec, topic: TopicSpec) -> dict[str, Any]:
    return {
        "name": spec.type,
        "title": spec.type,
        "summary": spec.summary,
        "description": (
            "CloudEvents 1.0 in structured mode: the Kafka value is the JSON envelope "
            f"and `data` is the full new state of the aggregate ({spec.dataschema}). "
            "A consumer keeps an event only if its `aggregateversion` is newer than "
            "the one it holds for the subject."
        ),
        "contentType": STRUCTURED_CONTENT_TYPE,
        "headers": {
            "type": "object",
            "properties": {
                "content-type": {
                    "type": "string",
                    "const": STRUCTURED_CONTENT_TYPE,
                    "description": "Optional; the value alone identifies the event.",
                }
            },
        },
        "payload": {
            "allOf": [
                {"$ref": "#/components/schemas/envelope"},
                {
                    "type": "object",
                    "required": ["data", "source", "subject", "type"],
                    "properties": {
                        "type": {"const": spec.type},
                        "source": {"const": topic.source},
                        "subject": {
                            "type": "string",
                            "pattern": topic.key_pattern,
                            "description": f"Equals the Kafka key: {topic.key}",
                        },
                        "dataschema": {"const": spec.dataschema},
                        "data": {"$ref": f"#/components/schemas/{spec.type}"},
                    },
                },
            ]
        },
        "correlationId": {
            "description": "The request or import run that caused the event.",
            "location": "$message.payload#/correlationid",
        },
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "pattern": topic.key_pattern,
                    "description": f"{topic.key} Equals the subject; per-key order only.",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _operation(topic: TopicSpec, service: str, action: str) -> dict[str, Any]:
    verb = "publishes to" if action == "send" else "consumes"
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{topic.name}"},
        "messages": [
            {"$ref": f"#/channels/{topic.name}/messages/{event_type}"}
            for event_type in topic.event_types
        ],
        "summary": f"{service} {verb} {topic.name}.",
        "tags": [{"name": service}],
    }


def asyncapi_document() -> dict[str, Any]:
    """AsyncAPI 3.0 description of every topic, event type and service role."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"envelope": _embedded(envelope_json_schema())}
    for topic in TOPICS:
        for event_type in topic.event_types:
            spec = EVENTS[event_type]
            messages[event_type] = _message(spec, topic)
            schemas[event_type] = _embedded(payload_json_schema(event_type))
        channels[topic.name] = {
            "address": topic.name,
            "title": topic.name,
            "description": f"{topic.description} Key: {topic.key}",
            "messages": {
                event_type: {"$ref": f"#/components/messages/{event_type}"}
                for event_type in topic.event_types
            },
            "bindings": {
                "kafka": {
                    "topic": topic.name,
                    "partitions": topic.partitions,
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
        }
        operations[f"{topic.producer}.send.{topic.name}"] = _operation(
            topic, topic.producer, "send"
        )
        for consumer in topic.consumers:
            operations[f"{consumer}.receive.{topic.name}"] = _operation(topic, consumer, "receive")
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Dagtilbudsportalen events",
            "version": __version__,
            "description": (
                "Kafka topics of the Dagtilbudsportalen services. Every message is a "
                "CloudEvents 1.0 structured JSON envelope whose data is the full state of "
                "one aggregate. Key = subject = aggregate id; order holds per key only. "
                "A breaking change gets a new .v2 event type and topic."
            ),
        },
        "defaultContentType": STRUCTURED_CONTENT_TYPE,
        "servers": {
            "local": {
                "host": LOCAL_BROKER,
                "protocol": "kafka",
                "description": "The broker deploy/local starts (Kafka 4, KRaft, PLAINTEXT).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def _json_text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _yaml_text(document: dict[str, Any]) -> str:
    # A JSON round trip gives every sub-document its own identity; PyYAML would
    # otherwise write shared ones as &id001 anchors, which many AsyncAPI tools
    # and readers handle poorly.
    fresh = json.loads(json.dumps(document))
    text: str = yaml.safe_dump(
        fresh,
        sort_keys=True,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return text


def render() -> dict[str, str]:
    """Every generated file as {path relative to contracts/: text}."""
    files = {f"{JSON_SCHEMA_DIR}/envelope.json": _json_text(envelope_json_schema())}
    for event_type in EVENTS:
        files[f"{JSON_SCHEMA_DIR}/{event_type}.json"] = _json_text(payload_json_schema(event_type))
    files[ASYNCAPI_FILE] = _yaml_text(asyncapi_document())
    return dict(sorted(files.items()))


def _stale(root: Path, expected: dict[str, str]) -> list[str]:
    # A schema file whose event type was removed from the registry is drift too.
    on_disk = (path.relative_to(root).as_posix() for path in (root / JSON_SCHEMA_DIR).glob("*"))
    return sorted(name for name in on_disk if name not in expected)


def check(root: Path | None = None) -> list[str]:
    """Paths (relative to contracts/) that are missing, differ, or should not exist."""
    root = root or contracts_root()
    expected = render()
    drifted = []
    for name, text in expected.items():
        path = root / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            drifted.append(name)
    if (root / JSON_SCHEMA_DIR).is_dir():
        drifted.extend(_stale(root, expected))
    return sorted(drifted)


def write(root: Path | None = None) -> list[str]:
    """Write every generated file, remove stale ones; returns what changed."""
    root = root or contracts_root()
    changed = check(root)
    expected = render()
    (root / JSON_SCHEMA_DIR).mkdir(exist_ok=True)
    for name in _stale(root, expected):
        (root / name).unlink()
    for name, text in expected.items():
        path = root / name
        if name in changed:
            # newline="" keeps "\n" on every platform, so the check is byte-exact.
            with path.open("w", encoding="utf-8", newline="") as handle:
                handle.write(text)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dagtilbud_contracts.export",
        description="Generate JSON Schema and AsyncAPI files from the contracts registry.",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file is out of date"
    )
    parser.add_argument(
        "--root", type=Path, default=None, help="the contracts/ directory (default: found)"
    )
    args = parser.parse_args(argv)
    root: Path = args.root or contracts_root()
    if args.check:
        drifted = check(root)
        for name in drifted:
            print(f"out of date: {root / name}", file=sys.stderr)
        if drifted:
            print("run: python -m dagtilbud_contracts.export", file=sys.stderr)
            return 1
        return 0
    for name in write(root):
        print(f"wrote {root / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
