"""Response schemas more than one endpoint answers with: an institution's
document (detail and compare) and a page of search hits. They document; the
hot search path writes its JSON itself (see api/institutions.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from marshmallow import Schema, fields, validate

from dagtilbud_contracts.vocabulary import (
    AGE_GROUPS,
    INDICATORS,
    INSTITUTION_KINDS,
    LANGUAGES,
    OPEN_PLACE_STATUSES,
    OPEN_PLACES_FRESH_DAYS,
    OWNERSHIPS,
)

FieldT = TypeVar("FieldT", bound="fields.Field[Any]")

# Something besides spaces: a blank q is refused by the schema, not by the geocoder.
# Whitespace spelled out: Python's \s also matches U+0085 and JSON Schema's
# (ECMA's) does not, so "\x85" passed the document and failed the check.
NOT_BLANK = r"[ \t\n\r\f\v]*[^ \t\n\r\f\v]"


def nullable(kind: Callable[..., FieldT], *args: Any, description: str | None = None) -> FieldT:
    """A field every answer has, null where ``description`` says."""
    metadata = {"description": description} if description else {}
    return kind(*args, required=True, allow_none=True, metadata=metadata)


class AddressSchema(Schema):
    street = fields.String(required=True)
    postcode = fields.String(required=True, metadata={"example": "8000"})
    city = fields.String(required=True)


class LocationSchema(Schema):
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)


class MunicipalityRefSchema(Schema):
    code = fields.Integer(required=True, metadata={"example": 751})
    name = nullable(
        fields.String, description="Null until the municipality's statistics have arrived"
    )


class RegisterRefSchema(Schema):
    source = fields.String(required=True)
    dataset_version = fields.String(required=True)


SERIES_DESCRIPTION = (
    "How a normering was counted: opgoerelse_til_2022, or opgoerelse_fra_2023 (the method "
    "changed in 2023; figures of two series are not comparable and are never averaged "
    "together). Null for other indicators."
)


def series_field() -> fields.String:
    return nullable(fields.String, description=SERIES_DESCRIPTION)


class YearValueSchema(Schema):
    """What every figure has: its value (null: the source has none) and its year."""

    value = nullable(fields.Float)
    year = fields.Integer(required=True)


class MunicipalFigureSchema(YearValueSchema):
    value = nullable(
        fields.Float, description="Null when the source has no value; missing is not zero"
    )
    source = fields.String(required=True)
    series = series_field()


# Every indicator's latest municipal figure, or null when there is none.
MunicipalFiguresSchema = Schema.from_dict(
    {
        indicator: nullable(
            fields.Nested,
            MunicipalFigureSchema,
            description="Null when the municipality has no figure at all",
        )
        for indicator in INDICATORS
    },
    name="MunicipalFigures",
)


class NationalFigureSchema(MunicipalFigureSchema):
    method = fields.String(required=True)
    municipalities = fields.Integer(required=True)


class FigureRowSchema(Schema):
    indicator = fields.String(required=True)
    municipality = nullable(
        fields.Nested, MunicipalFigureSchema, description="The municipality's latest figure"
    )
    national = nullable(
        fields.Nested, NationalFigureSchema, description="The national figure of the same year"
    )


class InstitutionFactsSchema(Schema):
    """The register facts a search hit and an institution's document both show."""

    institution_number = fields.String(required=True, metadata={"example": "G18062"})
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(INSTITUTION_KINDS))
    ownership = fields.String(required=True, validate=validate.OneOf(OWNERSHIPS))
    municipality = fields.Nested(MunicipalityRefSchema, required=True)
    address = fields.Nested(AddressSchema, required=True)
    location = nullable(fields.Nested, LocationSchema)
    accepts_0_2 = fields.Boolean(required=True)
    accepts_3_5 = fields.Boolean(required=True)


class InstitutionDocumentSchema(InstitutionFactsSchema):
    status = fields.String(required=True, validate=validate.OneOf(("active", "closed")))
    capacity = nullable(fields.Integer)
    register_contact = nullable(
        fields.Dict, description="phone, email and website as the register states them"
    )
    register = fields.Nested(RegisterRefSchema, required=True)
    profile = nullable(
        fields.Dict,
        description="The institution's own profile (the profile event's payload); null when "
        "it has reported none",
    )
    figures = fields.List(fields.Nested(FigureRowSchema), required=True)


class HitNormeringSchema(YearValueSchema):
    indicator = fields.String(required=True, metadata={"example": "normering_3_5"})


