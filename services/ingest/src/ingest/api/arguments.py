"""How the ingest API reads request arguments: a multipart body whose files
and form fields are one schema (documented as multipart/form-data), and no
parameter the API does not know is ever silently dropped."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from flask import Request
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, pre_load
from webargs.flaskparser import FlaskParser, abort
from werkzeug.datastructures import CombinedMultiDict, FileStorage

MULTIPART = "multipart"


class Parser(FlaskParser):
    # Its own map: registering on FlaskParser's would change every parser.
    __location_map__: dict[str, str | Callable[..., Any]] = {  # noqa: RUF012
        MULTIPART: "load_multipart",
        **FlaskParser.__location_map__,
    }

    def load_multipart(self, req: Request, schema: Schema) -> Any:
        """Form fields and files of a multipart body, read by one schema (two
        body arguments would document the upload as two request bodies)."""
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)

    def handle_error(
        self,
        error: ValidationError,
        req: Request,
        schema: Schema,
        *,
        error_status_code: int | None,
        error_headers: Mapping[str, str] | None,
    ) -> NoReturn:
        abort(
            error_status_code or self.DEFAULT_VALIDATION_STATUS,
            exc=error,
            messages=error.messages,
            schema=schema,
            headers=error_headers,
            # The documented 422 is flask-smorest's error, which has no message_da.
            message="The request is not valid; see errors.",
        )


def ingest_blueprint(*args: Any, **kwargs: Any) -> Any:
    """A flask-smorest Blueprint that reads arguments with :class:`Parser` and
    documents the ``multipart`` location as a multipart/form-data body."""
    blueprint = Blueprint(*args, **kwargs)
    blueprint.ARGUMENTS_PARSER = Parser()
    blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        MULTIPART: "multipart/form-data",
    }
    return blueprint


def uploaded_file(**kwargs: Any) -> Any:
    """A file part of the multipart body (a plain form field of that name is not one)."""
    return Upload(validate=_is_file, **kwargs)


def _is_file(value: Any) -> None:
    if not isinstance(value, FileStorage):
        raise ValidationError("Not a file: send it as a file part of the multipart body.")


class NoQuerySchema(Schema):
    """For an operation without query parameters: one sent anyway is refused
    (a ``?dry_run=true`` ignored would run the import for real)."""

    # Fields of the body, which a client may mistake for query parameters.
    body_fields: tuple[str, ...] = ()

    @pre_load
    def _refuse(self, data: Any, **kwargs: Any) -> Any:
        if data:
            raise ValidationError({name: [self._why(name)] for name in data})
        return data

    def _why(self, name: str) -> str:
        if name in self.body_fields:
            return f"Not a query parameter: send {name} as a form field of the multipart body."
        return "Unknown query parameter."
