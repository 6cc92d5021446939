"""Institution aggregate: one daycare unit from the daycare register.

Produced by ingest on ``ingest.institutions.v1`` whenever an import changes a
unit. Every event carries the unit's whole current state as the register and
the import see it; key and subject are the institution number.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from dagtilbud_contracts import _fields as f
from dagtilbud_contracts import vocabulary as v

REGISTERED = "dk.dagtilbud.institution.registered.v1"
UPDATED = "dk.dagtilbud.institution.updated.v1"
CLOSED = "dk.dagtilbud.institution.closed.v1"


class AddressSchema(Schema):
    """Postal address as the register states it."""

    street = f.text(
        max_length=200,
        required=True,
        metadata={"description": "Street name and house number (vejNavn + husNummer)."},
    )
    postcode = f.pattern(
        v.POSTCODE_PATTERN,
        required=True,
        metadata={"description": "Four-digit postcode as a string, so 0800 keeps its zero."},
    )
    city = f.text(
        max_length=100,
        required=True,
        metadata={"description": "Postal district name (postdistrikt), e.g. Vanløse."},
    )


class LocationSchema(Schema):
    """WGS84 decimal degrees (EPSG:4326)."""

    lat = f.JsonNumber(required=True, validate=validate.Range(min=v.LAT_MIN, max=v.LAT_MAX))
    lon = f.JsonNumber(required=True, validate=validate.Range(min=v.LON_MIN, max=v.LON_MAX))


class RegisterContactSchema(Schema):
    """Contact details published in the register; any of them may be absent."""

    phone = f.pattern(v.PHONE_PATTERN, required=True, allow_none=True)
    # RFC 5321 limits an address to 254 characters.
    email = fields.Email(required=True, allow_none=True, validate=validate.Length(max=254))
    website = f.web_url(required=True, allow_none=True)


class InstitutionSchema(Schema):
    """Full state of a daycare unit from the daycare register."""

    institution_number = f.pattern(
        v.INSTITUTION_NUMBER_PATTERN,
        required=True,
        metadata={"description": "The register's 6-character number, never reused."},
    )
    name = f.text(max_length=200, required=True)
    kind = f.choice(v.INSTITUTION_KINDS, required=True)
    ownership = f.choice(v.OWNERSHIPS, required=True)
    municipality_code = f.municipality_code(required=True)
    address = fields.Nested(AddressSchema, required=True)
    location = fields.Nested(
        LocationSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Null when the register has no coordinates for the unit."},
    )
    accepts_0_2 = f.JsonBoolean(
        required=True, metadata={"description": "Takes children aged 0-2 (vuggestue age)."}
    )
    accepts_3_5 = f.JsonBoolean(
        required=True, metadata={"description": "Takes children aged 3-5 (børnehave age)."}
    )
    capacity = f.integer(
        required=True,
        allow_none=True,
        validate=validate.Range(min=1, max=2000),
        metadata={"description": "Number of places; null when the register does not say."},
    )
    status = f.choice(v.INSTITUTION_STATUSES, required=True)
    register_source = f.text(
        max_length=100,
        required=True,
        metadata={"description": "The register the facts come from."},
    )
    dataset_version = f.text(
        max_length=100,
        required=True,
        metadata={"description": "Id of the ingest dataset version (import) that produced it."},
    )
    opened_on = fields.Date(required=True, allow_none=True)
    closed_on = fields.Date(
        required=True,
        allow_none=True,
        metadata={"description": "Set exactly when status is closed."},
    )
    contact = fields.Nested(RegisterContactSchema, required=True, allow_none=True)

    @validates_schema
    def _check_consistency(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not (data["accepts_0_2"] or data["accepts_3_5"]):
            raise ValidationError("a unit takes at least one age group", "accepts_0_2")
        if data["status"] == "closed" and data["closed_on"] is None:
            raise ValidationError("a closed unit has a closing date", "closed_on")
        if data["status"] == "active" and data["closed_on"] is not None:
            raise ValidationError("an active unit has no closing date", "closed_on")
        opened, closed = data["opened_on"], data["closed_on"]
        if opened is not None and closed is not None and closed < opened:
            raise ValidationError("closed before it opened", "closed_on")


class InstitutionRegisteredSchema(InstitutionSchema):
    """Full state of the new unit; the register lists active units only, so the
    status is active."""

    status = fields.String(required=True, validate=validate.Equal("active"))


class InstitutionUpdatedSchema(InstitutionSchema):
    """Full state of the unit after the change; a closed unit may still be corrected."""


class InstitutionClosedSchema(InstitutionSchema):
    """Full state of the unit as it closed; status is closed and closed_on is set."""

    status = fields.String(required=True, validate=validate.Equal("closed"))
    closed_on = fields.Date(
        required=True,
        metadata={"description": "Closing date from the register, else the import date."},
    )
