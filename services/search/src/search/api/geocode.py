"""Placing a postcode, town or address on the map, for distance search."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from search.api.problems import GeocodeErrorSchema, answer_422s, cannot_place, reads_query
from search.api.schemas import NOT_BLANK
from search.bootstrap import context
from search.domain.geocoding import Geocoded, GeocodeError, Geocoder

blp = Blueprint(
    "geocode",
    __name__,
    url_prefix="/v1",
    description="Postcodes, towns and addresses to coordinates (postcode precision)",
)
# Every 422 here, a q that fails validation too, has GeocodeError's shape.
answer_422s(blp, with_suggestions=True)


class GeocodeQuerySchema(Schema):
    q = fields.String(
        required=True,
        # Not blank: a blank q is refused by the schema, as the document says.
        validate=[validate.Length(min=1, max=200), validate.Regexp(NOT_BLANK)],
        metadata={
            "description": "A postcode, postcode and town, a town, or an address ending in "
            "postcode and town",
            "example": "Vestergade 12, 8000 Aarhus C",
        },
    )


class GeocodedSchema(Schema):
    query = fields.String(required=True)
    lat = fields.Float(required=True, metadata={"description": "WGS84 latitude"})
    lon = fields.Float(required=True, metadata={"description": "WGS84 longitude"})
    postcode = fields.String(required=True, metadata={"example": "8000"})
    name = fields.String(required=True, metadata={"example": "Aarhus C"})
    precision = fields.String(
        required=True,
        metadata={
            "description": "postcode: the point is the postcode's point, on land where its "
            "families live (the medoid of its daycare units where it has any)"
        },
    )
    municipality_codes = fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "Municipalities the postal district overlaps"},
    )
    alternatives = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "Other postcodes with the same name, when a town name was given "
            "(København K has many)"
        },
    )


def _geocoder() -> Geocoder:
    return context().geocoder


def _present(found: Geocoded) -> dict[str, Any]:
    place = found.place
    return {
        "query": found.query,
        "lat": place.point.lat,
        "lon": place.point.lon,
        "postcode": place.postcode,
        "name": place.name,
        "precision": found.precision,
        "municipality_codes": list(place.municipality_codes),
        "alternatives": [p.postcode for p in found.alternatives],
    }


@blp.route("/geocode")
class Geocode(MethodView):
    @reads_query(
        blp,
        GeocodeQuerySchema,
        problem=GeocodeErrorSchema,
        refused="The input cannot be placed, or q is missing, blank or too long: the "
        "reason in English and Danish, and places it may have meant (errors names the "
        "parameter when q fails validation).",
    )
    @blp.response(200, GeocodedSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The point of a postcode, town or address; an address is placed at its
        postcode's point."""
        try:
            found = _geocoder().geocode(args["q"])
        except GeocodeError as exc:
            abort(422, **cannot_place(exc))
        return _present(found)
