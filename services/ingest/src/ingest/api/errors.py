"""Error answers of the ingest API: what is wrong, in English and Danish, with
the headers HTTP asks for (``Allow`` on 405, ``WWW-Authenticate`` on 401)."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Flask
from flask_smorest import Api
from marshmallow import Schema, fields
from webargs.flaskparser import abort
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from dagkit.web import http_error_handler
from ingest.bootstrap import context

EXTRA_KEYS = ("message_da", "limit_bytes")


class IngestErrorSchema(Schema):
    """flask-smorest's error answer, with the message in Danish too."""

    code = fields.Integer(metadata={"description": "The HTTP status code"})
    status = fields.String(metadata={"description": "The HTTP status"})
    message = fields.String(metadata={"description": "What is wrong"})
    message_da = fields.String(metadata={"description": "What is wrong, in Danish"})
    errors = fields.Dict(metadata={"description": "The invalid parameters and why"})


class TooLargeSchema(IngestErrorSchema):
    limit_bytes = fields.Integer(metadata={"description": "The largest file accepted, in bytes"})


def _da_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def too_large(limit: int) -> NoReturn:
    mb = f"{limit / (1024 * 1024):g}"
    abort(
        413,
        message=f"The file is larger than the limit of {limit:,} bytes ({mb} MB).",
        message_da=f"Filen er større end grænsen på {_da_int(limit)} byte "
        f"({mb.replace('.', ',')} MB).",
        limit_bytes=limit,
    )


# What the token check (dagkit.tokens.requires) answers, which says no words itself.
ACCESS_MESSAGES: dict[int, dict[str, str]] = {
    401: {
        "message": "A valid bearer token for a dst or admin account is required.",
        "message_da": "Der kræves et gyldigt bearer-token for en dst- eller admin-konto.",
    },
    403: {
        "message": "Only dst and admin accounts may upload or read imports.",
        "message_da": "Kun dst- og admin-konti må uploade eller læse indlæsninger.",
    },
    503: {
        "message": "The access token cannot be verified now; try again shortly.",
        "message_da": "Adgangstokenet kan ikke kontrolleres lige nu; prøv igen om lidt.",
    },
}


def register_error_handlers(app: Flask, api: Api) -> None:
    answer = http_error_handler(api, EXTRA_KEYS)

    def handle(error: HTTPException) -> Any:
        if error.code in ACCESS_MESSAGES and not getattr(error, "data", None):
            error.data = dict(ACCESS_MESSAGES[error.code])  # type: ignore[attr-defined]
        if isinstance(error, RequestEntityTooLarge) and not getattr(error, "data", None):
            # Werkzeug refuses the body before the view runs; say what the limit is.
            try:
                too_large(context().max_upload_bytes)
            except HTTPException as explained:
                error = explained
        return answer(error)

    app.register_error_handler(HTTPException, handle)
