"""Search around a point or an address, and one institution's whole document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy.orm import Session

from dagtilbud_contracts.vocabulary import (
    CLOCK_PATTERN,
    DIETS,
    INSTITUTION_KINDS,
    MEAL_KINDS,
    OWNERSHIPS,
)
from search.adapters import repository as repo
from search.domain.geocoding import GeocodeError, Geocoder
from search.service_layer.documents import institution_document
from search.service_layer.searching import (
    AGE_GROUPS,
    SORTS,
    InvalidCursor,
    Searcher,
    SearchQuery,
)

blp = Blueprint(
    "institutions",
    __name__,
    url_prefix="/v1",
    description="Find daycare near an address, with filters, and see one institution",
)


def _csv_of(choices: tuple[str, ...]) -> Callable[[str], None]:
    def check(value: str) -> None:
        unknown = [v for v in value.split(",") if v not in choices]
        if unknown:
            raise ValidationError(f"unknown: {', '.join(unknown)}; one of {', '.join(choices)}")

    return check


class SearchArgsSchema(Schema):
    lat = fields.Float(validate=validate.Range(min=54.0, max=58.0))
    lon = fields.Float(validate=validate.Range(min=7.5, max=15.5))
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Postcode, postcode and town, or address line"},
    )
    radius_km = fields.Float(load_default=5.0, validate=validate.Range(min=0.1, max=50))
    age_group = fields.String(validate=validate.OneOf(AGE_GROUPS))
    kind = fields.String(
        validate=_csv_of(INSTITUTION_KINDS),
        metadata={"description": "One or more, comma separated"},
    )
    ownership = fields.String(validate=_csv_of(OWNERSHIPS))
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
        metadata={"description": "Words of the name; æ/ae, ø/oe, å/aa are the same"},
    )
    sort = fields.String(load_default="distance", validate=validate.OneOf(SORTS))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(validate=validate.Length(max=500))

    @validates_schema
    def _point_or_q(self, data: dict[str, Any], **_kwargs: Any) -> None:
        has_point = "lat" in data and "lon" in data
        if not has_point and "q" not in data:
            raise ValidationError("give lat and lon, or q", "q")
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("lat and lon go together", "lat")


class SearchResponseSchema(Schema):
    total = fields.Integer()
    sort = fields.String()
    hits = fields.List(fields.Dict())
    facets = fields.Dict(keys=fields.String(), values=fields.Dict())
    next_cursor = fields.String(allow_none=True)
    point = fields.Dict()


def _searcher() -> Searcher:
    searcher: Searcher = current_app.extensions["search.searcher"]
    return searcher


def _answer_key() -> str:
    """The query string exactly as asked: a repeated search is answered from the
    cache before its arguments are even parsed (parsing costs more than the
    lookup, and a reordered query is merely a second cache entry)."""
    return "search:" + str(request.environ.get("QUERY_STRING", ""))


@blp.before_request
def _answer_from_cache() -> Response | None:
    if request.endpoint != "institutions.Search":
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
    @blp.arguments(SearchArgsSchema, location="query")
    @blp.response(200, SearchResponseSchema)
    @blp.alt_response(422, description="Bad arguments, or an address that cannot be placed")
    def get(self, args: dict[str, Any]) -> Any:
        """Institutions within a radius, nearest first unless sorted otherwise.

        Each hit carries its distance in metres. Facets count the current result
        set. Pages follow `next_cursor`. The `X-Geo-Source` header says whether
        the Redis geo index or the database answered (the results are the same).
        """
        point: dict[str, Any]
        if "lat" in args:
            point = {"lat": args["lat"], "lon": args["lon"], "geocoded": None}
        else:
            geocoder: Geocoder = current_app.extensions["search.geocoder"]
            try:
                found = geocoder.geocode(args["q"])
            except GeocodeError as exc:
                response = jsonify(
                    code=422,
                    status="Unprocessable Entity",
                    message=exc.reason_en,
                    message_da=exc.reason_da,
                    suggestions=[{"postcode": p.postcode, "name": p.name} for p in exc.suggestions],
                )
                response.status_code = 422
                return response
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
            sort=args["sort"],
            limit=args["limit"],
            cursor=args.get("cursor"),
        )
        try:
            result = _searcher().search(query)
        except InvalidCursor as exc:
            abort(422, message=str(exc))
        if result.geo_source == "redis":
            # Only answers that Redis helped make are cached (Redis is up).
            g.search_generation = result.generation
        body = {**result.body, "point": point}
        return body, 200, {"X-Geo-Source": result.geo_source, "X-Cache": "miss"}


@blp.route("/institutions/<string:number>")
class InstitutionDetail(MethodView):
    @blp.response(200)
    @blp.alt_response(404, description="No such institution")
    def get(self, number: str) -> dict[str, Any]:
        """The whole document: register facts, profile, and each indicator with
        the municipal and national figure, their year and source."""
        engine = current_app.extensions["search.engine"]
        with Session(engine) as session:
            rows = repo.institution_rows(session, [number.upper()])
            if not rows:
                abort(404, message=f"No institution {number}.")
            code = rows[0]["municipality_code"]
            municipal = repo.municipal_figures(session, code).get(code)
            national = repo.national(session)
        return institution_document(rows[0], municipal, national)
