"""The one shape of every error a JSON API of the portal answers: the status,
what is wrong in English (``message``) and Danish (``message_da``), and for a
body that fails validation, the reasons per field (``errors``).

A view says what is wrong with ``abort(status, message=..., message_da=...)``;
errors raised without words (a route that does not exist, a refused bearer
token, a body over the limit) get the words of their status here. A 422 names
the fields that are missing, unknown or invalid; a service that answers each
field's reasons in both languages hands ``register_error_handlers`` its
``field_errors`` translation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, request
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields
from webargs.flaskparser import abort
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException

from dagkit.web import http_error_handler

# A login or refresh body is well under 1 KiB: the default limit of a body.
MAX_BODY_BYTES = 4096

# (English, Danish) per status, for errors raised without words of their own.
WORDS: Mapping[int, tuple[str, str]] = {
    400: ("The request is malformed.", "Forespørgslen er forkert udformet."),
    401: (
        "A valid access token is required.",
        "Der kræves et gyldigt adgangstoken.",
    ),
    403: ("This account may not do that.", "Denne konto må ikke gøre det."),
    404: ("There is nothing at this address.", "Der findes intet på denne adresse."),
    405: (
        "This method is not allowed at this address.",
        "Denne metode er ikke tilladt på denne adresse.",
    ),
    412: (
        "The resource has changed since it was read (If-Match).",
        "Indholdet er ændret, siden det blev læst (If-Match).",
    ),
    413: ("The request body is too large.", "Forespørgslens indhold er for stort."),
    415: (
        "The request body must be JSON (Content-Type: application/json).",
        "Forespørgslens indhold skal være JSON (Content-Type: application/json).",
    ),
    429: (
        "Too many requests. Please wait a little and try again.",
        "For mange forespørgsler. Vent venligst lidt, og prøv igen.",
    ),
    500: ("Something went wrong on our side.", "Der gik noget galt hos os."),
    503: (
        "The service cannot answer right now. Please try again in a moment.",
        "Tjenesten kan ikke svare lige nu. Prøv venligst igen om lidt.",
    ),
}
FALLBACK = ("The request could not be carried out.", "Forespørgslen kunne ikke gennemføres.")
INVALID_JSON = (
    "The request body is not valid JSON.",
    "Forespørgslens indhold er ikke gyldig JSON.",
)
NOT_AN_OBJECT = ("the body must be a JSON object", "indholdet skal være et JSON-objekt")
MISSING = "Missing data for required field."
UNKNOWN = "Unknown field."
SCHEMA_KEY = "_schema"


class ProblemSchema(Schema):
    code = fields.Integer(required=True, metadata={"example": 401})
    status = fields.String(required=True, metadata={"example": "Unauthorized"})
    message = fields.String(required=True, metadata={"description": "What is wrong, in English"})
    message_da = fields.String(required=True, metadata={"description": "What is wrong, in Danish"})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "Validation errors: per location (json) and field, the reasons",
        },
    )


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def _field_reasons(errors: Any) -> dict[str, list[str]]:
    """webargs' {"json": {field: [reasons]}} as {field: [reasons]}."""
    body = errors.get("json") if isinstance(errors, Mapping) else None
    if not isinstance(body, Mapping):
        return {}
    return {
        str(name): [str(r) for r in reasons] if isinstance(reasons, list) else [str(reasons)]
        for name, reasons in body.items()
    }


def validation_words(errors: Any) -> tuple[str, str]:
    """What a 422 says: the fields that are missing, unknown and invalid."""
    reasons = _field_reasons(errors)
    if SCHEMA_KEY in reasons:
        english, danish = NOT_AN_OBJECT
        return (
            f"The request body is not valid: {english}. See errors.",
            f"Forespørgslens indhold er ikke gyldigt: {danish}. Se errors.",
        )
    missing = [name for name, why in reasons.items() if MISSING in why]
    unknown = [name for name, why in reasons.items() if UNKNOWN in why]
    invalid = [name for name in reasons if name not in missing and name not in unknown]
    in_english, in_danish = [], []
    for names, en, da in (
        (missing, "missing", "mangler"),
        (unknown, "unknown", "ukendt"),
        (invalid, "invalid", "ugyldig"),
    ):
        if names:
            in_english.append(f"{en}: {', '.join(names)}")
            in_danish.append(f"{da}: {', '.join(names)}")
    detail_en = "; ".join(in_english) or "see errors"
    detail_da = "; ".join(in_danish) or "se errors"
    return (
        f"The request body is not valid ({detail_en}). See errors.",
        f"Forespørgslens indhold er ikke gyldigt ({detail_da}). Se errors.",
    )


def _words(error: HTTPException, data: Mapping[str, Any]) -> tuple[str, str]:
    code = error.code or 500
    errors = data.get("errors") or data.get("messages")
    if code == 422 and errors:
        return validation_words(errors)
    if code == 400 and _field_reasons(errors) == {} and errors:
        # webargs: {"json": ["Invalid JSON body."]}
        return INVALID_JSON
    return WORDS.get(code, FALLBACK)


def register_error_handlers(
    app: Flask, api: Api, *, field_errors: Callable[[Any], Any] | None = None
) -> None:
    """Every HTTP error of the app in the Problem shape; ``field_errors``
    rewrites a 422's per-field reasons (e.g. into both languages)."""
    answer = http_error_handler(api, ("message_da",))

    def handle(error: HTTPException) -> tuple[dict[str, Any], int, Headers]:
        data = getattr(error, "data", None)
        if not isinstance(data, dict):
            data = {}
            error.data = data  # type: ignore[attr-defined]
        english, danish = _words(error, data)
        if field_errors is not None and error.code == 422 and "messages" in data:
            data["errors"] = field_errors(data.pop("messages"))
        if not data.get("message"):
            data["message"] = english
        if not data.get("message_da"):
            data["message_da"] = danish
        return answer(error)

    app.register_error_handler(HTTPException, handle)


def limit_body(blueprint: Blueprint, limit: int = MAX_BODY_BYTES) -> None:
    """Bodies larger than ``limit`` are refused with 413 before they are read."""

    def guard() -> None:
        request.max_content_length = limit
        if request.content_length is not None and request.content_length > limit:
            abort(
                413,
                message=f"The request body is larger than {limit} bytes.",
                message_da=f"Forespørgslens indhold er større end {limit} byte.",
            )

    register: Callable[..., Any] = blueprint.before_request
    register(guard)