class HitOpenPlacesSchema(Schema):
    """One age group's open places as the profile reports them."""

    age_group = fields.String(required=True, validate=validate.OneOf(AGE_GROUPS))
    status = fields.String(
        required=True,
        validate=validate.OneOf(OPEN_PLACE_STATUSES),
        metadata={"description": "yes: places are open; no: none; waiting_list: a waiting list"},
    )
    from_month = nullable(
        fields.String, description="YYYY-MM the places are open from; null when there are none"
    )
    reported_on = fields.Date(required=True, metadata={"description": "The day it was reported"})
    fresh = fields.Boolean(
        required=True,
        metadata={
            "description": f"Whether the report is at most {OPEN_PLACES_FRESH_DAYS} days old "
            "today (Danish time); a stale report does not count for the open_places filter"
        },
    )


class SearchHitSchema(InstitutionFactsSchema):
    distance_m = fields.Integer(required=True, metadata={"description": "Metres, haversine"})
    normering = nullable(
        fields.Nested,
        HitNormeringSchema,
        description="The municipality's latest normering for the age group asked for, or "
        "else for the institution's kind",
    )
    meal_offered = nullable(fields.Boolean, description="Null: not reported")
    opens_latest = nullable(
        fields.String, description="The latest weekday opening (HH:MM); null: not reported"
    )
    closes_earliest = nullable(
        fields.String, description="The earliest weekday closing (HH:MM); null: not reported"
    )
    tags = fields.List(fields.String(), required=True)
    languages = fields.List(
        fields.String(validate=validate.OneOf(LANGUAGES)),
        required=True,
        metadata={
            "description": "Languages spoken besides Danish (ISO 639-1); empty: none reported"
        },
    )
    open_places = fields.List(
        fields.Nested(HitOpenPlacesSchema),
        required=True,
        metadata={"description": "Open places per age group as reported; empty: none reported"},
    )


# The keys are the age groups themselves, which are not Python names.
AgeGroupFacetSchema = Schema.from_dict(
    {"0-2": fields.Integer(required=True), "3-5": fields.Integer(required=True)},
    name="AgeGroupFacet",
)
OpenPlacesFacetSchema = Schema.from_dict(
    {"0-2": fields.Integer(required=True), "3-5": fields.Integer(required=True)},
    name="OpenPlacesFacet",
)


def _counts(description: str | None = None) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": description} if description else None,
    )


class FacetsSchema(Schema):
    kind = _counts()
    ownership = _counts()
    municipality = _counts("Keyed by municipality code")
    age_group = fields.Nested(AgeGroupFacetSchema, required=True)
    meal = _counts()
    tag = _counts("The 30 most common")
    open_places = fields.Nested(
        OpenPlacesFacetSchema,
        required=True,
        metadata={
            "description": "Per age group, the institutions reporting open places (yes) in a "
            "report that is still fresh today"
        },
    )
    language = _counts("Keyed by ISO 639-1 code: the institutions speaking it")


class GeocodedPointSchema(Schema):
    postcode = fields.String(required=True)
    name = fields.String(required=True)
    precision = fields.String(required=True, metadata={"example": "postcode"})


class SearchPointSchema(LocationSchema):
    geocoded = nullable(
        fields.Nested,
        GeocodedPointSchema,
        description="How q was placed; null when lat and lon were given",
    )


class SearchResponseSchema(Schema):
    total = fields.Integer(required=True, metadata={"description": "Hits on every page"})
    sort = fields.String(required=True)
    hits = fields.List(fields.Nested(SearchHitSchema), required=True)
    facets = fields.Nested(FacetsSchema, required=True)
    next_cursor = nullable(
        fields.String,
        description="Pass as cursor for the next page; null on the last page",
    )
    point = fields.Nested(SearchPointSchema, required=True)


# Institution numbers are upper case in the register; people type them in any case.
NUMBER_ANY_CASE = r"^[A-Za-z0-9]{6}$"
NUMBER_PARAMETER = {
    "in": "path",
    "name": "number",
    "required": True,
    "description": "Institution number, 6 letters or digits, in any case (d10041 is D10041)",
    "schema": {"type": "string", "pattern": NUMBER_ANY_CASE, "example": "G18062"},
}


class InstitutionNumbers(fields.List[str]):
    """Institution numbers as ``ids=a&ids=b`` (OpenAPI's form) or ``ids=a,b``,
    or both at once; in any case, given back upper case."""

    # webargs reads every value of a repeated query parameter for a list field.
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            fields.String(
                validate=validate.Regexp(
                    NUMBER_ANY_CASE, error="{input!r} is not an institution number"
                )
            ),
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        values = value if isinstance(value, list) else [value]
        parts = [
            part.strip()
            for item in values
            for part in (item.split(",") if isinstance(item, str) else [item])
        ]
        numbers: list[Any] = super()._deserialize(parts, attr, data, **kwargs)
        return [n.upper() for n in numbers]
