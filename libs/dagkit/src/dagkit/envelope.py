"""CloudEvents 1.0 envelope (structured JSON mode) with the portal's extensions.

Every Kafka message value is one envelope. ``aggregateversion`` increases
strictly per subject so a consumer can drop what it already has;
``correlationid`` ties an event to the request or import that caused it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

SPEC_VERSION = "1.0"
JSON_CONTENT_TYPE = "application/json"
TYPE_PATTERN = r"^dk\.dagtilbud\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[0-9]+$"


class EnvelopeError(ValueError):
    """A message that is not a valid envelope; it can never be processed."""


class EnvelopeSchema(Schema):
    """The envelope's wire shape. Unknown attributes are CloudEvents extensions
    other producers may add; they are ignored, not rejected."""

    class Meta:
        unknown = EXCLUDE
        ordered = True

    specversion = fields.String(required=True, validate=validate.Equal(SPEC_VERSION))
    id = fields.UUID(required=True)
    source = fields.String(required=True, validate=validate.Regexp(r"^/services/[a-z]+$"))
    type = fields.String(required=True, validate=validate.Regexp(TYPE_PATTERN))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    time = fields.AwareDateTime(required=True, format="iso")
    datacontenttype = fields.String(required=True, validate=validate.Equal(JSON_CONTENT_TYPE))
    dataschema = fields.String(load_default=None, allow_none=True)
    aggregateversion = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    correlationid = fields.String(required=True, validate=validate.Length(min=1, max=200))
    data = fields.Dict(keys=fields.String(), required=True)


_SCHEMA = EnvelopeSchema()


@dataclass(frozen=True)
class Envelope:
    source: str
    type: str
    subject: str
    data: dict[str, Any]
    aggregateversion: int
    correlationid: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    dataschema: str | None = None
    datacontenttype: str = JSON_CONTENT_TYPE
    specversion: str = SPEC_VERSION

    @classmethod
    def new(
        cls,
        *,
        source: str,
        type: str,
        subject: str,
        data: dict[str, Any],
        aggregate_version: int,
        correlation_id: str | None = None,
        dataschema: str | None = None,
    ) -> Envelope:
        return cls(
            source=source,
            type=type,
            subject=subject,
            data=data,
            aggregateversion=aggregate_version,
            correlationid=correlation_id or str(uuid.uuid4()),
            dataschema=dataschema,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time.isoformat().replace("+00:00", "Z"),
            "datacontenttype": self.datacontenttype,
        }
        if self.dataschema is not None:
            out["dataschema"] = self.dataschema
        out["aggregateversion"] = self.aggregateversion
        out["correlationid"] = self.correlationid
        out["data"] = self.data
        return out

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_dict(cls, raw: Any) -> Envelope:
        if not isinstance(raw, dict):
            raise EnvelopeError("invalid envelope: not an object")
        try:
            loaded: dict[str, Any] = _SCHEMA.load(raw)
        except ValidationError as exc:
            raise EnvelopeError(f"invalid envelope: {exc.messages}") from None
        return cls(
            id=str(loaded["id"]),
            source=loaded["source"],
            type=loaded["type"],
            subject=loaded["subject"],
            time=loaded["time"],
            datacontenttype=loaded["datacontenttype"],
            dataschema=loaded["dataschema"],
            aggregateversion=loaded["aggregateversion"],
            correlationid=loaded["correlationid"],
            data=loaded["data"],
            specversion=loaded["specversion"],
        )

    @classmethod
    def from_json(cls, value: bytes | str | None) -> Envelope:
        if value is None:
            raise EnvelopeError("empty message")
        try:
            raw = json.loads(value)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise EnvelopeError(f"message is not JSON: {exc}") from exc
        return cls.from_dict(raw)


__all__ = ["Envelope", "EnvelopeError", "EnvelopeSchema", "ValidationError"]
