"""Profile aggregate: what an institution or its municipality reports voluntarily.

Produced by profiles on ``profiles.profiles.v1`` after every saved edit. The
payload is the whole profile as it now stands; key and subject are the
institution number. Register facts (name, address, kind) are not repeated here;
they live on the institution aggregate.

Fields added after the first version are optional (``required=False``), so an
event written before them stays valid; a consumer reads a missing one as
"not reported".
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
    """A date the institution is closed, e.g. the Friday after Ascension Day,
    or from ``date`` through ``until`` (summer closing)."""

    date = fields.Date(required=True, metadata={"description": "The (first) closed day."})
    until = fields.Date(
        required=False,
        allow_none=True,
        metadata={"description": "The last closed day of a range; null or absent for one day."},
    )
    reason = f.text(max_length=200, required=True, allow_none=True)

    @validates_schema
    def _check_range(self, data: dict[str, Any], **kwargs: Any) -> None:
        until = data.get("until")
        if until is not None and until < data["date"]:
            raise ValidationError("the range ends before it starts", "until")


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
    organic_share_pct = f.integer(
        required=False,
        allow_none=True,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "Share of organic food in percent; null when not stated."},
    )
    kitchen = f.choice(
        v.KITCHENS,
        required=False,
        allow_none=True,
        metadata={"description": "Cooked in the institution's own kitchen or by a supplier."},
    )

    @validates_schema
    def _check_offered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["offered"] and data["kind"] is None:
            raise ValidationError("say which meals are offered", "kind")
        if not data["offered"]:
            for name in ("kind", "price_per_month_dkk", "organic_share_pct", "kitchen"):
                if data.get(name) is not None:
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

    substitute_care_note = f.text(
        max_length=500,
        required=False,
        allow_none=True,
        metadata={
            "description": "How gæstepleje works in the district, in the municipality's words."
        },
    )
    postcodes = fields.List(
        f.pattern(v.POSTCODE_PATTERN),
        required=False,
        validate=validate.Length(max=50),
        metadata={"description": "The postcodes the district covers (no childminder's address)."},
    )

    @validates_schema
    def _check_unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        if len(set(data["playgroup_weekdays"])) != len(data["playgroup_weekdays"]):
            raise ValidationError("a weekday appears twice", "playgroup_weekdays")
        postcodes = data.get("postcodes") or []
        if len(set(postcodes)) != len(postcodes):
            raise ValidationError("a postcode appears twice", "postcodes")


class OpenPlacesSchema(Schema):
    """Whether an age group has open places (ledige pladser), as reported on a day."""

    age_group = f.choice(v.AGE_GROUPS, required=True)
    status = f.choice(
        v.OPEN_PLACE_STATUSES,
        required=True,
        metadata={"description": "yes: places are open; no: none; waiting_list: a waiting list."},
    )
    from_month = f.pattern(
        v.MONTH_PATTERN,
        required=True,
        allow_none=True,
        metadata={"description": "YYYY-MM the places are open from; null when there are none."},
    )
    reported_on = fields.Date(
        required=True,
        metadata={
            "description": (
                f"The day it was reported; older than {v.OPEN_PLACES_FRESH_DAYS} days is stale."
            )
        },
    )

    @validates_schema
    def _check_month(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["status"] == "yes" and data["from_month"] is None:
            raise ValidationError("say from which month places are open", "from_month")
        if data["status"] == "no" and data["from_month"] is not None:
            raise ValidationError("no places are open", "from_month")


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
    languages = fields.List(
        f.choice(v.LANGUAGES),
        required=False,
        validate=validate.Length(max=len(v.LANGUAGES)),
        metadata={"description": "Languages spoken besides Danish (ISO 639-1)."},
    )
    accessibility = f.text(
        max_length=500,
        required=False,
        allow_none=True,
        metadata={
            "description": "A short note on access for children and parents with disabilities."
        },
    )
    open_places = fields.List(
        fields.Nested(OpenPlacesSchema),
        required=False,
        validate=validate.Length(max=len(v.AGE_GROUPS)),
        metadata={"description": "Open places per age group; absent or empty until reported."},
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
        languages = data.get("languages") or []
        if len(set(languages)) != len(languages):
            raise ValidationError("a language appears twice", "languages")
        groups = [place["age_group"] for place in data.get("open_places") or []]
        if len(set(groups)) != len(groups):
            raise ValidationError("an age group appears twice", "open_places")
