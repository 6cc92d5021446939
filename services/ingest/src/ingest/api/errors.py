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


def register_error_handlers(app: Flask, api: Api) -> None:
    answer = http_error_handler(api, EXTRA_KEYS)

    def handle(error: HTTPException) -> Any:
        if isinstance(error, RequestEntityTooLarge) and not getattr(error, "data", None):
            # Werkzeug refuses the body before the view runs; say what the limit is.
            try:
                too_large(context().max_upload_bytes)
            except HTTPException as explained:
                error = explained
        return answer(error)

    app.register_error_handler(HTTPException, handle)
