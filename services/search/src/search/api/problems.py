"""The one shape of every 4xx answer the search API writes itself: what is
wrong in English and Danish, the validation errors per parameter, and for an
address that cannot be placed, the places it may have meant.

flask-smorest's own error handler keeps only ``message`` and ``errors`` and
leaves a validation error without a message, so the search blueprints answer
422s themselves, in the shape their OpenAPI document names (Problem, or
GeocodeError for /v1/geocode).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from flask import Response, jsonify
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from werkzeug.exceptions import UnprocessableEntity

from search.domain.geocoding import GeocodeError, Place

ViewT = TypeVar("ViewT", bound=Callable[..., Any])

MESSAGE_EN = "The request has invalid parameters: {fields}. See errors."
MESSAGE_DA = "Forespørgslen har ugyldige parametre: {fields}. Se errors."


class SuggestionSchema(Schema):
    postcode = fields.String(required=True, metadata={"example": "8000"})
    name = fields.String(required=True, metadata={"example": "Aarhus C"})
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)


class ProblemSchema(Schema):
    code = fields.Integer(required=True, metadata={"example": 422})
    status = fields.String(required=True, metadata={"example": "Unprocessable Entity"})
    message = fields.String(required=True, metadata={"description": "What is wrong, in English"})
    message_da = fields.String(required=True, metadata={"description": "What is wrong, in Danish"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(),
        metadata={
            "description": "Validation errors: per location (query, path) and parameter, "
            "the reasons"
        },
    )
    suggestions = fields.List(
        fields.Nested(SuggestionSchema),
        metadata={"description": "Places an address that cannot be placed may have meant"},
    )


class GeocodeErrorSchema(ProblemSchema):
    suggestions = fields.List(
        fields.Nested(SuggestionSchema),
        required=True,
        metadata={"description": "Places the input may have meant; empty when none"},
    )


def _names(errors: Any, prefix: str = "") -> Iterator[str]:
    """The parameters named in webargs' {location: {parameter: reasons}}."""
    if not isinstance(errors, Mapping):
        return
    for location, per_field in errors.items():
        if isinstance(per_field, Mapping):
            yield from (str(name) for name in per_field)
        else:
            yield str(location)


def problem(
    code: int,
    status: str,
    message: str,
    message_da: str,
    *,
    errors: Mapping[str, Any] | None = None,
    suggestions: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "code": code,
        "status": status,
        "message": message,
        "message_da": message_da,
    }
    if errors:
        body["errors"] = errors
    if suggestions is not None:
        body["suggestions"] = suggestions
    response = jsonify(body)
    response.status_code = code
    response.headers.update(headers or {})
    return response


def answer_422s(blueprint: Blueprint, *, with_suggestions: bool = False) -> None:
    """Validation errors and abort(422, message=..., message_da=...,
    suggestions=...) in ``blueprint``'s views become Problems."""

    def handle(error: UnprocessableEntity) -> Response:
        data: dict[str, Any] = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        named = ", ".join(dict.fromkeys(_names(errors))) or "unknown"
        suggestions = data.get("suggestions")
        return problem(
            error.code or 422,
            error.name,
            data.get("message") or MESSAGE_EN.format(fields=named),
            data.get("message_da") or MESSAGE_DA.format(fields=named),
            errors=errors,
            suggestions=[] if suggestions is None and with_suggestions else suggestions,
            headers=data.get("headers"),
        )

    register: Callable[..., Any] = blueprint.register_error_handler
    register(UnprocessableEntity, handle)


def reads_query(
    blueprint: Blueprint,
    args: type[Schema],
    *,
    refused: str,
    problem: type[Schema] = ProblemSchema,
) -> Callable[[ViewT], ViewT]:
    """The view reads its query string with ``args``; the 422 for a query it
    refuses (for the reasons ``refused`` gives) is documented in ``problem``'s
    shape."""

    def decorate(view: ViewT) -> ViewT:
        documented = blueprint.alt_response(422, schema=problem, description=refused)(view)
        parsed: ViewT = blueprint.arguments(args, location="query")(documented)
        return parsed

    return decorate


def _suggestion(place: Place) -> dict[str, Any]:
    return {
        "postcode": place.postcode,
        "name": place.name,
        "lat": place.point.lat,
        "lon": place.point.lon,
    }


def cannot_place(exc: GeocodeError) -> dict[str, Any]:
    """What abort(422, ...) says of input the geocoder cannot place: the reason
    in both languages, and the places it may have meant."""
    return {
        "message": exc.reason_en,
        "message_da": exc.reason_da,
        "suggestions": [_suggestion(p) for p in exc.suggestions],
    }
