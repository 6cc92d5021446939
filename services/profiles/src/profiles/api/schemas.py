"""What the profiles API reads and answers.

The input schemas are the contract's payload schemas made stricter where a
person types (a Danish phone number, an https website, focus areas and
languages from the portal's lists, no control characters in text), without
the fields the service sets itself (the day an open-places report is made).
Every schema refuses unknown fields: a dagpleje report has no field for a
childminder's name or address, so none can be sent.
"""

from __future__ import annotations

import re
from typing import Any, Final

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from dagtilbud_contracts import profile as contract
from dagtilbud_contracts import vocabulary as v
from profiles.domain.profile import DAGPLEJE_FIELDS, PROFILE_FIELDS

# Newlines and tabs are text; other control characters are never typed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PHONE: Final = r"^(\+45 ?)?([0-9] ?){7}[0-9]$"
PHONE_MESSAGE: Final = "A Danish phone number: 8 digits, optionally after +45."
CLOCK_MESSAGE: Final = "Use the time form HH:MM, from 00:00 to 23:59."


def _no_control_characters(value: str) -> None:
    if _CONTROL.search(value):
        raise ValidationError("Contains control characters.")


def text(max_length: int, *, required: bool = True) -> fields.String:
    return fields.String(
        required=required,
        allow_none=True,
        validate=[validate.Length(min=1, max=max_length), _no_control_characters],
        metadata={"description": f"Plain text, at most {max_length} characters; null for none."},
    )


class Strict(Schema):
    class Meta:
        unknown = RAISE


class OpeningHoursInput(contract.OpeningHoursSchema, Strict):
    opens = fields.String(
        required=True, validate=validate.Regexp(v.CLOCK_PATTERN, error=CLOCK_MESSAGE)
    )
    closes = fields.String(
        required=True, validate=validate.Regexp(v.CLOCK_PATTERN, error=CLOCK_MESSAGE)
    )


class ClosingDayInput(contract.ClosingDaySchema, Strict):
    reason = text(200)
    until = fields.Date(load_default=None, allow_none=True)


class ContactInput(contract.ProfileContactSchema, Strict):
    leader_name = text(200)
    phone = fields.String(
        required=True,
        allow_none=True,
        validate=validate.Regexp(
            PHONE, error="A Danish phone number: 8 digits, optionally after +45."
        ),
    )
    website = fields.URL(
        required=True,
        allow_none=True,
        schemes={"https"},
        validate=validate.Length(max=500),
        error_messages={"invalid": "The website must start with https://."},
        metadata={"format": "uri"},
    )


class MealSchemeInput(contract.MealSchemeSchema, Strict):
    organic_share_pct = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=0, max=100)
    )
    kitchen = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(v.KITCHENS))


class OpenPlacesInput(contract.OpenPlacesSchema, Strict):
    """The day of the report is the service's, so it is not sent."""

    from_month = fields.String(
        required=True,
        allow_none=True,
        validate=validate.Regexp(v.MONTH_PATTERN, error="Use the month form YYYY-MM."),
    )
    reported_on = fields.Date(dump_only=True)


class DagplejeInput(contract.DagplejeSchema, Strict):
    substitute_care_note = text(500, required=False)
    postcodes = fields.List(
        fields.String(validate=validate.Regexp(v.POSTCODE_PATTERN)),
        load_default=list,
        validate=validate.Length(max=50),
    )


def _one_of(choices: tuple[str, ...], error: str) -> fields.String:
    return fields.String(validate=validate.OneOf(choices, error=error))


class ProfileInput(Strict):
    """The whole profile (PUT); a PATCH sends any of its fields."""

    description = text(4000)
    tags = fields.List(
        _one_of(v.FOCUS_TAGS, "Not one of the portal's focus areas."),
        required=True,
        validate=validate.Length(max=len(v.FOCUS_TAGS)),
        metadata={"description": f"Pedagogical focus areas: {', '.join(v.FOCUS_TAGS)}"},
    )
    languages = fields.List(
        _one_of(v.LANGUAGES, "Not one of the portal's languages."),
        required=True,
        validate=validate.Length(max=len(v.LANGUAGES)),
        metadata={"description": "Languages spoken besides Danish (ISO 639-1)"},
    )
    accessibility = text(500)
    contact = fields.Nested(ContactInput, required=True)
    opening_hours = fields.List(
        fields.Nested(OpeningHoursInput), required=True, validate=validate.Length(max=14)
    )
    closing_days = fields.List(
        fields.Nested(ClosingDayInput), required=True, validate=validate.Length(max=366)
    )
    meal_scheme = fields.Nested(MealSchemeInput, required=True, allow_none=True)
    open_places = fields.List(
        fields.Nested(OpenPlacesInput),
        required=True,
        validate=validate.Length(max=len(v.AGE_GROUPS)),
        metadata={"description": "Per age group; the day of the report is set by the service"},
    )

    @validates_schema
    def _check_unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        # The contract's whole-profile rule, for the fields a PATCH sends.
        for name, key, reason in _UNIQUE:
            if name in data:
                values = [item[key] if key else item for item in data[name]]
                if len(set(values)) != len(values):
                    raise ValidationError(reason, name)


