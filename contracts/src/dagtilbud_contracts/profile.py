"""Profile aggregate: what an institution or its municipality reports voluntarily.

Produced by profiles on ``profiles.profiles.v1`` after every saved edit. The
payload is the whole profile as it now stands; key and subject are the
institution number. Register facts (name, address, kind) are not repeated here;
they live on the institution aggregate.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from dagtilbud_contracts import _fields as f
from dagtilbud_contracts import vocabulary as v

UPDATED = "dk.dagtilbud.profile.updated.v1"


class OpeningHoursSchema(Schema):
    """Opening hours for one weekday. Two rows for one weekday mean a split day."""

    weekday = f.integer(
        required=True,
        validate=validate.Range(min=0, max=6),
        metadata={"description": "0 = Monday ... 6 = Sunday (ISO order, zero-based)."},
    )
    opens = f.pattern(v.CLOCK_PATTERN, required=True, metadata={"description": "HH:MM local time"})
    closes = f.pattern(v.CLOCK_PATTERN, required=True, metadata={"description": "HH:MM local time"})

    @validates_schema
    def _check_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        # Zero-padded HH:MM strings sort like the times they name.
        if data["closes"] <= data["opens"]:
            raise ValidationError("closes must be after opens", "closes")


class ClosingDaySchema(Schema):
    """A date the institution is closed, e.g. the Friday after Ascension Day."""

    date = fields.Date(required=True)
    reason = f.text(max_length=200, required=True, allow_none=True)


class ProfileContactSchema(Schema):
    """Contact details the institution chooses to show parents."""

    leader_name = f.text(max_length=200, required=True, allow_none=True)
    phone = f.pattern(v.PHONE_PATTERN, required=True, allow_none=True)
    # RFC 5321 limits an address to 254 characters.
    email = fields.Email(required=True, allow_none=True, validate=validate.Length(max=254))
    website = f.web_url(required=True, allow_none=True)


class MealSchemeSchema(Schema):
    """The madordning: whether meals are served, which, and what they cost."""

    offered = f.JsonBoolean(required=True)
    kind = f.choice(
        v.MEAL_KINDS,
        required=True,
        allow_none=True,
        metadata={"description": "Null exactly when no meals are offered (madpakke)."},
    )
    diets = fields.List(
        f.choice(v.DIETS),
        required=True,
        validate=validate.Length(max=len(v.DIETS)),
        metadata={"description": "Special diets the kitchen caters for."},
    )
    price_per_month_dkk = f.JsonNumber(
        required=True,
        allow_none=True,
        validate=validate.Range(min=0, max=10000),
        metadata={"description": "Parents' monthly payment in DKK; null when not stated."},
    )

    @validates_schema
    def _check_offered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["offered"] and data["kind"] is None:
            raise ValidationError("say which meals are offered", "kind")
        if not data["offered"]:
            for name in ("kind", "price_per_month_dkk"):
                if data[name] is not None:
                    raise ValidationError("no meals are offered", name)
            if data["diets"]:
                raise ValidationError("no meals are offered", "diets")
        if len(set(data["diets"])) != len(data["diets"]):
            raise ValidationError("a diet appears twice", "diets")


class DagplejeSchema(Schema):
    """Details only a dagpleje (family daycare district) reports."""

    childminder_count = f.integer(
        required=True,
        allow_none=True,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "Number of dagplejere in the district."},
    )
    children_per_childminder = f.integer(
        required=True,
        allow_none=True,
        validate=validate.Range(min=1, max=5),
        metadata={"description": "Usual number of children with one dagplejer."},
    )
    substitute_care = f.choice(
        v.SUBSTITUTE_CARE_KINDS,
        required=True,
        allow_none=True,
        metadata={"description": "Where children go when their dagplejer is away (gæstepleje)."},
    )
    playgroup_weekdays = fields.List(
        f.integer(validate=validate.Range(min=0, max=6)),
        required=True,
        validate=validate.Length(max=7),
        metadata={"description": "Weekdays with legestue (playgroup), 0 = Monday."},
    )

    @validates_schema
    def _check_unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        if len(set(data["playgroup_weekdays"])) != len(data["playgroup_weekdays"]):
            raise ValidationError("a weekday appears twice", "playgroup_weekdays")


class ProfileSchema(Schema):
    """Full voluntary profile of one institution."""

    institution_number = f.pattern(v.INSTITUTION_NUMBER_PATTERN, required=True)
    description = f.text(
        max_length=4000,
        required=True,
        allow_none=True,
        metadata={"description": "Free text shown to parents; null when none is written."},
    )
    opening_hours = fields.List(
        fields.Nested(OpeningHoursSchema),
        required=True,
        validate=validate.Length(max=14),
    )
    closing_days = fields.List(
        fields.Nested(ClosingDaySchema),
        required=True,
        validate=validate.Length(max=366),
    )
    contact = fields.Nested(ProfileContactSchema, required=True)
    meal_scheme = fields.Nested(
        MealSchemeSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Null until the institution has reported it."},
    )
    tags = fields.List(
        f.pattern(v.TAG_PATTERN),
        required=True,
        validate=validate.Length(max=30),
        metadata={"description": "Lowercase keywords, e.g. udeliv, naturboernehave."},
    )
    dagpleje = fields.Nested(
        DagplejeSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Set for dagpleje units only."},
    )
    updated_at = fields.AwareDateTime(required=True, format="iso")
    updated_by = f.pattern(
        v.UUID_PATTERN,
        required=True,
        metadata={"format": "uuid", "description": "Account id of whoever saved the change."},
    )

    @validates_schema
    def _check_unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        dates = [day["date"] for day in data["closing_days"]]
        if len(set(dates)) != len(dates):
            raise ValidationError("a closing day appears twice", "closing_days")
        if len(set(data["tags"])) != len(data["tags"]):
            raise ValidationError("a tag appears twice", "tags")
