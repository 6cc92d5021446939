"""Response schemas more than one endpoint answers with: an institution's
document (detail and compare) and a page of search hits. They document; the
hot search path writes its JSON itself (see api/institutions.py)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from dagtilbud_contracts.vocabulary import INDICATORS, INSTITUTION_KINDS, OWNERSHIPS


class AddressSchema(Schema):
    street = fields.String(required=True)
    postcode = fields.String(required=True, metadata={"example": "8000"})
    city = fields.String(required=True)


class LocationSchema(Schema):
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)


class MunicipalityRefSchema(Schema):
    code = fields.Integer(required=True, metadata={"example": 751})
    name = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Null until the municipality's statistics have arrived"},
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
    return fields.String(
        required=True, allow_none=True, metadata={"description": SERIES_DESCRIPTION}
    )


class MunicipalFigureSchema(Schema):
    value = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "Null when the source has no value; missing is not zero"},
    )
    year = fields.Integer(required=True)
    source = fields.String(required=True)
    series = series_field()


# Every indicator's latest municipal figure, or null when there is none.
MunicipalFiguresSchema = Schema.from_dict(
    {
        indicator: fields.Nested(
            MunicipalFigureSchema,
            required=True,
            allow_none=True,
            metadata={"description": "Null when the municipality has no figure at all"},
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
    municipality = fields.Nested(
        MunicipalFigureSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The municipality's latest figure"},
    )
    national = fields.Nested(
        NationalFigureSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The national figure of the same year"},
    )


class InstitutionDocumentSchema(Schema):
    institution_number = fields.String(required=True, metadata={"example": "G18062"})
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(INSTITUTION_KINDS))
    ownership = fields.String(required=True, validate=validate.OneOf(OWNERSHIPS))
    status = fields.String(required=True, validate=validate.OneOf(("active", "closed")))
    municipality = fields.Nested(MunicipalityRefSchema, required=True)
    address = fields.Nested(AddressSchema, required=True)
    location = fields.Nested(LocationSchema, required=True, allow_none=True)
    accepts_0_2 = fields.Boolean(required=True)
    accepts_3_5 = fields.Boolean(required=True)
    capacity = fields.Integer(required=True, allow_none=True)
    register_contact = fields.Dict(
        required=True,
        allow_none=True,
        metadata={"description": "phone, email and website as the register states them"},
    )
    register = fields.Nested(RegisterRefSchema, required=True)
    profile = fields.Dict(
        required=True,
        allow_none=True,
        metadata={
            "description": "The institution's own profile (the profile event's "
            "payload); null when it has reported none"
        },
    )
    figures = fields.List(fields.Nested(FigureRowSchema), required=True)


class HitNormeringSchema(Schema):
    indicator = fields.String(required=True, metadata={"example": "normering_3_5"})
    value = fields.Float(required=True, allow_none=True)
    year = fields.Integer(required=True)


class SearchHitSchema(Schema):
    institution_number = fields.String(required=True, metadata={"example": "G18062"})
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(INSTITUTION_KINDS))
    ownership = fields.String(required=True, validate=validate.OneOf(OWNERSHIPS))
    municipality = fields.Nested(MunicipalityRefSchema, required=True)
    address = fields.Nested(AddressSchema, required=True)
    location = fields.Nested(LocationSchema, required=True, allow_none=True)
    distance_m = fields.Integer(required=True, metadata={"description": "Metres, haversine"})
    accepts_0_2 = fields.Boolean(required=True)
    accepts_3_5 = fields.Boolean(required=True)
    normering = fields.Nested(
        HitNormeringSchema,
        required=True,
        allow_none=True,
        metadata={
            "description": "The municipality's latest normering for the age group asked "
            "for, or else for the institution's kind"
        },
    )
    meal_offered = fields.Boolean(
        required=True, allow_none=True, metadata={"description": "Null: not reported"}
    )
    opens_latest = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The latest weekday opening (HH:MM); null: not reported"},
    )
    closes_earliest = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The earliest weekday closing (HH:MM); null: not reported"},
    )
    tags = fields.List(fields.String(), required=True)


# The keys are the age groups themselves, which are not Python names.
AgeGroupFacetSchema = Schema.from_dict(
    {"0-2": fields.Integer(required=True), "3-5": fields.Integer(required=True)},
    name="AgeGroupFacet",
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


class GeocodedPointSchema(Schema):
    postcode = fields.String(required=True)
    name = fields.String(required=True)
    precision = fields.String(required=True, metadata={"example": "postcode"})


class SearchPointSchema(Schema):
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    geocoded = fields.Nested(
        GeocodedPointSchema,
        required=True,
        allow_none=True,
        metadata={"description": "How q was placed; null when lat and lon were given"},
    )


class SearchResponseSchema(Schema):
    total = fields.Integer(required=True, metadata={"description": "Hits on every page"})
    sort = fields.String(required=True)
    hits = fields.List(fields.Nested(SearchHitSchema), required=True)
    facets = fields.Nested(FacetsSchema, required=True)
    next_cursor = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Pass as cursor for the next page; null on the last page"},
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