_UNIQUE: Final = (
    ("closing_days", "date", "a closing day appears twice"),
    ("tags", None, "a tag appears twice"),
    ("languages", None, "a language appears twice"),
    ("open_places", "age_group", "an age group appears twice"),
)


class ProfilePatch(ProfileInput):
    """Any of the profile's fields (PATCH), each replaced whole."""


class DagplejeReportInput(Strict):
    """A municipality's report for one dagpleje district (PUT; a PATCH sends
    either field)."""

    dagpleje = fields.Nested(DagplejeInput, required=True)
    opening_hours = fields.List(
        fields.Nested(OpeningHoursInput), required=True, validate=validate.Length(max=14)
    )


class DagplejeReportPatch(DagplejeReportInput):
    """Either field of the report (PATCH)."""


assert tuple(ProfileInput._declared_fields) == PROFILE_FIELDS
assert tuple(DagplejeReportInput._declared_fields) == DAGPLEJE_FIELDS


# --- answers -------------------------------------------------------------------------


def _date_text(**kwargs: Any) -> fields.String:
    # Stored and published as ISO text; answered as it is stored.
    return fields.String(metadata={"format": "date"}, **kwargs)


class ClosingDayOutput(Schema):
    date = _date_text(required=True)
    until = _date_text(allow_none=True, required=True)
    reason = fields.String(allow_none=True, required=True)


class OpenPlacesOutput(Schema):
    age_group = fields.String(required=True)
    status = fields.String(required=True)
    from_month = fields.String(allow_none=True, required=True)
    reported_on = _date_text(required=True)
    fresh = fields.Boolean(
        required=True,
        metadata={"description": f"Reported at most {v.OPEN_PLACES_FRESH_DAYS} days ago"},
    )


class ProfileOutput(Schema):
    """An institution's own information as it stands, with its version (the ETag)."""

    institution_number = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "From the register"})
    kind = fields.String(required=True)
    municipality_code = fields.Integer(required=True)
    version = fields.Integer(
        required=True, metadata={"description": "0 until anything is reported; the ETag"}
    )
    read_only = fields.Boolean(
        required=True, metadata={"description": "The institution is closed: no more edits"}
    )
    description = fields.String(allow_none=True, required=True)
    tags = fields.List(fields.String(), required=True)
    languages = fields.List(fields.String(), required=True)
    accessibility = fields.String(allow_none=True, required=True)
    contact = fields.Nested(contract.ProfileContactSchema, required=True)
    opening_hours = fields.List(fields.Nested(contract.OpeningHoursSchema), required=True)
    closing_days = fields.List(fields.Nested(ClosingDayOutput), required=True)
    meal_scheme = fields.Nested(contract.MealSchemeSchema, allow_none=True, required=True)
    open_places = fields.List(fields.Nested(OpenPlacesOutput), required=True)
    dagpleje = fields.Nested(contract.DagplejeSchema, allow_none=True, required=True)
    updated_at = fields.AwareDateTime(allow_none=True, required=True)
    sections_saved_at = fields.Dict(
        keys=fields.String(),
        values=fields.AwareDateTime(),
        required=True,
        metadata={"description": "When each section was last saved"},
    )


class DagplejeOutput(Schema):
    institution_number = fields.String(required=True)
    name = fields.String(required=True)
    municipality_code = fields.Integer(required=True)
    version = fields.Integer(required=True)
    read_only = fields.Boolean(required=True)
    dagpleje = fields.Nested(contract.DagplejeSchema, allow_none=True, required=True)
    opening_hours = fields.List(fields.Nested(contract.OpeningHoursSchema), required=True)
    updated_at = fields.AwareDateTime(allow_none=True, required=True)


class DagplejeListOutput(Schema):
    municipality_code = fields.Integer(required=True)
    districts = fields.List(fields.Nested(DagplejeOutput), required=True)


class ChangeOutput(Schema):
    version = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    account_id = fields.String(required=True, metadata={"description": "Who saved it"})
    role = fields.String(required=True)
    fields_changed = fields.List(fields.String(), required=True, data_key="fields")
    correlation_id = fields.String(allow_none=True, required=True)


class HistoryOutput(Schema):
    institution_number = fields.String(required=True)
    changes = fields.List(fields.Nested(ChangeOutput), required=True)
    next_before = fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "Pass as `before` for older changes; null at the first"},
    )


class HistoryQuery(Strict):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    before = fields.Integer(
        load_default=None, validate=validate.Range(min=1), metadata={"description": "A version"}
    )


class CompletenessItem(Schema):
    institution_number = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    share_filled = fields.Float(required=True, metadata={"description": "0 to 1"})
    filled = fields.List(fields.String(), required=True)
    missing = fields.List(fields.String(), required=True)
    newest_edit_at = fields.AwareDateTime(allow_none=True, required=True)
    newest_edit_age_days = fields.Integer(allow_none=True, required=True)
    open_places_stale = fields.Boolean(required=True)


class CompletenessOutput(Schema):
    municipality_code = fields.Integer(required=True)
    institutions = fields.List(fields.Nested(CompletenessItem), required=True)
