"""Search around a point or an address, and one institution's whole document."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Response, current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.error_handler import ErrorSchema
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from dagtilbud_contracts.vocabulary import (
    CLOCK_PATTERN,
    DIETS,
    INSTITUTION_KINDS,
    LANGUAGES,
    MEAL_KINDS,
    OPEN_PLACES_FRESH_DAYS,
    OWNERSHIPS,
)
from search.api.problems import ProblemSchema, answer_422s, cannot_place, reads_query
from search.api.schemas import (
    NOT_BLANK,
    NUMBER_ANY_CASE,
    NUMBER_PARAMETER,
    InstitutionDocumentSchema,
    SearchResponseSchema,
)
from search.bootstrap import context
from search.domain.cursors import InvalidCursor
from search.domain.geocoding import GeocodeError
from search.domain.search import AGE_GROUPS, SORTS, SearchQuery
from search.service_layer.institutions import InstitutionNotFound, institution_detail
from search.service_layer.searching import Searcher

blp = Blueprint(
    "institutions",
    __name__,
    url_prefix="/v1",
    description="Find daycare near an address, with filters, and see one institution",
)
answer_422s(blp)
_NUMBER = re.compile(NUMBER_ANY_CASE)


def _csv_of(choices: tuple[str, ...]) -> validate.Regexp:
    """One or more of ``choices``, comma separated; the pattern lands in the
    OpenAPI document, so an empty value is refused there too."""
    one = "|".join(re.escape(c) for c in choices)
    return validate.Regexp(
        rf"^(?:{one})(?:,(?:{one}))*$",
        error=f"one or more of {', '.join(choices)}, comma separated",
    )


class SearchArgsSchema(Schema):
    lat = fields.Float(validate=validate.Range(min=54.0, max=58.0))
    lon = fields.Float(validate=validate.Range(min=7.5, max=15.5))
    q = fields.String(
        validate=[validate.Length(min=1, max=200), validate.Regexp(NOT_BLANK)],
        metadata={
            "description": "Postcode, postcode and town, or address line; placed as "
            "/v1/geocode places it (422 with suggestions when it cannot be)"
        },
    )
    radius_km = fields.Float(load_default=5.0, validate=validate.Range(min=0.1, max=50))
    age_group = fields.String(validate=validate.OneOf(AGE_GROUPS))
    kind = fields.String(
        validate=_csv_of(INSTITUTION_KINDS),
        metadata={"description": "One or more, comma separated"},
    )
    ownership = fields.String(
        validate=_csv_of(OWNERSHIPS), metadata={"description": "One or more, comma separated"}
    )
    municipality = fields.Integer(validate=validate.Range(min=100, max=999))
    meal = fields.String(
        validate=validate.OneOf(("offered", "none", *MEAL_KINDS, *DIETS)),
        metadata={"description": "offered, none, a meal kind or a diet"},
    )
    open_before = fields.String(
        validate=validate.Regexp(CLOCK_PATTERN),
        metadata={"description": "Open at this time (HH:MM) or earlier on every weekday"},
    )
    open_after = fields.String(
        validate=validate.Regexp(CLOCK_PATTERN),
        metadata={"description": "Open until this time (HH:MM) or later on every weekday"},
    )
    tag = fields.String(metadata={"description": "One or more, comma separated; all must match"})
    name = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "Words of the name, in any order; æ/ae, ø/oe, å/aa are the same, "
            "and a/o alone stand for æ/ø/å too (borne finds Børnehuset)"
        },
    )
    open_places = fields.String(
        validate=validate.OneOf(AGE_GROUPS),
        metadata={
            "description": "Only institutions reporting open places for this age group, in a "
            f"report at most {OPEN_PLACES_FRESH_DAYS} days old today (Danish time)"
        },
    )
    language = fields.List(
        fields.String(validate=validate.OneOf(LANGUAGES)),
        validate=validate.Length(max=len(LANGUAGES)),
        metadata={
            "description": "A language spoken besides Danish (ISO 639-1); repeat for more "
            "(language=en&language=ar): all must be spoken"
        },
    )
    organic_min = fields.Integer(
        validate=validate.Range(min=0, max=100),
        metadata={
            "description": "Meals offered, with at least this share of organic food (percent)"
        },
    )
    sort = fields.String(
        load_default="distance",
        validate=validate.OneOf(SORTS),
        metadata={
            "description": "distance: nearest first; name: Danish alphabetical order "
            "(... x y z æ ø å, aa as å); normering: fewest children per adult first"
        },
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(
        validate=validate.Length(min=1, max=1000),
        metadata={
            "description": "next_cursor of the previous page, with the same other "
            "parameters; any other cursor is refused (422)"
        },
    )

    @validates_schema
    def _point_or_q(self, data: dict[str, Any], **_kwargs: Any) -> None:
        has_point = "lat" in data and "lon" in data
        if not has_point and "q" not in data:
            raise ValidationError("give lat and lon, or q", "q")
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("lat and lon go together", "lat")


def _searcher() -> Searcher:
    return context().searcher


def _today() -> date:
    """The day this request searches on, read once: the answer and the key it
    is cached under are of the same day even at midnight."""
    if "search_today" not in g:
        g.search_today = context().today()
    today: date = g.search_today
    return today


def _answer_key() -> str:
    """The day and the query string exactly as asked: a repeated search is
    answered from the cache before its arguments are even parsed (parsing
    costs more than the lookup, and a reordered query is merely a second cache
    entry). Which open places are fresh changes with the day, so an answer is
    never served on another day than it was made on."""
    return f"search:{_today().isoformat()}:{request.environ.get('QUERY_STRING', '')}"


@blp.before_request
def _answer_from_cache() -> Response | None:
    # Only a GET (or its HEAD) is a search; OPTIONS and the rest answer as themselves.
    if request.endpoint != "institutions.Search" or request.method not in ("GET", "HEAD"):
        return None
    cached = _searcher().cached_answer(_answer_key())
    if cached is None:
        return None
    return Response(
        cached, mimetype="application/json", headers={"X-Geo-Source": "redis", "X-Cache": "hit"}
    )


@blp.after_request
def _remember_answer(response: Response) -> Response:
    generation = g.pop("search_generation", None)
    if generation is not None and response.status_code == 200:
        _searcher().remember_answer(_answer_key(), generation, response.get_data())
    return response


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(sorted(set(value.split(",")))) if value else ()


@blp.route("/search")
class Search(MethodView):
    @reads_query(
        blp,
        SearchArgsSchema,
        refused="Bad parameters (errors names them), neither lat and lon nor q, a q that "
        "cannot be placed (with suggestions), or a cursor this service did not give out "
        "for this search",
    )
    @blp.response(200, SearchResponseSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Institutions within a radius, nearest first unless sorted otherwise.

        Give lat and lon, or q. Each hit carries its distance in metres. Facets
        count the current result set. Pages follow `next_cursor`. The
        `X-Geo-Source` header says whether the Redis geo index or the database
        answered (the results are the same).
        """
        point: dict[str, Any]
        if "lat" in args:
            point = {"lat": args["lat"], "lon": args["lon"], "geocoded": None}
        else:
            try:
                found = context().geocoder.geocode(args["q"])
            except GeocodeError as exc:
                abort(422, **cannot_place(exc))
            point = {
                "lat": found.place.point.lat,
                "lon": found.place.point.lon,
                "geocoded": {
                    "postcode": found.place.postcode,
                    "name": found.place.name,
                    "precision": found.precision,
                },
            }
        query = SearchQuery(
            lat=point["lat"],
            lon=point["lon"],
            radius_km=args["radius_km"],
            age_group=args.get("age_group"),
            kinds=_split(args.get("kind")),
            ownerships=_split(args.get("ownership")),
            municipality=args.get("municipality"),
            meal=args.get("meal"),
            open_before=args.get("open_before"),
            open_after=args.get("open_after"),
            tags=_split(args.get("tag")),
            name=args.get("name"),
            open_places=args.get("open_places"),
            languages=tuple(sorted(set(args.get("language", ())))),
            organic_min=args.get("organic_min"),
            sort=args["sort"],
            limit=args["limit"],
            cursor=args.get("cursor"),
            today=_today(),
        )
        try:
            result = _searcher().search(query)
        except InvalidCursor as exc:
            abort(
                422,
                message=str(exc),
                message_da="Markøren (cursor) er ikke en, denne tjeneste har givet til "
                "denne søgning: begynd forfra uden cursor.",
                errors={"query": {"cursor": [str(exc)]}},
            )
        if result.geo_source == "redis":
            # Only answers that Redis helped make are cached (Redis is up).
            g.search_generation = result.generation
        # Written here rather than dumped through the schema: this is the hot
        # path, and the body already has the documented shape.
        response = current_app.json.response({**result.body, "point": point})
        response.headers.update({"X-Geo-Source": result.geo_source, "X-Cache": "miss"})
        return response


@blp.route("/institutions/<string:number>", parameters=[NUMBER_PARAMETER])
class InstitutionDetail(MethodView):
    @blp.response(200, InstitutionDocumentSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such institution")
    @blp.alt_response(422, schema=ProblemSchema, description="Not an institution number")
    def get(self, number: str) -> dict[str, Any]:
        """The whole document: register facts, profile, and each indicator with
        the municipal and national figure, their year and source."""
        if not _NUMBER.fullmatch(number):
            abort(
                422,
                message=f"{number[:20]!r} is not an institution number "
                "(6 letters or digits, e.g. G18062).",
                message_da=f"{number[:20]!r} er ikke et institutionsnummer "
                "(6 bogstaver eller cifre, fx G18062).",
                errors={"path": {"number": ["Not an institution number."]}},
            )
        try:
            document = institution_detail(context(), number.upper())
        except InstitutionNotFound:
            abort(404, message=f"No institution {number.upper()}.")
        return document
